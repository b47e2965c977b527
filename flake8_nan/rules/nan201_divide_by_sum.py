from typing import Optional

import libcst as cst

from ..words import DIVISION
from .base import DivisionRule, Fix, method_call
from .nan502_where_gradient import DefersToWhere


class DivideBySum(DefersToWhere, DivisionRule):
    code = "NAN201"
    summary = "division by a sum or count that can be 0"
    default_enabled = False  # see `why`: too noisy on real code to be on by default
    why = (
        "A mask with no True entry sums to 0, and so does a row of zero weights: `x / "
        "mask.sum()` is then 0/0 = NaN (or x/0 = inf), in the forward pass and in the "
        "gradient. Empty masks are common: a batch without positives, a sentence shorter "
        "than the window, an entity with no mention. Sums that cannot be 0 are not reported: "
        "of positive values, of a softmax or of sigmoids, or of the top-k values of either "
        "(the renormalised weights of a mixture-of-experts router); nor is a division inside "
        "a `torch.where` that tests its denominator (NAN502 owns that one)."
        " Off by default: on timm 1.0.31 and transformers 5.24.0, 1 of its 50 reports was a "
        "hazard real code can reach (most were mask counts that the code building the mask "
        "keeps at 1 or more, and weights normalised by a sum that is positive by "
        "construction; enable with --extend-select NAN201).")
    bad = """\
import torch
x = torch.ones(2, 3)
mask = torch.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
out = (x * mask).sum(dim=1) / mask.sum(dim=1)
"""
    good = """\
import torch
x = torch.ones(2, 3)
mask = torch.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
out = (x * mask).sum(dim=1) / mask.sum(dim=1).clamp_min(1)
"""
    fix = ("Clamp the denominator: `.clamp_min(1)` for a count (a mask sum), "
           "`.clamp_min(eps)` for a float sum (the automatic fix uses 1e-6). Rows that were "
           "0/0 become 0.")
    fix_safety = "unsafe"
    references = ("torch.Tensor.sum documentation", "torch.clamp_min documentation")
    triggers = (frozenset({"sum", "count_nonzero"}),
                frozenset({DIVISION, "div", "div_", "true_divide", "divide"}))

    def visit_Call(self, node: cst.Call) -> None:
        if not self.left_to_where(node):
            super().visit_Call(node)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not self.left_to_where(node):
            super().visit_BinaryOperation(node)

    def check_denominator(self, denominator: Optional[cst.BaseExpression]) -> None:
        if denominator is None:
            return
        origin = self.model.origin(denominator)
        if origin is None or origin.kind not in ("sum", "count") or origin.positive:
            return
        text = self.snippet(denominator)
        count = origin.kind == "count" or "mask" in text.lower() or "count" in text.lower()
        floor, what = ("1", "a count") if count else ("eps", "a sum")
        floor_node = cst.Integer("1") if count else cst.Float("1e-6")
        guarded = self.suggest("clamp_min", denominator, x=denominator, floor=floor)
        self.report(denominator, f"division by {what} that can be 0 gives NaN/inf; use {guarded}",
                    Fix(denominator, method_call(denominator, "clamp_min", floor_node)))
