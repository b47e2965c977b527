"""The standalone checker: files and folders in, findings (and fixes) out."""
from __future__ import annotations

import difflib
import fnmatch
import io
import os
import stat
import sys
import tempfile
import tokenize
from dataclasses import dataclass, field, replace
from typing import Iterator, Optional, Sequence

from . import notebooks, selection
from .config import Settings
from .budget import Stopped, seconds_for, time_limit
from .engine import Options, check_source
from .fixes import fix_source
from .formats import Finding
from .registry import RULES

SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")


@dataclass
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    error: Optional[str] = None  # could not read or decode
    fixed_source: Optional[str] = None  # set when fixing changed the file
    original_source: Optional[str] = None
    fixes: list[Finding] = field(default_factory=list)


def excluded(path: str, patterns: Sequence[str]) -> bool:
    name = os.path.basename(os.path.normpath(path))
    absolute = os.path.abspath(path)
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(absolute, os.path.abspath(p))
               for p in patterns)


def is_virtualenv(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def discover(paths: Sequence[str], settings: Settings, suffixes=SOURCE_SUFFIXES) -> Iterator[str]:
    """Files to check: named files always, folders walked minus excludes and venvs."""
    patterns = [*settings.exclude, *settings.extend_exclude]
    for path in paths:
        if path == "-" or not os.path.isdir(path):
            if path == "-" or not excluded(path, patterns):
                yield path
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not excluded(os.path.join(root, d), patterns)
                             and not is_virtualenv(os.path.join(root, d)))
            for name in sorted(files):
                full = os.path.join(root, name)
                if name.endswith(suffixes) and not excluded(full, patterns):
                    yield full


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding of a Python source, as the interpreter would read it."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding), encoding


def read(path: str, stdin_data: Optional[bytes] = None) -> tuple[str, str]:
    if path == "-":
        data = stdin_data if stdin_data is not None else sys.stdin.buffer.read()
    else:
        with open(path, "rb") as f:
            data = f.read()
    return decode(data)


class Checker:
    def __init__(self, settings: Settings, fix: bool = False, unsafe: bool = False):
        self.settings = settings
        self.options = Options(min_eps=settings.min_eps, file_timeout=settings.file_timeout,
                               strict=settings.strict)
        self.fix = fix
        self.unsafe = unsafe

    def rules_for(self, path: str):
        extra = selection.file_ignores(path, self.settings)
        return [r for r in RULES if selection.enabled(r, self.settings, extra)]

    def check_text(self, path: str, source: str) -> FileResult:
        result = FileResult(path)
        rules = self.rules_for(path)
        if not rules:
            return result
        lines = source.splitlines()
        if selection.file_silenced(lines):
            return result
        if self.fix:
            fixed = self._fixed(source, rules)
            if fixed is not None and fixed.changed:
                result.original_source, result.fixed_source = source, fixed.source
                result.fixes = [Finding(path, r.line, r.col, r.code, r.message)
                                for r in fixed.applied]
                source = fixed.source
                lines = source.splitlines()
        for r in check_source(source, options=self.options, rules=rules):
            line = lines[r.line - 1] if 0 < r.line <= len(lines) else ""
            if not selection.silenced(r.code, line):
                result.findings.append(Finding(path, r.line, r.col, r.code, r.message))
        return result

    def _fixed(self, source: str, rules):
        """The safe (and, if asked, unsafe) fixes applied; None past the file's budget,
        when the file is left as it was and checked as it is."""
        per_unit = self.options.file_timeout
        try:
            with time_limit(seconds_for(source, per_unit) if per_unit > 0 else None):
                return fix_source(source, rules, self.options, unsafe=self.unsafe)
        except Stopped:
            return None

    def check_path(self, path: str, display: Optional[str] = None,
                   stdin_data: Optional[bytes] = None) -> FileResult:
        name = display or path
        try:
            if name.endswith(".ipynb"):
                raw = stdin_data if path == "-" else open(path, "rb").read()
                return self.check_notebook(name, raw.decode("utf-8"))
            source, _ = read(path, stdin_data)
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError, ValueError) as exc:
            return FileResult(name, error=f"cannot read: {exc}")
        return self.check_text(name, source)

    def check_notebook(self, path: str, text: str) -> FileResult:
        nb = notebooks.load(text)
        inner = self.check_text(path, nb.source)
        result = FileResult(path, error=inner.error)
        if inner.fixed_source is not None:
            written = notebooks.write_back(nb, inner.fixed_source)
            if written is None:  # the fix cannot be mapped back to cells: report, do not fix
                inner = Checker(self.settings).check_text(path, nb.source)
            else:
                result.original_source, result.fixed_source = text, written
                fixed_nb = notebooks.load(written)
                result.fixes = [self._in_cell(nb, f) for f in inner.fixes]
                result.findings = [self._in_cell(fixed_nb, f) for f in inner.findings]
                return result
        result.findings = [self._in_cell(nb, f) for f in inner.findings]
        return result

    @staticmethod
    def _in_cell(nb, finding: Finding) -> Finding:
        cell, line = notebooks.locate(nb, finding.line)
        return replace(finding, line=line, cell=cell)


def diff(result: FileResult) -> str:
    return "".join(difflib.unified_diff(
        result.original_source.splitlines(keepends=True),
        result.fixed_source.splitlines(keepends=True),
        fromfile=f"a/{result.path}", tofile=f"b/{result.path}"))


def write_atomically(path: str, text: str) -> None:
    """Replace `path` by `text` in its own encoding, keeping its permissions; a
    temporary file in the same folder is renamed over it, so a crash leaves
    either the old or the new file, never half of one."""
    real = os.path.realpath(path)
    with open(real, "rb") as f:
        _, encoding = decode(f.read())
    mode = stat.S_IMODE(os.stat(real).st_mode)
    folder = os.path.dirname(real) or "."
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".flake8-nan-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode(encoding))
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
