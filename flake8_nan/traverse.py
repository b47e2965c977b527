"""A read-only batched traversal, several times cheaper than `libcst.visit_batched`.

libcst's own traversal rebuilds (and re-validates) every node it passes, as
a transformer needs; visitors that only read pay for it all the same.  This
one calls the same `visit_<Node>`/`leave_<Node>` functions of the same
visitors, in the same order (each node's children in the order libcst visits
them, learnt once per node type from libcst itself), and rebuilds nothing.
Whitespace, comments and punctuation are not entered unless a visitor asks
for one of their types.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Optional, Sequence

import libcst as cst
from libcst._nodes import op as _op_nodes
from libcst._nodes import whitespace as _whitespace_nodes

# Per node type: the fields libcst visits, in its order, and the fields that were
# None when that was learnt (libcst may skip a None field: `format_spec`).
_ORDER: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}
# The same, learnt again from a node where some of those fields are set.
_ORDER_WITH: dict[tuple[type, tuple[str, ...]], tuple[str, ...]] = {}


def _trivia() -> frozenset[type]:
    types = set()
    for module in (_op_nodes, _whitespace_nodes):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, cst.CSTNode) and \
                    value.__module__ == module.__name__:
                types.add(value)
    return frozenset(types)


def _subclasses(base: type) -> frozenset[type]:
    seen: set[type] = set()
    todo = [base]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return frozenset(seen)


_NODE_TYPES = _subclasses(cst.CSTNode)
_TRIVIA = _trivia()
_CODE_TYPES = _NODE_TYPES - _TRIVIA
_TRIVIA_NAMES = frozenset(t.__name__ for t in _TRIVIA)


class _FieldRecorder(cst.CSTVisitor):
    """Notes the fields libcst visits, without entering them."""

    def __init__(self) -> None:
        self.fields: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if not self.fields or self.fields[-1] != attribute:
            self.fields.append(attribute)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        pass

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass


def _record(node: cst.CSTNode) -> tuple[str, ...]:
    recorder = _FieldRecorder()
    node._visit_and_replace_children(recorder)  # shallow: the recorder enters nothing
    return tuple(recorder.fields)


def _fields(node: cst.CSTNode) -> tuple[str, ...]:
    t = type(node)
    entry = _ORDER.get(t)
    if entry is None:
        fields = _record(node)
        unset = tuple(f.name for f in dataclasses.fields(t)
                      if f.name not in fields and getattr(node, f.name) is None)
        _ORDER[t] = entry = (fields, unset)
        return fields
    fields, unset = entry
    present = tuple(f for f in unset if getattr(node, f) is not None)
    if not present:
        return fields
    key = (t, present)
    fields = _ORDER_WITH.get(key)
    if fields is None:
        fields = _ORDER_WITH[key] = _record(node)
    return fields


def children(node: cst.CSTNode):
    """The child nodes of `node` that are not whitespace or punctuation, in libcst's
    order: what `node.children` gives without the trivia, and without the full visit
    that libcst runs to build that list."""
    enter = _CODE_TYPES
    for field in _fields(node):
        value = getattr(node, field)
        kind = type(value)
        if kind in enter:
            yield value
        elif kind is tuple or kind is list:
            for child in value:
                if type(child) in enter:
                    yield child


def names(node: cst.CSTNode, limit: int = 200) -> set[str]:
    """The plain names an expression reads, within `limit` nodes: `x.abs()` reads x, not
    a name `abs`."""
    found, todo = set(), [node]
    for _ in range(limit):
        if not todo:
            break
        n = todo.pop()
        if isinstance(n, cst.Name):
            found.add(n.value)
        elif isinstance(n, cst.Attribute):
            todo.append(n.value)
            continue
        todo.extend(children(n))
    return found


def _plan(node: cst.CSTNode, visit_fns: dict, leave_fns: dict) -> tuple:
    """For the type of `node`: its visit and leave functions, and the fields libcst visits
    where they are the same for every node of the type (else None)."""
    t = type(node)
    if t not in _ORDER:
        _fields(node)  # learnt from this node
    fields, unset = _ORDER[t]
    return visit_fns.get(t.__name__), leave_fns.get(t.__name__), None if unset else fields


def visit(node: cst.CSTNode, visitors: Sequence[cst.BatchableCSTVisitor],
          on_statement: Optional[Callable[[cst.CSTNode], None]] = None) -> bool:
    """What `libcst.visit_batched(node, visitors)` does to read-only visitors.
    `on_statement` is called before each statement of a module's body is entered, and
    with None after the last; False when it was not (visitors of attributes leave the
    work to libcst)."""
    visit_fns: dict[str, list[Callable]] = {}
    leave_fns: dict[str, list[Callable]] = {}
    for v in visitors:
        for name, fn in v.get_visitors().items():
            kind, _, type_name = name.partition("_")
            if "_" in type_name:  # visit_<Node>_<attribute>: only libcst calls those
                cst.visit_batched(node, visitors)
                return False
            (visit_fns if kind == "visit" else leave_fns).setdefault(type_name, []).append(fn)
    # The node types to enter (a set lookup: CSTNode is an ABC, and isinstance
    # on an ABC costs a call each time).
    enter = _NODE_TYPES - _TRIVIA if _TRIVIA_NAMES.isdisjoint({*visit_fns, *leave_fns}) \
        else _NODE_TYPES
    plans: dict[type, tuple] = {}  # one lookup per node (_plan)

    def walk(n: cst.CSTNode) -> None:
        t = type(n)
        found = plans.get(t)
        if found is None:
            found = plans[t] = _plan(n, visit_fns, leave_fns)
        visits, leaves, fields = found
        if visits:
            for fn in visits:
                fn(n)
        for field in fields if fields is not None else _fields(n):
            value = getattr(n, field)
            kind = type(value)
            if kind in enter:
                walk(value)
            elif kind is tuple or kind is list:
                for child in value:
                    if type(child) in enter:
                        walk(child)
        if leaves:
            for fn in leaves:
                fn(n)

    try:
        if on_statement is None or not isinstance(node, cst.Module):
            walk(node)
            return on_statement is None
        for fn in visit_fns.get("Module", ()):
            fn(node)
        for field in _fields(node):
            for child in getattr(node, field):
                if field == "body":
                    on_statement(child)
                    walk(child)
                elif type(child) in enter:
                    walk(child)
        on_statement(None)
        for fn in leave_fns.get("Module", ()):
            fn(node)
        return True
    finally:
        walk = None  # it referred to itself: leave no cycle for the collector
