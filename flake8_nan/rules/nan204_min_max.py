"""NAN204: min-max normalisation, 0/0 on a constant input."""
from typing import Optional

import libcst as cst

from .. import vocab
from ..words import DIVISION, MIN_REDUCTION
from .base import DivisionRule


class MinMaxNormalisation(DivisionRule):
    code = "NAN204"
    summary = "min-max normalisation: division by max - min, 0 for a constant input"
    why = (
        "`(x - x.min()) / (x.max() - x.min())` rescales to [0, 1] until the input is constant: "
        "a blank or black image, a feature that does not vary in a batch, equal eigenvalues, a "
        "hyperparameter whose bounds coincide. Then max - min is 0 and every element is 0/0 = "
        "NaN, in the forward pass and in the gradient. A range kept away from 0 "
        "(`.clamp_min(eps)`, `+ eps`) is not reported, nor a quotient the function then "
        "tests for NaN/inf (`scale[~torch.isfinite(scale)] = 1`), which handles the constant "
        "inputs itself.")
    bad = """\
import torch
x = torch.full((4,), 3.0)
out = (x - x.min()) / (x.max() - x.min())
"""
    good = """\
import torch
x = torch.full((4,), 3.0)
out = (x - x.min()) / (x.max() - x.min()).clamp_min(1e-6)
"""
    fix = ("Keep the range away from 0: `(x.max() - x.min()).clamp_min(eps)` (a constant input "
           "then maps to 0), or test for a constant input and handle it apart.")
    references = ("torch.amax and torch.amin documentation",)
    triggers = (frozenset({MIN_REDUCTION}),
                frozenset({DIVISION, "div", "div_", "divide", "true_divide"}))

    companions = vocab.NONFINITE_FILTERS  # the test of the result for NaN/inf comes later

    def check_denominator(self, denominator: Optional[cst.BaseExpression],
                          numerator: Optional[cst.BaseExpression] = None) -> None:
        if denominator is None:
            return
        origin = self.model.origin(denominator)
        if origin is None or origin.kind != "minmax":
            return
        r = self.model.value_range(denominator)
        if r.positive or r.nonzero:
            return
        guarded = self.suggest("clamp_min", denominator, x=denominator, floor="eps")
        # `scale[~torch.isfinite(scale)] = 1`: the constant inputs are handled
        self.report_unless_tested(self.model.assigned_name(), denominator,
                                  "division by max - min is 0/0 = NaN for a constant input (a "
                                  f"blank image, a feature that does not vary); use {guarded}")

    def leave_Module(self, node: cst.Module) -> None:
        self.flush_untested()
