from typing import Optional

import libcst as cst

from ..model import Const, fmt
from .base import Fix, Rule
from ..words import TINY


class TinyEps(Rule):
    code = "NAN301"
    summary = "eps too small to survive float16 (or float32 next to 1)"
    why = (
        "An eps guards a log, a sqrt or a division only if it survives the arithmetic. The "
        "smallest float16 subnormal is about 5.96e-8, so 1e-8 and 1e-10 round to exactly 0 "
        "under float16 autocast and the guard disappears; in float32, 1 + 1e-10 == 1. "
        "Measured on an H100 under float16 autocast: `h / (h.abs().max() + 1e-8)` and "
        "`torch.log(F.relu(h) + 1e-8)` on an all-zero row gave NaN/inf, with 1e-7 both "
        "stayed finite. In float32 the guard survives but is too small to help: next to 0, "
        "`1 / (x + 1e-10)` and its gradient are of the order of 1e10."
        " It reports by default where the guarded arithmetic is known to be on tensors (a "
        "torch operation, a tensor-only method such as `.norm(dim=-1)`, a parameter annotated "
        "`Tensor`), and stays silent where it is NumPy or Python arithmetic (float64, schedules "
        "computed once) or where the value was cast to float32 or float64 first "
        "(`x = x.float()`) or made in one (a factory without a dtype such as "
        "`torch.linspace(0, 1, n)`, a `dtype=` parameter whose default is `torch.float32`, a "
        "same-file function that returns float32, a parameter of a private function that "
        "every call in the module passes a float32 tensor), "
        "or runs with autocast off (a `with torch.autocast(..., "
        "enabled=False)` block, or a helper the module calls only in one); a guard of a "
        "value of unknown kind is reported under "
        "`--nan-strict`.")
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
                self._check_sum(target, node, target)
        elif op.name in ("clamp", "clamp_min") and not self._of_log(op.subject):
            self._check(op.arg(1, "min"), node, op.subject)
        elif op.name == "maximum":
            self._check(op.arg(1, "other"), node, op.subject)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, (cst.Divide, cst.FloorDivide)):
            self._check_sum(node.right, node, node.right)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, cst.DivideAssign):
            self._check_sum(node.value, node.value, node.value)

    def _of_log(self, value: Optional[cst.BaseExpression]) -> bool:
        """`x.log().clamp(min=1e-12)`: a floor on a log's result, not on what it takes."""
        o = self.model.origin(value) if value is not None else None
        return o is not None and o.kind in ("log", "log2", "log10")

    def _check_sum(self, expr: cst.BaseExpression, at: cst.CSTNode, guarded) -> None:
        """Look for the eps among the terms of `a + b + eps`; `at` is the guarded operation,
        `guarded` the value the eps is part of."""
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
            self._check_sum(expr.left, at, guarded)
            self._check_sum(expr.right, at, guarded)
        else:
            self._check(expr, at, guarded)

    def _check(self, expr: Optional[cst.BaseExpression], at: cst.CSTNode,
               guarded: Optional[cst.BaseExpression]) -> None:
        if expr is None:
            return
        const: Optional[Const] = self.model.const(expr)
        if const is None or not 0 < const.value < self.options.min_eps:
            return
        if not self._in_half_precision_arithmetic(guarded, at):
            return
        where = f" ({const.source})" if const.source else ""
        # Only a literal written right here is rewritten; a named eps is fixed where it is set.
        fix = Fix(expr, cst.Float("1e-6")) if isinstance(expr, (cst.Float, cst.Integer)) else None
        self.report(expr, f"eps {fmt(const.value)}{where} is below {fmt(self.options.min_eps)}: "
                          "it rounds to 0 in float16, and in float32 leaves a 1/eps-sized value "
                          f"and gradient next to 0; use 1e-6 or {self.suggest('eps_of', at)}", fix)

    def _in_half_precision_arithmetic(self, guarded: Optional[cst.BaseExpression],
                                      at: cst.CSTNode) -> bool:
        """Whether the guarded value is tensor arithmetic that float16 can run: a torch
        operation on it, or a value known to be a tensor; not NumPy or Python numbers, not
        cast to float32/float64 first.  A value of unknown kind counts under nan-strict."""
        if self.model.full_precision():
            return False
        nodes = [n for n in (guarded, at) if n is not None]
        ranges = [self.model.value_range(n) for n in nodes]
        if any(r.host in ("numpy", "python") or r.wide for r in ranges):
            return False
        if not (any(r.host == "tensor" for r in ranges) or getattr(self.options, "strict", False)):
            return False
        # `self._norm(x, bins)` with float32 bins: the caller decides the dtype
        return not self.model.float32_by_callers(at, nodes)
