"""Run the engine over every .py file of a corpus and summarise what it found.

    python benchmarks/sweep.py                       # timm and transformers (pinned)
    python benchmarks/sweep.py wide --compare-full   # the standard library, torch, training code
    python benchmarks/sweep.py timm --reports out.txt
    python benchmarks/sweep.py path/to/project --compare-full

Each file is linted with the rules on by default and with every rule (`--rules`
picks one), each under the per-file time budget (`--file-timeout`, the
product's default): a file past it counts as a timeout.  Prints, per corpus and
rule set, files, lines, seconds (reading, ast.parse and checking apart),
reports per code, timeouts, NAN000 internal errors with their messages (there
must be none) and the slowest files; at the end a table of every corpus.
`--reports FILE` writes every report with its source line, for reading them by
hand; `--compare-full` also lints each file with the full parse (no
pre-filter) and lists every difference.  The exit code is 1 when a file timed
out, raised an internal error or differed.
"""
from __future__ import annotations

import argparse
import ast
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.append(str(Path(__file__).resolve().parent.parent))  # when not installed

import corpus  # noqa: E402
from flake8_nan.budget import DEFAULT_FILE_TIMEOUT  # noqa: E402
from flake8_nan.engine import Options, check_source  # noqa: E402
from flake8_nan.registry import RULES  # noqa: E402

RULE_SETS = {"default": tuple(r for r in RULES if r.default_enabled), "all": RULES}


def _stopped(report) -> bool:
    return report.code == "NAN000" and "stopped after" in report.message


def sweep(label: str, paths: list[Path], rule_set: str, args, out) -> dict:
    options = Options(min_eps=args.min_eps, file_timeout=args.file_timeout)
    rules = RULE_SETS[rule_set]
    per_code: collections.Counter = collections.Counter()
    errors, timeouts, timings, differences = [], [], [], []
    lines = syntax_errors = 0
    t_read = t_parse = t_check = 0.0
    common = _common_parent(paths)
    for path in paths:
        t0 = time.perf_counter()
        source = path.read_text(encoding="utf-8", errors="replace")
        t1 = time.perf_counter()
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
            syntax_errors += 1
        t2 = time.perf_counter()
        reports = [] if tree is None else check_source(source, tree, options, rules, full=args.full)
        t3 = time.perf_counter()
        t_read += t1 - t0
        t_parse += t2 - t1
        t_check += t3 - t2
        text_lines = source.splitlines()
        lines += len(text_lines)
        name = str(path.resolve().relative_to(common)) if common else str(path)
        timings.append((t3 - t2, name, len(text_lines)))
        for r in reports:
            if _stopped(r):
                timeouts.append(name)
                continue
            per_code[r.code] += 1
            if r.code == "NAN000":
                errors.append(f"{name}: {r.message}")
            if out is not None:
                src = text_lines[r.line - 1].strip() if 0 < r.line <= len(text_lines) else ""
                out.write(f"{name}:{r.line}:{r.col + 1}: {r.code} {r.message}\n    {src}\n")
        if args.compare_full and tree is not None:
            other = check_source(source, tree, options, rules, full=not args.full)
            if any(map(_stopped, other)):
                timeouts.append(f"{name} (the other path)")
            elif other != reports and not any(map(_stopped, reports)):
                differences.append((name, sorted(set(reports) ^ set(other))))

    total = t_read + t_parse + t_check
    print(f"== {label}: rules {'on by default' if rule_set == 'default' else 'all'}")
    print(f"files {len(paths)}  lines {lines}  syntax errors {syntax_errors}  "
          f"path {'full parse' if args.full else 'pre-filtered'}")
    print(f"seconds {total:.2f} = read {t_read:.2f} + ast.parse {t_parse:.2f} + check {t_check:.2f}"
          f"  (engine/ast.parse {total / max(t_read + t_parse, 1e-9):.2f}x)")
    codes = "  ".join(f"{c} {n}" for c, n in sorted(per_code.items())) or "none"
    print(f"reports {sum(per_code.values())}: {codes}")
    print(f"timeouts (over {args.file_timeout:g} s per 1,000 lines): {len(timeouts)}")
    for t in timeouts:
        print(f"  {t}")
    print(f"NAN000 internal errors: {len(errors)}")
    for e in errors:
        print(f"  {e}")
    if args.slowest:
        print(f"slowest {args.slowest} files (check only):")
        for seconds, name, n in sorted(timings, reverse=True)[: args.slowest]:
            print(f"  {seconds:7.3f} s  {n:6} lines  {name}")
    if args.compare_full:
        print(f"files where pre-filtered and full parse differ: {len(differences)}")
        for name, diff in differences:
            for r in diff:
                print(f"  {name}:{r.line}:{r.col + 1}: {r.code} {r.message}")
    print(flush=True)
    return {"corpus": label, "rules": rule_set, "files": len(paths), "lines": lines,
            "seconds": t_check, "slowest": max((t[0] for t in timings), default=0.0),
            "timeouts": len(timeouts), "errors": len(errors),
            "differ": len(differences) if args.compare_full else None,
            "reports": sum(per_code.values())}


def table(rows: list[dict]) -> str:
    head = ("| corpus | rules | files | lines | check s | slowest file s | timeouts | NAN000 "
            "| differ from full parse | reports |\n|---|---|---|---|---|---|---|---|---|---|\n")
    return head + "".join(
        f"| {r['corpus']} | {r['rules']} | {r['files']} | {r['lines']} | {r['seconds']:.1f} "
        f"| {r['slowest']:.2f} | {r['timeouts']} | {r['errors']} "
        f"| {'-' if r['differ'] is None else r['differ']} | {r['reports']} |\n" for r in rows)


def _common_parent(paths: list[Path]):
    if not paths:
        return None
    parts = [p.resolve().parent.parts for p in paths]
    shared = []
    for column in zip(*parts):
        if len(set(column)) != 1:
            break
        shared.append(column[0])
    return Path(*shared) if shared else None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="*", default=["timm", "transformers"],
                        help=f"corpus names ({', '.join([*corpus.PINS, *corpus.INSTALLED])}, "
                             "wide: all of those), directories or files")
    parser.add_argument("--reports", metavar="FILE", help="write every report and its source line")
    parser.add_argument("--slowest", type=int, default=5, metavar="N")
    parser.add_argument("--full", action="store_true", help="parse everything (no pre-filter)")
    parser.add_argument("--compare-full", action="store_true",
                        help="also lint with the other path and list the differences")
    parser.add_argument("--rules", choices=("default", "all", "both"), default="both",
                        help="the rules on by default, every rule, or each in turn (default)")
    parser.add_argument("--default-rules", action="store_const", const="default", dest="rules",
                        help="the same as --rules default")
    parser.add_argument("--file-timeout", type=float, default=DEFAULT_FILE_TIMEOUT,
                        metavar="SECONDS", help="budget per 1,000 lines of a file "
                        f"(default {DEFAULT_FILE_TIMEOUT:g}, the product's)")
    parser.add_argument("--min-eps", type=float, default=Options().min_eps)
    args = parser.parse_args(argv)
    specs = [s for spec in args.corpora for s in (corpus.WIDE if spec == "wide" else [spec])]
    sets = ("default", "all") if args.rules == "both" else (args.rules,)
    out = open(args.reports, "w", encoding="utf-8") if args.reports else None
    rows = []
    try:
        for spec in specs:
            label, paths = corpus.resolve(spec)
            for rule_set in sets:
                if out is not None:
                    out.write(f"== {label} ({rule_set} rules)\n")
                rows.append(sweep(label, paths, rule_set, args, out))
    finally:
        if out is not None:
            out.close()
    print(table(rows))
    bad = any(r["timeouts"] or r["errors"] or r["differ"] for r in rows)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
