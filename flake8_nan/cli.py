"""The `flake8-nan` command: check (and fix) files, and print rule documentation."""
from __future__ import annotations

import argparse
import os
import sys

from . import __version__


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="flake8-nan", description="Find the PyTorch code that produces NaN/inf.")
    parser.add_argument("--version", action="version", version=f"flake8-nan {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("rules", help="list every rule code with its summary")
    rule = sub.add_parser("rule", help="print one rule's documentation")
    rule.add_argument("code", help="a rule code, e.g. NAN101")
    sub.add_parser("docs", help="print the full rule reference (docs/rules.md)")
    check = sub.add_parser("check", help="check files and folders (and fix them)")
    add_check_arguments(check)
    args = parser.parse_args(argv)
    if args.command == "check":
        return run_check(args, parser)

    from . import docs
    from .registry import BY_CODE

    if args.command == "rules":
        sys.stdout.write(docs.render_index())
    elif args.command == "rule":
        rule_cls = BY_CODE.get(args.code.upper())
        if rule_cls is None:
            parser.error(f"unknown rule {args.code!r}; `flake8-nan rules` lists them")
        sys.stdout.write(docs.render_rule(rule_cls))
    elif args.command == "docs":
        sys.stdout.write(docs.render_all())
    return 0


def add_check_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", default=["."], help="files or folders; - reads stdin")
    listed = dict(type=_codes, metavar="CODES")
    p.add_argument("--select", **listed, help="codes or prefixes to report (default: NAN)")
    p.add_argument("--extend-select", **listed, help="add codes, e.g. off-by-default rules")
    p.add_argument("--ignore", **listed, help="codes or prefixes not to report")
    p.add_argument("--extend-ignore", **listed)
    p.add_argument("--exclude", type=_codes, metavar="PATTERNS",
                   help="file/folder patterns to skip (replaces the defaults)")
    p.add_argument("--extend-exclude", type=_codes, metavar="PATTERNS")
    p.add_argument("--nan-min-eps", metavar="EPS", help="NAN301 threshold (default 1e-7)")
    p.add_argument("--nan-file-timeout", metavar="SECONDS",
                   help="seconds per 1,000 lines one file may take (default 5; 0: no limit)")
    p.add_argument("--nan-strict", action="store_true", default=None,
                   help="also report values whose range is unknown (default: evidence only)")
    p.add_argument("--config", help="read settings from this ini file only")
    p.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    p.add_argument("--stdin-filename", help="the name to report for stdin")
    p.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text")
    p.add_argument("--statistics", action="store_true", help="print counts per code")
    p.add_argument("--fix", action="store_true", help="apply safe fixes")
    p.add_argument("--unsafe-fixes", action="store_true",
                   help="with --fix or --diff: also apply fixes that change numbers")
    p.add_argument("--diff", action="store_true", help="print the fixes as a diff, write nothing")
    p.add_argument("--show-fixes", action="store_true", help="list what was fixed")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even with reports")


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def settings_from(args):
    from . import config

    settings = config.load(".", config_file=args.config, isolated=args.isolated)
    for name in ("select", "extend_select", "ignore", "extend_ignore", "exclude",
                 "extend_exclude"):
        value = getattr(args, name)
        if value is not None:
            setattr(settings, name, value)
    if args.nan_min_eps is not None:
        settings.min_eps = config.parse_min_eps(args.nan_min_eps, "--nan-min-eps")
    if args.nan_strict:
        settings.strict = True
    if args.nan_file_timeout is not None:
        settings.file_timeout = config.parse_file_timeout(args.nan_file_timeout,
                                                          "--nan-file-timeout")
    return settings


def run_check(args, parser) -> int:
    from . import formats
    from .check import Checker, diff, discover, write_atomically
    from .config import ConfigError
    from .registry import RULES

    try:
        settings = settings_from(args)
    except ConfigError as exc:
        parser.error(str(exc))
    fixing = args.fix or args.diff
    checker = Checker(settings, fix=fixing, unsafe=args.unsafe_fixes)
    stdin_data = None
    results = []
    for path in discover(args.paths, settings):
        if path == "-":
            stdin_data = sys.stdin.buffer.read() if stdin_data is None else stdin_data
            results.append(checker.check_path("-", args.stdin_filename or "stdin", stdin_data))
        else:
            results.append(checker.check_path(path))

    failed = False
    report_stream = sys.stdout
    for result in results:
        if result.error:
            failed = True
            print(f"{result.path}: {result.error}", file=sys.stderr)
        if result.fixed_source is None:
            continue
        if args.diff:
            sys.stdout.write(diff(result))
        elif result.path == (args.stdin_filename or "stdin") and "-" in args.paths:
            sys.stdout.write(result.fixed_source)  # stdin in, fixed code out
            report_stream = sys.stderr
        elif os.path.islink(result.path):
            print(f"{result.path}: not fixed: it is a symbolic link", file=sys.stderr)
            failed = True
        else:
            write_atomically(result.path, result.fixed_source)
    if args.diff:
        report_stream = sys.stderr if any(r.fixed_source for r in results) else sys.stdout

    findings = [f for r in results for f in r.findings]
    if args.show_fixes:
        for r in results:
            for f in r.fixes:
                print(f"fixed {f.where}: {f.code} {f.message}", file=sys.stderr)
    out = {"text": lambda: formats.text(findings),
           "json": lambda: formats.as_json(findings, RULES),
           "sarif": lambda: formats.sarif(findings, RULES),
           "github": lambda: formats.github(findings)}[args.format]()
    report_stream.write(out)
    if args.statistics:
        report_stream.write(formats.statistics(findings, RULES))
    if args.fix and not args.diff and args.format == "text":
        count = sum(len(r.fixes) for r in results)
        if count:
            print(f"fixed {count} report{'s' if count != 1 else ''}", file=sys.stderr)
    if args.exit_zero:
        return 0
    return 1 if findings or failed else 0


if __name__ == "__main__":
    sys.exit(main())
