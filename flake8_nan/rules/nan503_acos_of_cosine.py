import struct
from typing import Optional

import libcst as cst

from .. import vocab
from ..model import Origin
from .base import Fix, Rule, method_call
from .nan502_where_gradient import DefersToWhere

_ARC = frozenset({"acos", "asin"})
_BOUNDED = {"cosine": "a cosine similarity", "unit": "a normalised vector",
            "cosine_product": "a product of normalised vectors"}
_CLAMPED = "a value clamped only to [-1, 1]"
_INSIDE = (cst.parse_expression("-1 + 1e-6"), cst.parse_expression("1 - 1e-6"))  # parsed once


def _float32(value: float) -> float:
    return struct.unpack("f", struct.pack("f", value))[0]


class AcosOfCosine(DefersToWhere, Rule):
    code = "NAN503"
    summary = "acos/asin of a cosine similarity or of a value clamped only to [-1, 1]"
    why = (
        "The derivative of acos(c) is -1/sqrt(1 - c^2), infinite at c = +-1, and a cosine "
        "similarity is exactly 1 for parallel vectors (a sample compared with itself, a "
        "collapsed embedding); rounding can also push it past 1, where acos is NaN. "
        "Measured on CPU: the gradient of `torch.acos(F.cosine_similarity(a, b))` for "
        "a = [1, 0], b = [2, 0] is [nan, nan]; `torch.acos(torch.clamp(c, -1, 1))` at c = 1 "
        "has gradient -inf. In float32 `1 - 1e-8` rounds to 1, so such a clamp is still "
        "[-1, 1]; `clamp(-1 + 1e-6, 1 - 1e-6)` gives a finite gradient (0 at the bound). "
        "A value clamped to [-1, 1] is not reported where no gradient is taken (under "
        "`torch.no_grad()`, in a helper the module calls only there, in inference code such as a "
        "tracker's matching step, for NumPy): its acos "
        "is finite.")
    bad = """\
import torch
import torch.nn.functional as F
a = torch.tensor([[1.0, 0.0]], requires_grad=True)
b = torch.tensor([[2.0, 0.0]])
torch.acos(F.cosine_similarity(a, b)).sum().backward()
out = a.grad
"""
    good = """\
import torch
import torch.nn.functional as F
a = torch.tensor([[1.0, 0.0]], requires_grad=True)
b = torch.tensor([[2.0, 0.0]])
torch.acos(F.cosine_similarity(a, b).clamp(-1 + 1e-6, 1 - 1e-6)).sum().backward()
out = a.grad
"""
    fix = ("Clamp strictly inside the domain first: `torch.acos(c.clamp(-1 + eps, 1 - eps))` "
           "with eps >= 1e-6 in float32 (1e-3 in float16).")
    fix_safety = "unsafe"
    references = ("torch.acos documentation", "torch.nn.functional.cosine_similarity documentation")
    triggers = (frozenset({*_ARC, "arccos", "arcsin"}),)
    own_triggers = (triggers[0],)  # the acos is in the statement; its argument may be bound before

    def visit_Call(self, node: cst.Call) -> None:
        if self.left_to_where(node):
            return
        op = self.model.call_op(node)
        if op is None or op.name not in _ARC or op.subject is None:
            return
        origin = self.model.origin(op.subject)
        what = self._bounded(origin)
        if what is None:
            return
        if what == _CLAMPED:
            if self.model.framework_of(node) in vocab.NO_AUTOGRAD or self.model.gradient_off() \
                    or self.model.value_range(op.subject).constant:
                return  # the clamp keeps the values in the domain, and no gradient is taken
                # (`x.detach().acos()`)
            clamped = self.model.call_op(origin.node).subject
            also = ""
            fix = f"{self.suggest('clamp_inside', node, x=clamped)} with eps >= 1e-6 instead"
        else:
            also = " and rounding past 1 gives NaN"
            fix = self.suggest("clamp_inside", node, x=op.subject)
        inside = method_call(op.subject, "clamp", *_INSIDE)
        self.report(node, f"{op.name} of {what}: at +-1 its gradient is infinite (NaN after the "
                          f"chain rule){also}; use {fix}",
                    None if what == _CLAMPED else Fix(op.subject, inside))

    def _bounded(self, origin: Optional[Origin]) -> Optional[str]:
        if origin is None:
            return None
        if origin.kind == "sum" and origin.inner == "cosine_product":
            return _BOUNDED["cosine"]
        if origin.kind in _BOUNDED:
            return _BOUNDED[origin.kind]
        if origin.kind in ("clamp", "clip"):
            op = self.model.call_op(origin.node)
            bounds = [op.arg(1, "min"), op.arg(2, "max")] if op is not None else []
            values = [self.model.const(b) if b is not None else None for b in bounds]
            if len(values) == 2 and all(values) and max(abs(_float32(v.value)) for v in values) >= 1:
                return _CLAMPED
        return None
