"""The flake8 adapter: flake8's tree and lines in, (line, col, text, type) out."""
from __future__ import annotations

import argparse

from . import __version__
from .engine import DEFAULT_MIN_EPS, Options, check_source


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"nan-min-eps: expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"nan-min-eps: expected a positive number, got {text!r}")
    return value


class Plugin:
    name = "flake8-nan"
    version = __version__
    options = Options()

    def __init__(self, tree, lines):
        self.tree = tree
        self.lines = lines

    @classmethod
    def add_options(cls, parser) -> None:
        parser.add_option(
            "--nan-min-eps", type=_positive_float, default=DEFAULT_MIN_EPS,
            parse_from_config=True,
            help="smallest eps that survives the precision in use: NAN301 reports "
                 f"guards below it (default: {DEFAULT_MIN_EPS:g})")

    @classmethod
    def parse_options(cls, options) -> None:
        cls.options = Options(min_eps=options.nan_min_eps)

    def run(self):
        for r in check_source("".join(self.lines), self.tree, self.options):
            yield r.line, r.col, r.text, type(self)
