"""Run the engine over every .py file of a corpus and summarise what it found.

    python benchmarks/sweep.py                       # timm and transformers (pinned)
    python benchmarks/sweep.py timm --reports out.txt
    python benchmarks/sweep.py path/to/project --compare-full

Prints files, lines, seconds (reading, ast.parse and checking apart), reports
per code, NAN000 internal errors with their messages (there must be none),
and the slowest files.  `--reports FILE` writes every report with its source
line, for reading them by hand; `--compare-full` also lints each file with
the full parse (no pre-filter) and lists every difference.
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
from flake8_nan.engine import Options, check_source  # noqa: E402
from flake8_nan.registry import RULES  # noqa: E402


def sweep(label: str, paths: list[Path], args, out) -> bool:
    options = Options(min_eps=args.min_eps)
    rules = tuple(r for r in RULES if r.default_enabled) if args.default_rules else RULES
    per_code: collections.Counter = collections.Counter()
    errors, timings, differences = [], [], []
    lines = syntax_errors = 0
    t_read = t_parse = t_check = 0.0
    common = _common_parent(paths)
    for path in paths:
        t0 = time.perf_counter()
        source = path.read_text(encoding="utf-8", errors="replace")
        t1 = time.perf_counter()
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
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
            per_code[r.code] += 1
            if r.code == "NAN000":
                errors.append(f"{name}: {r.message}")
            if out is not None:
                src = text_lines[r.line - 1].strip() if 0 < r.line <= len(text_lines) else ""
                out.write(f"{name}:{r.line}:{r.col + 1}: {r.code} {r.message}\n    {src}\n")
        if args.compare_full and tree is not None:
            other = check_source(source, tree, options, rules, full=not args.full)
            if other != reports:
                differences.append((name, sorted(set(reports) ^ set(other))))

    total = t_read + t_parse + t_check
    print(f"== {label}")
    print(f"files {len(paths)}  lines {lines}  syntax errors {syntax_errors}  "
          f"path {'full parse' if args.full else 'pre-filtered'}  "
          f"rules {'on by default' if args.default_rules else 'all'}")
    print(f"seconds {total:.2f} = read {t_read:.2f} + ast.parse {t_parse:.2f} + check {t_check:.2f}"
          f"  (engine/ast.parse {total / max(t_read + t_parse, 1e-9):.2f}x)")
    codes = "  ".join(f"{c} {n}" for c, n in sorted(per_code.items())) or "none"
    print(f"reports {sum(per_code.values())}: {codes}")
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
    return not errors and not (args.compare_full and differences)


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
    parser.add_argument("corpora", nargs="*", default=list(corpus.PINS),
                        help=f"corpus names ({', '.join(corpus.PINS)}, quick), directories or files")
    parser.add_argument("--reports", metavar="FILE", help="write every report and its source line")
    parser.add_argument("--slowest", type=int, default=10, metavar="N")
    parser.add_argument("--full", action="store_true", help="parse everything (no pre-filter)")
    parser.add_argument("--compare-full", action="store_true",
                        help="also lint with the other path and list the differences")
    parser.add_argument("--default-rules", action="store_true",
                        help="only the rules on by default (what flake8 runs unless told otherwise)")
    parser.add_argument("--min-eps", type=float, default=Options().min_eps)
    args = parser.parse_args(argv)
    out = open(args.reports, "w", encoding="utf-8") if args.reports else None
    ok = True
    try:
        for spec in args.corpora:
            label, paths = corpus.resolve(spec)
            if out is not None:
                out.write(f"== {label}\n")
            ok &= sweep(label, paths, args, out)
    finally:
        if out is not None:
            out.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
