"""Where reported nodes start, computed for the statements that hold them only.

libcst's `PositionProvider` regenerates the code of the whole module, and
`MetadataWrapper.resolve` then walks every node once more; on a file where
most statements are parsed, that costs as much as the parse.  A top-level
statement's first line is known from the stdlib `ast` of the same text, so
the code of just that statement is regenerated, from that line, with
libcst's own position-recording state.  tests/test_positions.py checks this
node for node against `PositionProvider`.
"""
from __future__ import annotations

import ast
from contextlib import nullcontext
from typing import Iterable, Optional, Sequence

import libcst as cst
from libcst import metadata
from libcst.metadata import MetadataWrapper, PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState

_NOTHING = nullcontext()


class _Done(Exception):
    """Every node asked for has its range: the rest of the statement need not be written."""


class _Positions(PositionProvidingCodegenState):
    """libcst's position-recording state, keeping no code: only a whole module's code is
    ever read back, and the tokens of a long class would hold megabytes."""

    def add_token(self, value: str) -> None:
        self._update_position(value)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self._update_position(token)


class _Wanted(_Positions):
    """Recording only the nodes asked for (and the nodes their ranges are taken from) and
    stopping once they all have one."""

    def start(self, nodes) -> None:
        self.wanted: dict = {}  # node -> its start, once its code begins
        self.left = 0
        for n in nodes:
            self._want(n)

    def _want(self, node) -> None:
        if node is not None and node not in self.wanted:
            self.wanted[node] = None
            self.left += 1

    def before_codegen(self, node) -> None:
        if node in self.wanted:
            self.wanted[node] = metadata.CodePosition(self.line, self.column)

    def after_codegen(self, node) -> None:
        if node not in self.wanted:
            return
        computed = self.provider._computed
        if node not in computed:  # record_syntactic_position may have set it already
            computed[node] = metadata.CodeRange(self.wanted[node],
                                                metadata.CodePosition(self.line, self.column))
        self.left -= 1
        if not self.left:
            raise _Done

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):
        if node not in self.wanted:
            return _NOTHING
        self._want(start_node)
        self._want(end_node)
        return PositionProvidingCodegenState.record_syntactic_position(
            self, node, start_node=start_node, end_node=end_node)


def first_lines(module: cst.Module, tree: ast.Module) -> Optional[list[int]]:
    """The line where the code of each statement of `module.body` begins (its leading
    comment and blank lines included), read from `tree`, the `ast` of the same text;
    None where the two do not line up."""
    out, k, body = [], 0, tree.body
    for stmt in module.body:
        n = len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
        if k + n > len(body):
            return None
        first = body[k]
        line = min([first.lineno, *(d.lineno for d in getattr(first, "decorator_list", ()))])
        decorators = getattr(stmt, "decorators", ())
        if decorators:
            line -= len(decorators[0].leading_lines)
        out.append(line - len(stmt.leading_lines))
        k += n
    return out if k == len(body) else None


def _lines_from_starts(module: cst.Module, starts: Sequence[int]) -> Optional[list[int]]:
    """As `first_lines`, from the line where each statement begins (None where there is
    not one a statement)."""
    if len(starts) != len(module.body):
        return None
    out = []
    for stmt, line in zip(module.body, starts):
        decorators = getattr(stmt, "decorators", ())
        if decorators:
            line -= len(decorators[0].leading_lines)
        out.append(line - len(stmt.leading_lines))
    return out


def statement_positions(module: cst.Module, stmt: cst.CSTNode, line: int) -> dict:
    """Every node of the top-level statement `stmt`, whose code begins at `line`, with
    its range, as `PositionProvider` gives it."""
    provider = PositionProvider()
    state = _Positions(default_indent=module.default_indent,
                       default_newline=module.default_newline, provider=provider, line=line)
    stmt._codegen(state)
    return provider._computed


def ranges_of(module: cst.Module, stmt: cst.CSTNode, line: int, nodes) -> dict:
    """The ranges of `nodes`, in the top-level statement `stmt` whose code begins at
    `line`, as `PositionProvider` gives them: the statement's code is written only as
    far as the last of them, and only they are recorded."""
    provider = PositionProvider()
    state = _Wanted(default_indent=module.default_indent,
                    default_newline=module.default_newline, provider=provider, line=line)
    state.start(nodes)
    try:
        stmt._codegen(state)
    except _Done:
        pass
    return provider._computed


def resolve(module: cst.Module, text: str, tree: Optional[ast.Module],
            wanted: Sequence[tuple[cst.CSTNode, Optional[cst.CSTNode]]],
            starts: Optional[Sequence[int]] = None) -> dict:
    """The ranges of the nodes in `wanted`, given as (node, the top-level statement that
    holds it, or None where not known).  Statements are regenerated once each; nodes
    whose statement is not known, or not where it was said to be, fall back to the
    whole module's positions.  `starts`, where `tree` is not at hand, are the lines where
    the top-level statements begin (their decorators included), one per statement, as
    the pre-filter cut the text: they spare an `ast.parse` of it, which holds megabytes."""
    found: dict = {}
    by_statement: dict[int, list] = {}
    for node, stmt in wanted:
        if stmt is not None:
            by_statement.setdefault(id(stmt), []).append(node)
    lines = None
    if by_statement and tree is None and starts is not None:
        lines = _lines_from_starts(module, starts)
    if by_statement and lines is None:
        try:
            lines = first_lines(module, tree if tree is not None else ast.parse(text))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            lines = None
    if lines is not None:
        for stmt, line in zip(module.body, lines):
            nodes = by_statement.get(id(stmt))
            if nodes:
                computed = ranges_of(module, stmt, line, nodes)
                found.update((n, computed[n]) for n in nodes if n in computed)
    missing = [n for n, _ in wanted if n not in found]
    if missing:
        whole = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        found.update((n, whole[n]) for n in missing if n in whole)
    return found


def all_ranges(module: cst.Module, text: str, tree: Optional[ast.Module] = None) -> Iterable:
    """(node, range) for every node of every top-level statement, the statement way: what
    the tests compare with `PositionProvider`."""
    lines = first_lines(module, tree if tree is not None else ast.parse(text))
    assert lines is not None
    for stmt, line in zip(module.body, lines):
        yield from statement_positions(module, stmt, line).items()


__all__ = ["all_ranges", "first_lines", "ranges_of", "resolve", "statement_positions"]
