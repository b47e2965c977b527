"""Which codes run, and which reports a `# noqa` comment silences.

The choice follows flake8: the longest matching prefix of the select and
ignore lists decides; a rule that is off by default needs a selection more
specific than the bare `NAN` prefix.
"""
from __future__ import annotations

import fnmatch
import os
import re

# flake8's own inline noqa syntax: `# noqa` or `# noqa: NAN101,NAN301`
NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
NOQA_FILE = re.compile(r"\s*# flake8[:=]\s*noqa(?!:)", re.IGNORECASE)


def _longest(code: str, prefixes) -> int:
    return max((len(p) for p in prefixes if code.startswith(p)), default=-1)


def enabled(rule, settings, extra_ignore=()) -> bool:
    select = ["NAN"] if settings.select is None else settings.select
    chosen = _longest(rule.code, [*select, *settings.extend_select])
    ignored = _longest(rule.code, [*settings.ignore, *settings.extend_ignore, *extra_ignore])
    if not rule.default_enabled and chosen <= len("NAN"):
        return False
    return chosen > ignored


def file_ignores(path: str, settings) -> list[str]:
    codes: list[str] = []
    norm = os.path.normpath(path)
    for pattern, pattern_codes in settings.per_file_ignores:
        if fnmatch.fnmatch(norm, os.path.normpath(pattern)) or \
                fnmatch.fnmatch(os.path.basename(norm), pattern):
            codes += pattern_codes
    return codes


def silenced(code: str, line: str) -> bool:
    m = NOQA.search(line)
    if m is None:
        return False
    codes = m.group("codes")
    if not codes:
        return True
    return any(code.startswith(c) for c in re.split(r"[,\s]+", codes.strip().upper()) if c)


def file_silenced(lines) -> bool:
    return any(NOQA_FILE.match(line) for line in lines)
