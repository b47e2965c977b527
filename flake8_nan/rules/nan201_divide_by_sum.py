from typing import Optional

import libcst as cst

from .. import ranges
from ..words import DIVISION
from .base import DivisionRule, Fix, method_call
from .nan502_where_gradient import DefersToWhere


class DivideBySum(DefersToWhere, DivisionRule):
    code = "NAN201"
    summary = "division by a sum or count that can be 0"
    why = (
        "A mask with no True entry sums to 0, and so does a row of zero weights: `x / "
        "mask.sum()` is then 0/0 = NaN (or x/0 = inf), in the forward pass and in the "
        "gradient. Empty masks are common: a batch without positives, a sentence shorter "
        "than the window, an entity with no mention. Sums that cannot be 0 are not reported: "
        "of positive values, of a softmax or of sigmoids, or of the top-k values of either "
        "(the renormalised weights of a mixture-of-experts router); nor is a division inside "
        "a `torch.where` that tests its denominator (NAN502 owns that one), nor one the code "
        "has guarded: after `if n == 0: return` or `assert (n > 0).all()`, inside `if "
        "mask.any():` or the `else` of `if n == 0:`, in `x / n if n else 0` and `0 if "
        "m.sum() == 0 else x / n` with `n = m.sum()`, or of a sum made safe with "
        "`torch.where(n == 0, 1, n)`."
        " By default it reports where the model has evidence that the sum reaches 0: a count "
        "of a mask or of a comparison, a sum of values that are each 0 somewhere (ReLU "
        "outputs, squares), and a mean over a mapping whose denominator sums the weights of "
        "its numerator (`torch.mm(m, x) / m.sum(1)`): a row with no weight is 0/0. A sum of "
        "values of unknown range is reported only under `--nan-strict`: on timm 1.0.31 and "
        "transformers 5.24.0, 1 of 50 such reports was a hazard real code can reach. So is "
        "a masked mean, `(x * mask).sum() / mask.sum()` (of 28 reports on the judged corpora, "
        "19 were safe: most masks mark the real tokens of padded sequences, never empty), and "
        "a division by a size less one, `x.sum() / (n - 1)` with `n = x.shape[0]` (0 for a "
        "batch of one; its 2 reports on the judged corpora were 1 safe, 1 debatable), and a "
        "kernel or distribution normalised by its own sum, `w / w.sum()` with w a clamped "
        "tent or a Gaussian (0 only where every weight is; its 9 reports on the judged "
        "corpora were 7 safe, 2 debatable, none real).")
    bad = """\
import torch
x = torch.ones(2, 3)
labels = torch.tensor([[4, 2, -100], [-100, -100, -100]])
mask = labels != -100
out = (x * mask).sum(dim=1) / mask.sum(dim=1)
"""
    good = """\
import torch
x = torch.ones(2, 3)
labels = torch.tensor([[4, 2, -100], [-100, -100, -100]])
mask = labels != -100
out = (x * mask).sum(dim=1) / mask.sum(dim=1).clamp_min(1)
"""
    fix = ("Clamp the denominator: `.clamp_min(1)` for a count (a mask sum), "
           "`.clamp_min(eps)` for a float sum (the automatic fix uses 1e-6). Rows that were "
           "0/0 become 0.")
    fix_safety = "unsafe"
    references = ("torch.Tensor.sum documentation", "torch.clamp_min documentation")
    triggers = (frozenset({"sum", "count_nonzero"}),
                frozenset({DIVISION, "div", "div_", "true_divide", "divide"}))
    # the sum may be bound elsewhere (`n = mask.sum()`), the division is where it is reported
    own_triggers = (triggers[1],)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.left_to_where(node):
            super().visit_Call(node)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not self.left_to_where(node):
            super().visit_BinaryOperation(node)

    def check_denominator(self, denominator: Optional[cst.BaseExpression],
                          numerator: Optional[cst.BaseExpression] = None) -> None:
        if denominator is None:
            return
        # (a size less one is read under nan-strict: its two reports on the judged corpora
        # were a schedule that always holds two steps and a scoring of one enrolled speaker)
        size = self._size_less_one(denominator) if self.options.strict else None
        if size is not None:
            bare = self.snippet(self.model.unwrapped(denominator))
            self.report(denominator, f"division by {size} gives NaN/inf (a ZeroDivisionError "
                                     f"for Python numbers); use max({bare}, 1) or skip the case")
            return
        origin = self.model.origin(denominator)
        if origin is None or origin.kind not in ("sum", "count") or origin.positive:
            return
        r = self.model.value_range(denominator)
        if r.positive or r.nonzero:
            return
        summed = self.model.call_op(origin.node) if isinstance(origin.node, cst.Call) else None
        if not self.options.strict and summed is not None and summed.subject is not None and \
                self.model.value_range(summed.subject).unit:
            return  # `p / p.sum()` normalises probabilities: 0 only where each one underflows
        # the evidence a sum reaches 0: a count of a comparison (`(labels != -100).sum()`), or
        # the weights of a mean over a mapping; a sum over values that are each 0 somewhere
        # (ReLU outputs, absolute values) is rarely 0 as a whole, and a mask of unknown making
        # is most often of padded sequences: those are reported under nan-strict
        # (a mask made from sequence lengths is empty only for a sequence of length 0)
        evidence = ranges.phrase(r.zero) if r.zero and r.count and not (
            summed is not None and summed.subject is not None and
            self.model.length_mask(summed.subject)) else None
        reason = evidence or self._weights_of(numerator, origin) or (
            not self._normalising(numerator, summed) and self.hazard(denominator) and
            f"a sum not known to be nonzero{_named(r.zero)}")
        if not reason:
            return
        text = self.snippet(denominator)
        count = r.count or origin.kind == "count" or "mask" in text.lower() or "count" in text.lower()
        floor = "1" if count else "eps"
        floor_node = cst.Integer("1") if count else cst.Float("1e-6")
        guarded = self.suggest("clamp_min", denominator, x=denominator, floor=floor)
        self.report(denominator, f"division by {reason} gives NaN/inf there; use {guarded}",
                    Fix(denominator, method_call(denominator, "clamp_min", floor_node)))

    def _normalising(self, numerator, summed) -> bool:
        """`w / w.sum()` normalises a kernel or a distribution made of values each 0
        somewhere (a clamped tent, a Gaussian): its sum is 0 only where every weight is,
        which the code normalising it rules out (read under nan-strict)."""
        return not self.options.strict and summed is not None and summed.subject is not None \
            and numerator is not None and \
            self.model.unwrapped(numerator).deep_equals(self.model.unwrapped(summed.subject))

    def _size_less_one(self, expr: cst.BaseExpression) -> Optional[str]:
        """`n - 1`, `b * (b - 1)`, `len(x) - 1` of a size n: 0 for a batch of one."""
        expr = self.model.unwrapped(expr)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Multiply):
            return self._size_less_one(expr.left) or self._size_less_one(expr.right)
        if not isinstance(expr, cst.BinaryOperation) or not isinstance(expr.operator, cst.Subtract):
            return None
        k = self.model.const(expr.right)
        if k is None or k.value < 1 or not _size(self.model, expr.left):
            return None
        return f"{self.snippet(expr)} ({k.value:g} less than a size: 0 for a size of {k.value:g})"

    def _weights_of(self, numerator: Optional[cst.BaseExpression], origin) -> Optional[str]:
        """A weighted mean, `torch.mm(m, x) / m.sum(1)`: the denominator sums weights the
        numerator is made of, and is 0 for a row without weight."""
        op = self.model.call_op(origin.node) if isinstance(origin.node, cst.Call) else None
        weights = op.subject if op is not None else None
        if weights is None or numerator is None:
            return None
        bare = self.model.unwrapped(weights)
        if self.model.sequence_mask(bare):
            return None  # pooling over the real tokens of padded sequences: never empty
        if self.model.unwrapped(numerator).deep_equals(bare):
            return None  # `w / w.sum()` normalises w: its own range says whether it can be 0
        # the numerator is a product with the weights' matrix (`torch.mm(m, x)`), directly or
        # through a name: a mean over the members of each row, 0/0 for a row without any
        places = [numerator, *self.model.made_of(numerator)]
        for place in places:
            op = self.model.call_op(place)
            if op is not None and op.name in ("mm", "bmm", "matmul") and op.subject is not None and \
                    self.model.unwrapped(op.subject).deep_equals(bare):
                return "a sum of the weights of a mean over each row's members (0 for a row " \
                       "without any)"
        return None


def _named(reason) -> str:
    """The strict level's message names what the model saw, where it saw something."""
    return f": {ranges.phrase(reason)}" if reason else ""


def _size(model, expr: cst.BaseExpression) -> bool:
    """`len(x)`, `x.shape[0]`, `x.size(0)`, `x.numel()`, or a name bound to one."""
    for _ in range(3):  # through a name or two
        if isinstance(expr, cst.Call):
            func = expr.func
            if model.qualname(func) == "builtins.len" or isinstance(func, cst.Attribute) and (
                    func.attr.value in ("numel", "nelement") or
                    func.attr.value == "size" and len(expr.args) == 1):
                return True
        if isinstance(expr, cst.Subscript) and isinstance(expr.value, cst.Attribute) and \
                expr.value.attr.value == "shape":
            return True
        if not isinstance(expr, cst.Name):
            return False
        expr = model.bound_value(expr)
        if expr is None:
            return False
    return False
