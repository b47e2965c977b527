"""The base class every rule derives from.

A rule is one class: its code, its documentation (the bad and good examples
are the ones linted and executed by the proofs), the trigger words that let
the engine skip code that cannot match, and visitor methods that ask the
shared model and call `report`.
"""
from __future__ import annotations

from typing import ClassVar, Optional

import libcst as cst

from ..model import Model, visitor_names


class Rule(cst.BatchableCSTVisitor):
    code: ClassVar[str]
    summary: ClassVar[str]
    why: ClassVar[str]
    bad: ClassVar[str]  # runnable example that produces the hazard
    good: ClassVar[str]  # the same example fixed
    fix: ClassVar[str]  # what the suggested change does
    # What executing `bad` shows (see tests/test_proofs.py): "nonfinite" (its `out` holds
    # NaN/inf), "raises" (it raises an exception whose text contains `raises`), or
    # "differs" (its `out` is not close to its `ref`).  `good` always runs to a finite `out`
    # (close to `ref` for "differs").
    claim: ClassVar[str] = "nonfinite"
    raises: ClassVar[str] = ""
    fix_safety: ClassVar[Optional[str]] = None  # "safe", "unsafe", or None (no automatic fix)
    options: ClassVar[tuple[str, ...]] = ()
    references: ClassVar[tuple[str, ...]] = ()
    # Each set must share a word (identifier or pseudo-word, see engine.py)
    # with a top-level statement for that statement to be worth parsing.
    triggers: ClassVar[tuple[frozenset[str], ...]] = ()
    default_enabled: ClassVar[bool] = True

    _visitor_names: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._visitor_names = visitor_names(cls)

    def __init__(self, model: Model, options) -> None:
        super().__init__()
        self.model = model
        self.options = options
        self.reports: list[tuple[cst.CSTNode, str]] = []
        self.error: Optional[BaseException] = None

    def report(self, node: cst.CSTNode, message: str) -> None:
        self.reports.append((node, message))

    def get_visitors(self):
        # An exception stops this rule for the rest of the file, not the others.
        def guarded(fn):
            def run(node):
                if self.error is None:
                    try:
                        fn(node)
                    except Exception as exc:  # noqa: BLE001 - reported as NAN000
                        self.error = exc
            return run
        return {name: guarded(getattr(self, name)) for name in self._visitor_names}

    def snippet(self, node: cst.CSTNode, limit: int = 40) -> str:
        code = cst.Module(body=[]).code_for_node(node).strip()
        code = " ".join(code.split())
        return code if len(code) <= limit else code[: limit - 3] + "..."

    def with_method(self, node: cst.CSTNode, call: str) -> str:
        """`node.call`, parenthesised where needed; `x.call` when node's code is long."""
        text = self.snippet(node)
        if text.endswith("..."):
            return f"x.{call}"
        simple = isinstance(node, (cst.Name, cst.Attribute, cst.Call, cst.Subscript))
        return f"{text}.{call}" if simple or getattr(node, "lpar", ()) else f"({text}).{call}"

    def short(self, node: cst.CSTNode, fallback: str = "x") -> str:
        """The code of `node` for a fix in a message, or `fallback` when it is long."""
        text = self.snippet(node, 30)
        return fallback if text.endswith("...") else text

    def negated(self, node: cst.CSTNode, fallback: str = "x") -> str:
        """The code of `-node` for a message: `-x`, `-(a + b)`, and `x` for `-x`."""
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
            return self.short(node.expression, fallback)
        text = self.short(node, fallback)
        simple = isinstance(node, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) or node.lpar
        return f"-{text}" if simple or text == fallback else f"-({text})"


class DivisionRule(Rule):
    """A rule about denominators: `a / d`, `a /= d`, `torch.div(a, d)`, `a.div(d)` each
    hand `d` to `check_denominator`."""

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Divide):
            self.check_denominator(node.right)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, cst.DivideAssign):
            self.check_denominator(node.value)

    def visit_Call(self, node: cst.Call) -> None:
        op = self.model.call_op(node)
        if op is not None and op.name in ("div", "true_divide", "divide"):
            self.check_denominator(op.arg(1, "other"))

    def check_denominator(self, denominator: Optional[cst.BaseExpression]) -> None:
        raise NotImplementedError
