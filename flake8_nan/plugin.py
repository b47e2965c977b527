"""The flake8 adapter: flake8's tree and lines in, (line, col, text, type) out."""
from __future__ import annotations

import argparse

from . import __version__
from .budget import DEFAULT_FILE_TIMEOUT
from .engine import DEFAULT_MIN_EPS, Options, check_source


def _number(option: str, zero: bool):
    """An argparse type: a positive number (or zero, where it means "off")."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{option}: expected a number, got {text!r}") from None
        if not (value >= 0 if zero else value > 0) or value != value or value == float("inf"):
            kind = "a number >= 0" if zero else "a positive number"
            raise argparse.ArgumentTypeError(f"{option}: expected {kind}, got {text!r}")
        return value
    return parse


class Plugin:
    name = "flake8-nan"
    version = __version__
    options = Options()
    rules = None  # set by parse_options

    def __init__(self, tree, lines):
        self.tree = tree
        self.lines = lines

    @classmethod
    def add_options(cls, parser) -> None:
        from .registry import RULES

        parser.extend_default_ignore([r.code for r in RULES if not r.default_enabled])
        parser.add_option(
            "--nan-min-eps", type=_number("nan-min-eps", zero=False), default=DEFAULT_MIN_EPS,
            parse_from_config=True,
            help="smallest eps that survives the precision in use: NAN301 reports "
                 f"guards below it (default: {DEFAULT_MIN_EPS:g})")
        parser.add_option(
            "--nan-file-timeout", type=_number("nan-file-timeout", zero=True),
            default=DEFAULT_FILE_TIMEOUT, parse_from_config=True,
            help="seconds per 1,000 lines the analysis of one file may take before it "
                 f"stops with NAN000; 0: no limit (default: {DEFAULT_FILE_TIMEOUT:g})")
        parser.add_option(
            "--nan-strict", action="store_true", default=False, parse_from_config=True,
            help="also report logs, divisions and eps guards of values whose range is unknown "
                 "(by default only where there is evidence that they reach 0)")

    @classmethod
    def parse_options(cls, options) -> None:
        from .registry import RULES

        cls.options = Options(min_eps=options.nan_min_eps, file_timeout=options.nan_file_timeout,
                              strict=options.nan_strict)
        # flake8 lets `--select NAN` override the default ignore list; an opinionated
        # rule must be named more precisely than that (`--extend-select NAN603`).
        chosen = [*(getattr(options, "select", None) or []),
                  *(getattr(options, "extend_select", None) or [])]
        cls.rules = tuple(r for r in RULES if r.default_enabled or any(
            r.code.startswith(p) and len(p) > len("NAN") for p in chosen))

    def run(self):
        rules = self.rules
        if rules is None:
            from .registry import RULES
            rules = tuple(r for r in RULES if r.default_enabled)
        for r in check_source("".join(self.lines), self.tree, self.options, rules):
            yield r.line, r.col, r.text, type(self)
