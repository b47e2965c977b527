"""Pre-filter, parse once, one batched traversal, positions for reports only.

libcst costs several times flake8's own time on real code, so most of the
work is deciding what *not* to give it (prefilter.py).  The kept lines are
parsed once, the model and every rule run in one traversal, and the lines
of the reports are mapped back to the source.
"""
from __future__ import annotations

import ast
import bisect
import gc
import re
from dataclasses import dataclass
from typing import NamedTuple, Optional, Sequence

import libcst as cst

from . import traverse
from .budget import DEFAULT_FILE_TIMEOUT, Stopped, seconds_for, time_limit
from .model import Model, Sites
from .positions import resolve
from .callers import callers_of
from .prefilter import PIECE_LINES, physical_lines, select
from .ranges import Precision

DEFAULT_MIN_EPS = 1e-7


@dataclass(frozen=True)
class Options:
    min_eps: float = DEFAULT_MIN_EPS
    # seconds per 1,000 lines (at least once) the analysis of one file may take; 0: no limit
    file_timeout: float = DEFAULT_FILE_TIMEOUT
    # report values whose range is unknown too, not only those with evidence of a hazard
    strict: bool = False


class Report(NamedTuple):
    line: int  # 1-based
    col: int  # 0-based, as flake8 wants it from plugins
    code: str
    message: str

    @property
    def text(self) -> str:
        return f"{self.code} {self.message}"


def check_source(source: str, tree: Optional[ast.AST] = None, options: Options = Options(),
                 rules: Optional[Sequence[type]] = None, full: bool = False) -> list[Report]:
    """Lint one module.  `full=True` parses everything (the slow reference path)."""
    # libcst allocates a great many objects, none in cycles that outlive the call: the
    # cyclic collector would only rescan everything the process holds, many times per
    # file.  It is paused for the call and left as it was.
    collecting = gc.isenabled()
    gc.disable()
    budget = seconds_for(source, options.file_timeout) if options.file_timeout > 0 else None
    try:
        with time_limit(budget):
            return _check_source(source, tree, options, rules, full)
    except Stopped:
        return [stopped_report(budget, options.file_timeout)]
    finally:
        if collecting:
            gc.enable()


def _check_source(source: str, tree: Optional[ast.AST], options: Options,
                  rules: Optional[Sequence[type]], full: bool) -> list[Report]:
    if rules is None:
        from .registry import RULES as rules
    if tree is None:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return []  # flake8 reports E999; the plugin stays silent
    if "\\\n" in source or "\\\r" in source:
        source = _without_lone_backslashes(source, tree)
    if full:
        text, chunks, starts, members = source, [(1, 1)], [], {}
    else:
        selected = select(source, tree, rules, options.min_eps, options.strict)
        if selected is None:
            return []
        text, chunks, starts, members = selected
    try:
        module = parse(text, starts, members)
    except (Exception, RecursionError):  # libcst rejects some code that ast accepts
        return []
    # the whole source's tree serves where the whole source was parsed
    reports = run_rules(module, rules, options, text, tree if text is source else None,
                        precision_of(source), starts, (source, tree))
    if len(chunks) == 1 and chunks[0] == (1, 1):
        return reports
    starts = [c[0] for c in chunks]
    out = []
    for r in reports:
        first, original = chunks[max(bisect.bisect_right(starts, r.line) - 1, 0)]
        out.append(r._replace(line=r.line - first + original))
    return out


def _statements(marks: list, rule: int, n: int) -> list[Optional[cst.CSTNode]]:
    """The top-level statement in which each of the `n` reports of rule number `rule`
    was made."""
    counts = [m[1][rule] for m in marks]
    return [marks[at][0] if at >= 0 else None
            for at in (bisect.bisect_right(counts, k) - 1 for k in range(n))]


def stopped_report(budget: float, per_unit: float) -> Report:
    return Report(1, 0, "NAN000", f"analysis of this file stopped after {budget:g} s "
                  f"(nan-file-timeout: {per_unit:g} s per 1,000 lines); no other NAN report "
                  "is shown for it")


_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LONE_BACKSLASH = re.compile(r"(?:^|(?<=\r))[ \t]*\\(?=\r?\n|\r)", re.M)


def _without_lone_backslashes(source: str, tree: ast.AST) -> str:
    """A line that holds only a backslash joins nothing to nothing, and libcst counts the
    lines after it one short: it is read as a blank line (outside strings, and unless the
    line before it continues onto it)."""
    found = [m for m in _LONE_BACKSLASH.finditer(source)
             if not source[:m.start()].rstrip("\r\n").endswith("\\")]
    if not found:
        return source
    strings = [(n.lineno, n.end_lineno) for n in ast.walk(tree)
               if isinstance(n, (ast.Constant, ast.JoinedStr)) and n.end_lineno != n.lineno]
    out, at = [], 0
    for m in found:
        line = len(_LINE_BREAK.findall(source, 0, m.start())) + 1
        if not any(first < line <= last for first, last in strings):
            out.append(source[at:m.end() - 1])
            out.append(" ")
            at = m.end()
    return "".join(out) + source[at:]


def parse(text: str, starts: Sequence[int], members: Optional[dict] = None) -> cst.Module:
    """libcst's parser holds some 14 KB per line until it returns: a text whose top-level
    statements begin at `starts` (lines where one begins at column 0) is parsed in pieces
    of about PIECE_LINES lines, put together as one module; a longer statement is cut at
    the `members[first line]` where the statements of its last block begin (a class's
    members, an `else` branch).  The blank and comment lines that end
    a piece go before the first statement of the next, where a whole parse puts them."""
    lines = physical_lines(text)
    ends = dict(zip(starts, [*starts[1:], len(lines) + 1]))
    cuts = [1]
    for s in starts:
        if s > cuts[-1] and (s - cuts[-1] >= PIECE_LINES or ends[s] - s > PIECE_LINES):
            cuts.append(s)  # a long statement is a piece of its own
        if ends[s] - s > PIECE_LINES and ends[s] <= len(lines):
            cuts.append(ends[s])
    if len(cuts) == 1:
        return cst.parse_module(text)
    cuts.append(len(lines) + 1)
    pieces = [_parse_long(lines, a, b, members[a]) if members and a in members and ends.get(a) == b
              else cst.parse_module("".join(lines[a - 1:b - 1])) for a, b in zip(cuts, cuts[1:])]
    first = pieces[0]
    if any(p is None or not p.body or p.default_newline != first.default_newline
           or p.default_indent != first.default_indent or p is not first and p.header
           for p in pieces):
        return cst.parse_module(text)  # a piece that would not print as it was parsed
    body: list = []
    carried: Sequence = ()
    for p in pieces:
        if carried:
            head = p.body[0]
            body.append(head.with_changes(leading_lines=[*carried, *head.leading_lines]))
            body.extend(p.body[1:])
        else:
            body.extend(p.body)
        carried = p.footer
    return first.with_changes(body=body, footer=carried,
                              has_trailing_newline=pieces[-1].has_trailing_newline)


def _parse_long(lines: list[str], first: int, end: int, members: Sequence[tuple[int, int]]):
    """A one-statement piece whose last block is parsed in runs of about PIECE_LINES
    lines: the statement up to the first cut, then each run under stand-in `class _:`
    lines, one per depth of the block the run begins in (depth 2: the last block of the
    block's last statement, a long method of a long class).  None when a run would not
    print as it was parsed (the caller then parses the piece whole)."""
    cuts = [(first, 0)]
    for m, depth in members:
        if m - cuts[-1][0] >= PIECE_LINES:
            cuts.append((m, depth))
    cuts.append((end, 0))
    head = cst.parse_module("".join(lines[first - 1:cuts[1][0] - 1]))
    stmt = head.body[0] if len(head.body) == 1 else None
    if stmt is None or not isinstance(_last_block(stmt), cst.IndentedBlock):
        return None
    footer = head.footer
    for (a, depth), (b, _) in zip(cuts[1:], cuts[2:]):
        chain = _chain(stmt, depth)
        if len(chain) < depth:
            return None
        stand_in = "".join(f"{_indent(head, chain[:k])}class _:\n" for k in range(depth))
        m = cst.parse_module(stand_in + "".join(lines[a - 1:b - 1]))
        blank = _blank_in_block(footer)
        if blank is None or len(m.body) != 1 or m.header or m.default_indent != head.default_indent \
                or m.default_newline != head.default_newline:
            return None
        # per depth: the stand-in block's footer and the statements the run adds there
        edits, c = [], m.body[0]
        for k in range(depth):
            if not isinstance(c, cst.ClassDef) or not isinstance(c.body, cst.IndentedBlock) or \
                    c.body.indent != chain[k].indent:
                return None
            inner = list(c.body.body)
            edits.append((c.body.footer, inner[1:] if k + 1 < depth else inner))
            c = inner[0]
        # the comment and blank lines that ended the run before (the footers of the blocks
        # it ended in, innermost first, then the module's) lead the statement that follows,
        # where a whole parse puts them
        added = edits[-1][1]
        lead = [line for block in reversed(chain[:depth]) for line in block.footer]
        added[0] = added[0].with_changes(leading_lines=[*lead, *blank, *added[0].leading_lines])
        stmt = _edited(stmt, edits)
        footer = m.footer
    piece = head.with_changes(body=[stmt], footer=footer)
    if any(d > 1 for _, d in cuts) and piece.code != "".join(lines[first - 1:end - 1]):
        return None
    return piece


def _chain(stmt, depth: int) -> list[cst.IndentedBlock]:
    """The last block of `stmt`, then the last block of that block's last statement, and
    so on: at most `depth` blocks."""
    chain: list[cst.IndentedBlock] = []
    node = stmt
    while len(chain) < depth and isinstance(node, cst.BaseCompoundStatement):
        block = _last_block(node)
        if not isinstance(block, cst.IndentedBlock) or not block.body:
            break
        chain.append(block)
        node = block.body[-1]
    return chain


def _indent(head: cst.Module, blocks: Sequence[cst.IndentedBlock]) -> str:
    """The indentation of the statements of the innermost of `blocks` (nested, outermost
    first, the outermost at the top level)."""
    return "".join(head.default_indent if b.indent is None else b.indent for b in blocks)


def _edited(stmt, edits: Sequence[tuple[Sequence[cst.EmptyLine], Sequence[cst.BaseStatement]]]):
    """`stmt` whose last block takes the footer `edits[0][0]` and the statements
    `edits[0][1]` at its end, once its last statement has taken `edits[1:]` the same way
    (the deepest come first in the text)."""
    block = _last_block(stmt)
    body = list(block.body)
    if len(edits) > 1:
        body[-1] = _edited(body[-1], edits[1:])
    footer, added = edits[0]
    body.extend(added)
    return _with_last_block(stmt, block.with_changes(body=body, footer=footer))


def _blank_in_block(footer: Sequence[cst.EmptyLine]) -> Optional[list]:
    """A piece's trailing blank lines as a block holds them (printed without the block's
    indent); None when one holds a comment or spaces, which a block may read otherwise."""
    if any(e.comment is not None or e.whitespace.value for e in footer):
        return None
    return [e.with_changes(indent=False) for e in footer]


def _last_block(node) -> Optional[cst.BaseSuite]:
    """The block a compound statement ends with; prefilter._last_block reads the same
    one from the `ast`."""
    if isinstance(node, cst.If):
        if isinstance(node.orelse, cst.If):
            return _last_block(node.orelse)
        return node.orelse.body if node.orelse is not None else node.body
    if isinstance(node, (cst.Try, cst.TryStar)):
        last = node.finalbody or node.orelse or (node.handlers[-1] if node.handlers else None)
        return last.body if last is not None else node.body
    if isinstance(node, (cst.For, cst.While)) and node.orelse is not None:
        return node.orelse.body
    if isinstance(node, cst.Match):
        return node.cases[-1].body if node.cases else None
    return getattr(node, "body", None) if isinstance(node, cst.BaseCompoundStatement) else None


def _with_last_block(node, block):
    """`node` with its last block (`_last_block`) replaced by `block`."""
    if isinstance(node, cst.If):
        if isinstance(node.orelse, cst.If):
            return node.with_changes(orelse=_with_last_block(node.orelse, block))
        if node.orelse is not None:
            return node.with_changes(orelse=node.orelse.with_changes(body=block))
        return node.with_changes(body=block)
    if isinstance(node, (cst.Try, cst.TryStar)):
        if node.finalbody:
            return node.with_changes(finalbody=node.finalbody.with_changes(body=block))
        if node.orelse:
            return node.with_changes(orelse=node.orelse.with_changes(body=block))
        if node.handlers:
            last = node.handlers[-1].with_changes(body=block)
            return node.with_changes(handlers=[*node.handlers[:-1], last])
        return node.with_changes(body=block)
    if isinstance(node, (cst.For, cst.While)) and node.orelse is not None:
        return node.with_changes(orelse=node.orelse.with_changes(body=block))
    if isinstance(node, cst.Match):
        return node.with_changes(cases=[*node.cases[:-1], node.cases[-1].with_changes(body=block)])
    return node.with_changes(body=block)


# What puts float16 in play in a module: a cast, the dtype, autocast, a GradScaler.
# (bfloat16 is not float16: it keeps float32's exponent, and an eps of 1e-8 with it)
# Each branch begins with what it looks for, and checks what precedes it afterwards: a
# leading lookbehind or word boundary is tried at every character.
_FLOAT16 = re.compile(r"float16(?<!bfloat16)|\.half\(|torch\.half\b|autocast|GradScaler|fp16(?<!\wfp16)\b")
_DEFAULT_HALF = re.compile(r"set_default_dtype\(\s*(?:torch\.)?(?:float16|half|bfloat16)")


def precision_of(source: str) -> Precision:
    """The precision a module's arithmetic can run in, read from its whole text (so that a
    pre-filtered parse knows what a full one does)."""
    no_grad, autocast_off = callers_of(source)
    return Precision(float16=_FLOAT16.search(source) is not None,
                     default_half=_DEFAULT_HALF.search(source) is not None,
                     no_grad_callees=no_grad, autocast_off_callees=autocast_off)


def run_rules(module: cst.Module, rules: Sequence[type], options: Options,
              text: Optional[str] = None, tree: Optional[ast.Module] = None,
              precision: Optional[Precision] = None,
              starts: Optional[Sequence[int]] = None, whole: Optional[tuple] = None) -> list[Report]:
    return [report for report, _fix in run_rules_with_fixes(module, rules, options, text, tree,
                                                            precision, starts, whole)]


def run_rules_with_fixes(module: cst.Module, rules: Sequence[type], options: Options,
                         text: Optional[str] = None, tree: Optional[ast.Module] = None,
                         precision: Optional[Precision] = None,
                         starts: Optional[Sequence[int]] = None,
                         whole: Optional[tuple] = None) -> list:
    """(Report, Fix or None) pairs, sorted by position.  `text` is the code `module` was
    parsed from and `tree` its `ast`, where at hand, or else `starts`, the lines where its
    top-level statements begin (they locate statements); `precision` is the module's
    (read from `text`, or from the module's code, where not given); `whole` the source
    of the whole module and its `ast` (or None), where `text` is part of it."""
    if text is None:
        text = module.code
    if precision is None:
        precision = precision_of(text)
    model = Model(precision=precision, text=text, sites=Sites(*(whole or (text, tree))))
    instances = [rule(model, options) for rule in rules]
    # (top-level statement, how many reports each rule had made when it was entered):
    # a report belongs to the last statement entered before it was made, and one made
    # after the last (a rule's verdict at the end of the module) to none known
    marks: list[tuple[Optional[cst.CSTNode], tuple[int, ...]]] = []

    def on_statement(stmt: Optional[cst.CSTNode]) -> None:
        marks.append((stmt, tuple(len(r.reports) for r in instances)))

    try:
        traverse.visit(module, [model, *instances], on_statement)
    except RecursionError:  # nesting deeper than Python's stack: too deep to judge
        return []
    except Exception as exc:  # a bug in the model: no rule can be trusted
        return [(Report(1, 0, "NAN000", f"internal error in the semantic model: {exc!r}"), None)]
    found = [(report[0], rule.code, report[1], report[2], stmt) for i, rule in enumerate(instances)
             for report, stmt in zip(rule.reports, _statements(marks, i, len(rule.reports)))
             if report is not None]
    failed = [r for r in instances if r.error is not None]
    out = []
    if found or failed:
        positions = resolve(module, text, tree,
                            [(f[0], f[4]) for f in found] + [(r.error_node, None) for r in failed],
                            starts)
        for r in failed:
            where = positions.get(r.error_node)
            line, col = (where.start.line, where.start.column) if where else (1, 0)
            out.append((Report(line, col, "NAN000",
                               f"internal error in {type(r).__name__}: {r.error!r}"), None))
        seen = set()
        for node, code, msg, fix, _ in found:
            start = positions[node].start
            key = (start.line, start.column, code)
            if key not in seen:
                seen.add(key)
                out.append((Report(start.line, start.column, code, msg), fix))
    return sorted(out, key=lambda pair: pair[0])
