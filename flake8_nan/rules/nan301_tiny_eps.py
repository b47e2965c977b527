from typing import Optional

import libcst as cst

from ..model import Const, fmt
from .base import Fix, Rule
from ..words import TINY


class TinyEps(Rule):
    code = "NAN301"
    summary = "eps too small to survive float16 (or float32 next to 1)"
    default_enabled = False  # see `why`: too noisy on real code to be on by default
    why = (
        "An eps guards a log, a sqrt or a division only if it survives the arithmetic. The "
        "smallest float16 subnormal is about 5.96e-8, so 1e-8 and 1e-10 round to exactly 0 "
        "under float16 autocast and the guard disappears; in float32, 1 + 1e-10 == 1. "
        "Measured on an H100 under float16 autocast: `h / (h.abs().max() + 1e-8)` and "
        "`torch.log(F.relu(h) + 1e-8)` on an all-zero row gave NaN/inf, with 1e-7 both "
        "stayed finite."
        " Off by default: on timm 1.0.31 and transformers 5.24.0, 3 of its 33 reports were "
        "hazards real code can reach; the others guard values that are positive by "
        "construction (sums of router sigmoids, overlap-add window envelopes, the exp of a "
        "parameter) or are computed in float32, where the eps survives (enable with "
        "--extend-select NAN301).")
    bad = """\
import torch
h = torch.zeros(4, dtype=torch.float16)
out = torch.log(h + 1e-8)
"""
    good = """\
import torch
h = torch.zeros(4, dtype=torch.float16)
out = torch.log(h + 1e-6)
"""
    fix = ("Raise eps to at least the threshold (1e-6 is a common choice), or use "
           "`torch.finfo(x.dtype).eps`/`.tiny`. The automatic fix rewrites an eps literal "
           "written at the guard to 1e-6; a named eps is left for you to change where it is "
           "set. The numbers change slightly.")
    fix_safety = "unsafe"
    options = ("nan-min-eps (default 1e-7): the smallest eps accepted",)
    references = ("IEEE 754 binary16: smallest subnormal 2**-24 = 5.96e-8",
                  "torch.finfo documentation")
    triggers = (frozenset({TINY}),)

    GUARDED = frozenset({"log", "log2", "log10", "sqrt", "rsqrt"})

    def visit_Call(self, node: cst.Call) -> None:
        op = self.model.call_op(node)
        if op is None:
            return
        if op.name in self.GUARDED or (op.name == "div" and len(op.args) > 1):
            target = op.args[1] if op.name == "div" else op.subject
            if target is not None:
                self._check_sum(target, node)
        elif op.name in ("clamp", "clamp_min"):
            self._check(op.arg(1, "min"), node)
        elif op.name == "maximum":
            self._check(op.arg(1, "other"), node)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, (cst.Divide, cst.FloorDivide)):
            self._check_sum(node.right, node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, cst.DivideAssign):
            self._check_sum(node.value, node.value)

    def _check_sum(self, expr: cst.BaseExpression, at: cst.CSTNode) -> None:
        """Look for the eps among the terms of `a + b + eps`; `at` is the guarded operation."""
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
            self._check_sum(expr.left, at)
            self._check_sum(expr.right, at)
        else:
            self._check(expr, at)

    def _check(self, expr: Optional[cst.BaseExpression], at: cst.CSTNode) -> None:
        if expr is None:
            return
        const: Optional[Const] = self.model.const(expr)
        if const is None or not 0 < const.value < self.options.min_eps:
            return
        where = f" ({const.source})" if const.source else ""
        # Only a literal written right here is rewritten; a named eps is fixed where it is set.
        fix = Fix(expr, cst.Float("1e-6")) if isinstance(expr, (cst.Float, cst.Integer)) else None
        self.report(expr, f"eps {fmt(const.value)}{where} is below {fmt(self.options.min_eps)}: "
                          "it rounds to 0 in float16 and vanishes next to 1 in float32; "
                          f"use 1e-6 or {self.suggest('eps_of', at)}", fix)
