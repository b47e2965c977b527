"""How often the rules on by default are right on real code, by reading their reports.

    python benchmarks/precision.py                  # the table, from the judged reports
    python benchmarks/precision.py --unjudged       # also list reports nobody has judged yet
    python benchmarks/precision.py --show safe      # also list the reports judged safe, with why
    python benchmarks/precision.py --extend-select NAN108   # also a rule off by default

benchmarks/precision/<corpus>.txt holds one judged report per line:

    path/in/the/corpus.py:123 NAN201 real | the mask is built from labels != -100: a batch
    path/in/the/corpus.py:140 NAN301 safe | computed in float64 by the caller

The verdict is `real` (the hazard is reachable in the code as it is used), `safe` (it is
not, for a reason the model could not see) or `debatable` (it depends on inputs the code
does not control).  The reason is one line.  For NAN301, an eps in tensor arithmetic that a
float16-autocast run would lose counts as real.  Lines starting with # are comments.

The table lints each pinned corpus with the rules on by default (and those named with
`--extend-select`: a rule off by default keeps its judgments for the figure its page gives)
and matches every report to its judgment by file, line and code; precision is real /
(real + safe), debatable apart, and every report without a judgment is counted as
unjudged (a stale judgment, for a report no longer made, is listed).
"""
from __future__ import annotations

import argparse
import ast
import collections
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # a checkout, not installed

import corpus  # noqa: E402
from flake8_nan.engine import Options, check_source  # noqa: E402
from flake8_nan.registry import RULES  # noqa: E402

JUDGED = HERE / "precision"
LINE = re.compile(r"^(?P<path>\S+?):(?P<line>\d+) (?P<code>NAN\d{3}) (?P<verdict>real|safe|debatable)"
                  r"\s*\|\s*(?P<reason>\S.*)$")
VERDICTS = ("real", "safe", "debatable")


def judgments(name: str) -> dict:
    path = JUDGED / f"{name}.txt"
    found = {}
    if not path.exists():
        return found
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not text.strip() or text.startswith("#"):
            continue
        m = LINE.match(text)
        if m is None:
            raise SystemExit(f"{path.name}:{number}: not `file:line CODE verdict | reason`: {text}")
        found[(m["path"], int(m["line"]), m["code"])] = (m["verdict"], m["reason"])
    return found


def reports(name: str, rules) -> list[tuple[str, int, str, str]]:
    """(path in the corpus, line, code, message) of the reports of `rules`."""
    _, paths = corpus.resolve(name)
    base = corpus.root(name) if name in corpus.PINS else None
    out = []
    for path in paths:
        source = path.read_text(encoding="utf-8", errors="replace")
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        rel = path.relative_to(base).as_posix() if base else path.as_posix()
        out += [(rel, r.line, r.code, r.message) for r in check_source(source, tree, Options(), rules)]
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="*", help="pinned corpus names (default: every one "
                        "with a judgments file)")
    parser.add_argument("--unjudged", action="store_true", help="list the reports without a judgment")
    parser.add_argument("--extend-select", default="", metavar="CODES",
                        help="also lint with these rules off by default (comma-separated): their "
                        "judgments are kept for the figure on their rule page")
    parser.add_argument("--show", choices=VERDICTS, action="append", default=[],
                        help="list the reports with this verdict and its reason (repeatable)")
    args = parser.parse_args(argv)
    names = args.corpora or sorted(p.stem for p in JUDGED.glob("*.txt"))
    extra = {c.strip() for c in args.extend_select.split(",") if c.strip()}
    rules = tuple(r for r in RULES if r.default_enabled or r.code in extra)
    codes = {r.code for r in rules}
    totals: dict = collections.defaultdict(collections.Counter)
    for name in names:
        # the judgments of a rule not in use are neither matched nor stale
        judged = {k: v for k, v in judgments(name).items() if k[2] in codes}
        made = reports(name, rules)
        seen = set()
        per_code: dict = collections.defaultdict(collections.Counter)
        missing, shown = [], []
        for rel, line, code, message in made:
            verdict = judged.get((rel, line, code))
            seen.add((rel, line, code))
            per_code[code][verdict[0] if verdict else "unjudged"] += 1
            if verdict is None:
                missing.append(f"  {rel}:{line} {code} {message}")
            elif verdict[0] in args.show:
                shown.append(f"  {rel}:{line} {code} {verdict[0]} | {verdict[1]}")
        stale = sorted(k for k in judged if k not in seen)
        print(f"== {name}: {len(made)} reports, {len(judged)} judgments"
              + (f", {len(stale)} stale" if stale else ""))
        for code in sorted(per_code):
            c = per_code[code]
            totals[code].update(c)
            print(f"  {code}  " + "  ".join(f"{v} {c[v]}" for v in (*VERDICTS, "unjudged") if c[v]))
        for key in stale:
            print(f"  stale: {key[0]}:{key[1]} {key[2]}")
        if args.unjudged and missing:
            print("\n".join(missing))
        if shown:
            print("\n".join(shown))
    print("\n| code | reports | real | safe | debatable | unjudged | precision real/(real+safe) |")
    print("|---|---|---|---|---|---|---|")
    for code in sorted(totals):
        c = totals[code]
        decided = c["real"] + c["safe"]
        share = f"{100 * c['real'] / decided:.0f}%" if decided else "-"
        print(f"| {code} | {sum(c.values())} | {c['real']} | {c['safe']} | {c['debatable']} "
              f"| {c['unjudged']} | {share} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
