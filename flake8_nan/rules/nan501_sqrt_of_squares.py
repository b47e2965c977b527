from typing import Optional

import libcst as cst

from ..words import IN_LOSS, ROOT
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
    why = (
        "The derivative of sqrt(s) is 1/(2 sqrt(s)), infinite at s = 0, and a sum of squares, "
        "a squared distance or a variance is exactly 0 for a zero vector, two equal points or "
        "a constant input. The chain rule then multiplies inf by the gradient of s, which is "
        "0 there: NaN. Measured on CPU: the gradient of `torch.sqrt((x * x).sum())` at x = 0 "
        "is [nan, nan, nan], and so is that of `torch.sqrt(x.var())` for a constant x; "
        "`torch.linalg.vector_norm(x)` gives 0 and `torch.sqrt(s + 1e-6)` stays finite. Not "
        "reported under `torch.no_grad()` or `torch.inference_mode()`, nor in inference code "
        "(a function named for prediction, post-processing, tracking or generation), where no "
        "gradient is computed."
        " By default it reports the root of a squared difference, a Euclidean distance "
        "written by hand (`((a - b) ** 2).sum(-1).sqrt()`), in a loss: a function named for "
        "one or the `forward` of a class named for one. A loss is differentiated, and "
        "training drives a prediction to its target and a positive pair together, where the "
        "distance is 0. Other distances, the roots of other sums of squares and of variances "
        "are reported under `--nan-strict`: outside losses, the 7 reports of distances on "
        "the ten judged corpora were, when read, in code no gradient flows through (box "
        "assigners, metrics, a pipeline: 4), between atoms distinct by construction (2), or "
        "debatable (1), none real; on timm 1.0.31 and transformers 5.24.0 none of 10 roots "
        "of other sums of squares was a hazard real code reaches (embedding norms, 0 only "
        "for an all-zero learned vector). In losses it makes no report on the twelve pinned "
        "corpora, and finds the two distance losses of the real bugs.")
    bad = """\
import torch


def distance_loss(a, b):
    return torch.sqrt(((a - b) ** 2).sum())


a = torch.ones(3, requires_grad=True)
distance_loss(a, torch.ones(3)).backward()
out = a.grad
"""
    good = """\
import torch


def distance_loss(a, b):
    return torch.linalg.vector_norm(a - b)


a = torch.ones(3, requires_grad=True)
distance_loss(a, torch.ones(3)).backward()
out = a.grad
"""
    fix = ("Add an eps inside the root, `torch.sqrt(s + eps)`, or use "
           "`torch.linalg.vector_norm`, whose gradient at 0 is 0.")
    fix_safety = "unsafe"
    references = ("torch.linalg.vector_norm documentation", "torch.sqrt documentation")
    # by default only a distance in a loss is reported
    strict_triggers = (frozenset({*_ROOTS, "pow", "pow_", ROOT}),
                       frozenset({"sum", "mean", "var", "pow", "pow_", "square"}))
    triggers = (*strict_triggers, frozenset({IN_LOSS}))
    own_triggers = (triggers[0],)  # the root is in the statement; the sum of squares may be bound before it

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
        if what is None and subject is not None and self._distances_added(subject):
            what = "sum of squared distances"
        if what == "square" and how == "**":
            return  # `n ** 0.5` with `n = (a // b) ** 2` may be plain Python numbers
        if what is None:
            return
        distance = what == "sum of squared distances" or self._of_difference(subject)
        if not getattr(self.options, "strict", False) and not (distance and self.model.in_loss()):
            return  # a norm of one vector is 0 only for an all-zero one; a distance outside
            # a loss may be between points distinct by construction, or carry no gradient
        safe_norm = self.suggest("safe_norm", node)
        norm = "" if what == "variance" or safe_norm is None else f", or use {safe_norm}"
        guarded = cst.BinaryOperation(left=subject, operator=cst.Add(), right=cst.Float("1e-6"))
        if how != "sqrt" and how != "rsqrt" or self.model.call_op(node).method:
            guarded = guarded.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        reached = " (a loss drives it to 0)" if distance and self.model.in_loss() else ""
        self.report(node, f"{how} of a {what}{reached} with no eps: its gradient at 0 is "
                          f"inf*0 = NaN; add eps inside the root "
                          f"({self.snippet(subject, 24)} + eps){norm}",
                    Fix(subject, guarded))

    def _distances_added(self, subject: cst.BaseExpression) -> bool:
        """`xy + wh` with each a sum of squared differences: a squared distance in parts
        (bare squares added, `a ** 2 + b ** 2`, may hold a constant: not followed)."""
        value = self.model.bound_value(subject) if isinstance(subject, cst.Name) else subject
        if not isinstance(value, cst.BinaryOperation) or not isinstance(value.operator, cst.Add):
            return False
        return all(_what(self.model.origin(side)) in ("sum of squares", "mean of squares") and
                   self._of_difference(side) for side in (value.left, value.right))

    def _of_difference(self, subject: cst.BaseExpression) -> bool:
        """Whether the squares summed under the root are of a difference: `(a - b) ** 2`,
        `(a - b).pow(2)`, `torch.square(x - y)`, directly or through names."""
        o = self.model.origin(subject)
        for _ in range(3):  # a sum of a square of a difference
            if o is None or not isinstance(o.node, cst.CSTNode):
                return False
            if o.kind == "difference":
                return True
            node = o.node
            if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Power):
                inner = node.left
            else:
                op = self.model.call_op(node)
                inner = op.subject if op is not None else None
            inner = self.model.unwrapped(inner) if inner is not None else None
            if isinstance(inner, cst.BinaryOperation) and isinstance(inner.operator, cst.Divide):
                inner = inner.left  # a scaled difference, `(a - b) / 2`
            if inner is None:
                return False
            o = self.model.origin(inner)
        return False
