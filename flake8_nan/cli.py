"""The `flake8-nan` command: rule documentation (and, later, checking)."""
from __future__ import annotations

import argparse
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
    args = parser.parse_args(argv)

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


if __name__ == "__main__":
    sys.exit(main())
