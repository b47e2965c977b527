"""How much of a yardstick of real NaN/inf bugs flake8-nan finds.

    python benchmarks/realbugs.py              # the tables
    python benchmarks/realbugs.py --verbose    # also every miss and every extra report

benchmarks/realbugs/ holds one pair per bug found in a public report:
`<slug>_bad.py`, a short reduction of the code that produced the NaN/inf, and
`<slug>_fixed.py`, the same code with the fix that was accepted.  Both start
with `# source: <address>` and `# what: ...`; in the bad file the lines a
linter should flag end with `# expect: NAN101` (or `# expect: NAN101,NAN201`).
A line carries the code of the rule that owns its hazard, one report per hazard: where
two rules could speak, the more specific one does (x * log(x) is NAN107's, not NAN101's;
the entropy of a softmax is NAN102's, whose log_softmax fix removes it).
Where the accepted fix left a hazard of the bug's own code in place, the fixed
file says so in its header, `# residual: NAN301 (why)`, and reports of that
code on it are not counted as left over.

For the default rule set and for every rule, the tables count the marked
(line, code) pairs that got a report of that code on that line, the marked
lines that got a report of any code, and the reports of a bug's own codes
still left on its fixed file.  This is a measurement, not a gate: the exit
status is 0 unless the files are malformed (2).
"""
from __future__ import annotations

import argparse
import ast
import re
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES = HERE / "realbugs"
# Run from a checkout without installing it.
sys.path.insert(0, str(HERE.parent))

from flake8_nan.engine import Options, check_source  # noqa: E402
from flake8_nan.registry import RULES  # noqa: E402

MARKER = re.compile(r"#\s*expect:\s*(NAN\d{3}(?:\s*,\s*NAN\d{3})*)")
RESIDUAL = re.compile(r"^# residual: (NAN\d{3})", re.M)


class Malformed(Exception):
    pass


def header(text: str, name: str) -> None:
    # The address is what makes a case citable; a case without one is not a case.
    head = [line for line in text.splitlines()[:6] if line.startswith("#")]
    if not any(line.startswith("# source: ") for line in head):
        raise Malformed(f"{name}: no '# source:' line at the top")
    if not any(line.startswith("# what: ") for line in head):
        raise Malformed(f"{name}: no '# what:' line at the top")


def expectations(text: str) -> set[tuple[int, str]]:
    found = set()
    for number, line in enumerate(text.splitlines(), 1):
        match = MARKER.search(line)
        if match:
            found.update((number, code.strip()) for code in match.group(1).split(","))
    return found


def load() -> list[dict]:
    bad = {p.name[: -len("_bad.py")]: p for p in CASES.glob("*_bad.py")}
    fixed = {p.name[: -len("_fixed.py")]: p for p in CASES.glob("*_fixed.py")}
    problems = [f"{slug}_bad.py has no _fixed.py twin" for slug in sorted(bad.keys() - fixed.keys())]
    problems += [f"{slug}_fixed.py has no _bad.py twin" for slug in sorted(fixed.keys() - bad.keys())]
    cases = []
    for slug in sorted(bad.keys() & fixed.keys()):
        try:
            texts = {}
            for kind, path in (("bad", bad[slug]), ("fixed", fixed[slug])):
                texts[kind] = path.read_text(encoding="utf-8")
                header(texts[kind], path.name)
                try:
                    ast.parse(texts[kind])
                except SyntaxError as error:
                    raise Malformed(f"{path.name}: {error}") from None
            expected = expectations(texts["bad"])
            if not expected:
                raise Malformed(f"{slug}_bad.py: no '# expect:' marker")
            if expectations(texts["fixed"]):
                raise Malformed(f"{slug}_fixed.py: has an '# expect:' marker")
        except Malformed as error:
            problems.append(str(error))
            continue
        residual = set(RESIDUAL.findall("\n".join(texts["fixed"].splitlines()[:6])))
        cases.append({"slug": slug, "bad": texts["bad"], "fixed": texts["fixed"], "expected": expected,
                      "residual": residual})
    if problems:
        raise Malformed("\n".join(problems))
    return cases


def lint(text: str, rules) -> list:
    return check_source(text, ast.parse(text), Options(), rules)


def measure(cases: list[dict], rules) -> dict:
    per_code = defaultdict(lambda: [0, 0])  # code -> [expected, found]
    lines_marked = lines_hit = 0
    misses, extras, leftovers = [], [], []
    for case in cases:
        reports = lint(case["bad"], rules)
        got = {(r.line, r.code) for r in reports}
        lines_with_report = {r.line for r in reports}
        for line, code in sorted(case["expected"]):
            per_code[code][0] += 1
            if (line, code) in got:
                per_code[code][1] += 1
            else:
                on_line = sorted(c for (n, c) in got if n == line)
                misses.append(f"{case['slug']}_bad.py:{line} {code}"
                              + (f" (reported there: {', '.join(on_line)})" if on_line else ""))
        marked = {line for line, _ in case["expected"]}
        lines_marked += len(marked)
        lines_hit += len(marked & lines_with_report)
        for r in reports:
            if (r.line, r.code) not in case["expected"]:
                extras.append(f"{case['slug']}_bad.py:{r.line}:{r.col + 1} {r.code} {r.message}")
        # A fix that still draws the bug's own code is either an incomplete fix or a false positive.
        own = {code for _, code in case["expected"]} - case["residual"]
        for r in lint(case["fixed"], rules):
            if r.code in own:
                leftovers.append(f"{case['slug']}_fixed.py:{r.line}:{r.col + 1} {r.code} {r.message}")
    return {"per_code": per_code, "lines": (lines_marked, lines_hit),
            "misses": misses, "extras": extras, "leftovers": leftovers}


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    -"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list every miss and every extra report")
    args = parser.parse_args(argv)
    try:
        cases = load()
    except Malformed as error:
        print(f"malformed cases in {CASES}:\n{error}", file=sys.stderr)
        return 2

    sets = {"default": tuple(r for r in RULES if r.default_enabled), "all": tuple(RULES)}
    results = {name: measure(cases, rules) for name, rules in sets.items()}
    codes = sorted(set(results["all"]["per_code"]))
    known = {r.code for r in RULES}

    print(f"{len(cases)} cases in {CASES.relative_to(HERE.parent)}\n")
    print(f"{'code':<8}{'marked':>7}  {'default':>14}  {'all rules':>14}")
    totals = {name: [0, 0] for name in sets}
    for code in codes:
        row = f"{code:<8}{results['all']['per_code'][code][0]:>7}"
        for name in sets:
            expected, found = results[name]["per_code"][code]
            totals[name][0] += expected
            totals[name][1] += found
            row += f"  {found:>4} {percent(found, expected)}   "
        print(row.rstrip() + ("" if code in known else "   (no rule yet)"))
    row = f"{'total':<8}{totals['all'][0]:>7}"
    for name in sets:
        row += f"  {totals[name][1]:>4} {percent(totals[name][1], totals[name][0])}   "
    print(row.rstrip())

    print()
    for name in sets:
        marked, hit = results[name]["lines"]
        print(f"{name:>7}: marked lines with a report of any code: {hit}/{marked}"
              f" ({percent(hit, marked).strip()});"
              f" extra reports on bad files: {len(results[name]['extras'])};"
              f" bug's own codes left on fixed files: {len(results[name]['leftovers'])}")
    for name in sets:
        if results[name]["leftovers"]:
            print(f"\nbug's own codes left on fixed files ({name} rules):")
            for item in results[name]["leftovers"]:
                print(f"  {item}")

    if args.verbose:
        for name in sets:
            print(f"\nmisses ({name} rules):")
            for item in results[name]["misses"] or ["(none)"]:
                print(f"  {item}")
            print(f"\nextra reports on bad files ({name} rules):")
            for item in results[name]["extras"] or ["(none)"]:
                print(f"  {item}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
