from typing import Optional

import libcst as cst

from ..words import ROOT
from ..model import Origin
from .. import vocab
from .base import Fix, Rule
from .nan502_where_gradient import DefersToWhere

_ROOTS = frozenset({"sqrt", "rsqrt"})


def _what(origin: Optional[Origin]) -> Optional[str]:
    """The kind of non-negative value whose root has an infinite gradient at 0."""
    if origin is None or origin.positive:
        return None
    if origin.kind == "var":
        return "variance"
    if origin.kind == "square":
        return "square"
    if origin.inner == "square" and origin.kind in ("sum", "mean"):
        return f"{origin.kind} of squares"
    return None


class SqrtOfSquares(DefersToWhere, Rule):
    code = "NAN501"
    summary = "sqrt of a sum of squares or a variance with no eps: NaN gradient at 0"
    default_enabled = False  # see `why`: too noisy on real code to be on by default
    why = (
        "The derivative of sqrt(s) is 1/(2 sqrt(s)), infinite at s = 0, and a sum of squares, "
        "a squared distance or a variance is exactly 0 for a zero vector, two equal points or "
        "a constant input. The chain rule then multiplies inf by the gradient of s, which is "
        "0 there: NaN. Measured on CPU: the gradient of `torch.sqrt((x * x).sum())` at x = 0 "
        "is [nan, nan, nan], and so is that of `torch.sqrt(x.var())` for a constant x; "
        "`torch.linalg.vector_norm(x)` gives 0 and `torch.sqrt(s + 1e-6)` stays finite. Not "
        "reported under `torch.no_grad()` or `torch.inference_mode()`, where no gradient is "
        "computed."
        " Off by default: on timm 1.0.31 and transformers 5.24.0, none of its 10 reports was "
        "a hazard real code can reach: the roots were of embedding norms, which are 0 only "
        "for an all-zero learned vector, and of input statistics that carry no gradient "
        "(enable with --extend-select NAN501).")
    bad = """\
import torch
x = torch.zeros(3, requires_grad=True)
torch.sqrt((x * x).sum()).backward()
out = x.grad
"""
    good = """\
import torch
x = torch.zeros(3, requires_grad=True)
torch.linalg.vector_norm(x).backward()
out = x.grad
"""
    fix = ("Add an eps inside the root, `torch.sqrt(s + eps)`, or use "
           "`torch.linalg.vector_norm`, whose gradient at 0 is 0.")
    fix_safety = "unsafe"
    references = ("torch.linalg.vector_norm documentation", "torch.sqrt documentation")
    triggers = (frozenset({*_ROOTS, "pow", "pow_", ROOT}),
                frozenset({"sum", "mean", "var", "pow", "pow_", "square"}))

    def visit_Call(self, node: cst.Call) -> None:
        if self.left_to_where(node):
            return
        op = self.model.call_op(node)
        if op is None:
            return
        if op.name in _ROOTS:
            self._check(node, op.subject, op.name)
        elif op.name == "pow" and self._root(op.arg(1, "exponent")):
            self._check(node, op.subject, "pow")

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Power) and self._root(node.right) \
                and not self.left_to_where(node):
            self._check(node, node.left, "**")

    def _root(self, exponent: Optional[cst.BaseExpression]) -> bool:
        c = exponent is not None and self.model.const(exponent)
        return bool(c) and c.value < 1 and not float(c.value).is_integer()

    def _check(self, node: cst.CSTNode, subject: Optional[cst.BaseExpression], how: str) -> None:
        if self.model.framework_of(node) in vocab.NO_AUTOGRAD or self.model.gradient_off():
            return  # the hazard is the gradient: `np.sqrt(0)` itself is 0
        what = _what(self.model.origin(subject)) if subject is not None else None
        if what == "square" and how == "**":
            return  # `n ** 0.5` with `n = (a // b) ** 2` may be plain Python numbers
        if what is not None:
            safe_norm = self.suggest("safe_norm", node)
            norm = "" if what == "variance" or safe_norm is None else f", or use {safe_norm}"
            guarded = cst.BinaryOperation(left=subject, operator=cst.Add(), right=cst.Float("1e-6"))
            if how != "sqrt" and how != "rsqrt" or self.model.call_op(node).method:
                guarded = guarded.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            self.report(node, f"{how} of a {what} with no eps: its gradient at 0 is inf*0 = NaN; "
                              f"add eps inside the root ({self.snippet(subject, 24)} + eps){norm}",
                        Fix(subject, guarded))
