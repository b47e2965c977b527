"""Pre-filter, parse once, one batched traversal, positions for reports only.

libcst costs several times flake8's own time on real code, so most of the
work here is deciding what *not* to give it.  The stdlib `ast` tree (free
under flake8) is walked once; each top-level statement that shares no
trigger word with any rule is blanked out, line for line, so the text that
libcst parses keeps every line and column of the original.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterable, NamedTuple, Optional, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from .model import Model

DEFAULT_MIN_EPS = 1e-7


@dataclass(frozen=True)
class Options:
    min_eps: float = DEFAULT_MIN_EPS


class Report(NamedTuple):
    line: int  # 1-based
    col: int  # 0-based, as flake8 wants it from plugins
    code: str
    message: str

    @property
    def text(self) -> str:
        return f"{self.code} {self.message}"


# Pseudo-words a statement can carry besides its identifiers.
DIVISION = "/"
TINY = "<tiny>"  # a float literal below the eps threshold
HF = "<hf>"  # a name imported from transformers
SUBSCRIPT = "[]"  # a subscript: x[i]
SELF_COMPARE = "<x==x>"  # a value compared with itself: x != x
NAN_TEXT = "<nan>"  # the string "nan" (any case, signed): float("nan")


def check_source(source: str, tree: Optional[ast.AST] = None, options: Options = Options(),
                 rules: Optional[Sequence[type]] = None, full: bool = False) -> list[Report]:
    """Lint one module.  `full=True` parses everything (the slow reference path)."""
    if rules is None:
        from .registry import RULES as rules
    if tree is None:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            return []  # flake8 reports E999; the plugin stays silent
    text = source if full else select(source, tree, rules, options)
    if text is None:
        return []
    try:
        module = cst.parse_module(text)
    except Exception:  # libcst rejects some code that ast accepts; stay silent
        return []
    return run_rules(module, rules, options)


def run_rules(module: cst.Module, rules: Sequence[type], options: Options) -> list[Report]:
    model = Model()
    instances = [rule(model, options) for rule in rules]
    try:
        cst.visit_batched(module, [model, *instances])
    except Exception as exc:  # a bug in the model: no rule can be trusted
        return [Report(1, 0, "NAN000", f"internal error in the semantic model: {exc!r}")]
    found = [(node, rule.code, msg) for rule in instances for node, msg in rule.reports]
    reports = [Report(1, 0, "NAN000", f"internal error in {type(r).__name__}: {r.error!r}")
               for r in instances if r.error is not None]
    if found:
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        seen = set()
        for node, code, msg in found:
            start = positions[node].start
            key = (start.line, start.column, code)
            if key not in seen:
                seen.add(key)
                reports.append(Report(start.line, start.column, code, msg))
    return sorted(reports)


def statement_words(node: ast.AST, min_eps: float) -> set[str]:
    words: set[str] = set()
    add = words.add
    for n in ast.walk(node):
        t = type(n)
        if t is ast.Name:
            add(n.id)
        elif t is ast.Attribute:
            add(n.attr)
        elif t is ast.BinOp or t is ast.AugAssign:
            op = type(n.op)
            if op is ast.Div:
                add(DIVISION)
            elif op is ast.Pow:
                add(TINY)  # `10 ** -8` is folded by the model, not seen here
        elif t is ast.Constant:
            v = n.value
            if type(v) is float and 0 < v < min_eps:
                add(TINY)
            elif type(v) is str and len(v) < 8 and v.strip().lstrip("+-").lower() == "nan":
                add(NAN_TEXT)
        elif t is ast.Subscript:
            add(SUBSCRIPT)
        elif t is ast.Compare:
            left = ast.dump(n.left)
            if any(type(c) is type(n.left) and ast.dump(c) == left for c in n.comparators):
                add(SELF_COMPARE)
    return words


def _always_kept(stmt: ast.stmt) -> bool:
    """Statements the model needs whatever else is parsed: imports and constants."""
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return True
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        value = stmt.value
        if isinstance(value, ast.UnaryOp):
            value = value.operand
        return isinstance(value, (ast.Constant, ast.Name, ast.Attribute))  # constants, aliases
    if isinstance(stmt, (ast.If, ast.Try)):
        return any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(stmt))
    return False


def _hf_names(tree: ast.Module) -> set[str]:
    names = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == "transformers":
            names.update(a.asname or a.name for a in n.names)
        elif isinstance(n, ast.Import):
            names.update(a.asname or a.name for a in n.names if a.name.startswith("transformers"))
    return names


def _targets(stmt: ast.stmt) -> Iterable[str]:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else \
        [stmt.target] if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) else []
    for t in targets:
        for n in ast.walk(t):
            if isinstance(n, ast.Name):
                yield n.id


def select(source: str, tree: ast.Module, rules: Sequence[type], options: Options) -> Optional[str]:
    """The source with every top-level statement that no rule can care about
    blanked out; None when nothing is left worth parsing."""
    body = getattr(tree, "body", [])
    groups = [r.triggers for r in rules if r.triggers]
    hf = _hf_names(tree)
    tainted: set[str] = set()  # module-level names bound by a kept statement
    tiny_names: set[str] = set()
    keep = []
    any_trigger = False
    for stmt in body:
        words = statement_words(stmt, options.min_eps)
        if TINY in words and isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            tiny_names.update(_targets(stmt))
        if words & tiny_names:
            words.add(TINY)
        if hf and words & hf:
            words.add(HF)
        hit = bool(words & tainted) or any(all(words & g for g in trig) for trig in groups)
        if hit:
            any_trigger = True
            tainted.update(_targets(stmt))
            keep.append(stmt)
        elif _always_kept(stmt):
            keep.append(stmt)
    if not any_trigger:
        return None
    if len(keep) == len(body):
        return source
    lines = source.splitlines(keepends=True)
    kept = bytearray(len(lines) + 2)
    for stmt in keep:
        start = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", ()))])
        kept[start:stmt.end_lineno + 1] = b"\x01" * (stmt.end_lineno + 1 - start)
    return "".join(line if kept[i] else "\n" for i, line in enumerate(lines, 1))
