"""NAN202: division by a norm, std, var or max-abs that can be 0."""
from typing import Optional

import libcst as cst

from ..words import ABS_MAX, DIVISION, SQRT_REDUCE
from ..model import Op
from .base import DivisionRule


class DivideByNorm(DivisionRule):
    code = "NAN202"
    summary = "division by a norm, std, var or max-abs that can be 0"
    default_enabled = False  # see `why`: too noisy on real code to be on by default
    why = (
        "The norm and the max-abs of an all-zero vector are 0, and so are the std and var of "
        "a constant one (a padded row, a dead feature, a zero-initialised embedding): "
        "`x / x.norm()` is then 0/0 = NaN, forward and backward. Measured on a zero row: "
        "`x / x.norm(dim=-1, keepdim=True)`, `(x - x.mean()) / x.std()` and "
        "`x / x.abs().max()` are all NaN with NaN gradients; `F.normalize(x, dim=-1)` is 0. "
        "`F.normalize` clamps the norm at its eps=1e-12, which float16 rounds to 0: for "
        "float16 tensors pass eps=1e-6 (a zero row gave NaN with the default)."
        " Off by default: in a sample of its reports on timm and transformers, 0 of 4 "
        "were hazards real code can reach (enable with --extend-select NAN202)."
    )
    bad = """\
import torch
x = torch.zeros(2, 3)
out = x / x.norm(dim=-1, keepdim=True)
"""
    good = """\
import torch
import torch.nn.functional as F
x = torch.zeros(2, 3)
out = F.normalize(x, dim=-1)
"""
    fix = ("`x / x.norm(dim=d, keepdim=True)` -> `F.normalize(x, dim=d)`; otherwise guard the "
           "denominator: `x.std().clamp_min(eps)` or `x.std() + eps`. Rows that were 0/0 "
           "become 0, so the fix is not applied automatically.")
    fix_safety = None  # guidance only: no automatic rewrite yet
    references = ("torch.nn.functional.normalize documentation: v / max(||v||_p, eps)",
                  "torch.linalg.vector_norm documentation")
    # max-abs needs `abs`, a sqrt of a sum of squares `sum` (which NAN201 parses anyway)
    triggers = (frozenset({"norm", "vector_norm", "std", "var", ABS_MAX, SQRT_REDUCE}),
                frozenset({DIVISION, "div", "div_", "divide", "true_divide"}))

    def check_denominator(self, denominator: Optional[cst.BaseExpression],
                          numerator: Optional[cst.BaseExpression] = None) -> None:
        if denominator is None:
            return
        origin = self.model.origin(denominator)
        if origin is None or origin.positive:
            return
        what = self._what(origin)
        r = self.model.value_range(denominator) if what is not None else None
        if r is None or r.positive or r.nonzero:
            return  # `if norm == 0: return v` before `v / norm`, a clamp, an eps
        fix = self.suggest("clamp_min", denominator, x=denominator, floor="eps")
        normalize = self.suggest("normalize", denominator) if what == "norm" else None
        if normalize is not None:
            fix = f"{normalize} or {fix}"
        when = "a constant" if what in ("std", "var") else "an all-zero"
        self.report(denominator, f"division by a {what} that is 0 for {when} input gives NaN; "
                                 f"use {fix}")

    def _what(self, origin) -> Optional[str]:
        op = self._tensor_op(origin.node)
        if op is None:
            return None
        if origin.kind in ("norm", "std", "var"):
            return origin.kind
        if origin.kind not in ("sqrt", "max", "amax") or op.subject is None:
            return None
        inner = self.model.origin(op.subject)
        if inner is None or inner.positive or (
                inner.kind in ("abs", "var") and self._tensor_op(inner.node) is None):
            return None
        if origin.kind == "sqrt":
            return {"var": "std", "sum": "norm"}.get(inner.kind)
        other = op.arg(1, "other")
        if other is not None and self.model.const(other) is None:
            return None  # torch.max(a, b): elementwise, often the guard itself
        return "max-abs" if inner.kind == "abs" else None

    def _tensor_op(self, node) -> Optional[Op]:
        """The operation of `node`, unless it is a method called on `self`: in
        `self.norm(h)` the norm is a layer of the module, not a tensor norm."""
        op = self.model.call_op(node)
        if op is None or op.method and self.model.self_class(op.call.func.value) is not None:
            return None
        return op
