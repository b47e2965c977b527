import math
from typing import Optional

import libcst as cst

from .. import traverse, vocab
from ..words import BIG, SHIFTED_BIG
from ..model import argument, fmt, keyword, where_parts
from .base import Example, Fix, Rule

# operation -> (slot, keyword) of the value it writes into a tensor of the receiver's dtype
_WRITES = {"masked_fill": (2, "value"), "fill_": (1, "value"), "full_like": (1, "fill_value"),
           "new_full": (2, "fill_value")}
# Writes as common on integer tensors as on float ones: a whole number counts only when
# written as a float (`1e5`, `float(n)`).
_WHOLE_NEEDS_FLOAT = frozenset({"fill_", "full_like", "new_full"})
# Receivers whose dtype is known not to be float16.
_WIDE_CASTS = frozenset({"float", "double"})
_WIDE_DTYPES = frozenset({"torch.float32", "torch.float", "torch.float64", "torch.double",
                          "torch.bfloat16"})
# Casts of a number to a dtype given as another tensor's (`tf.cast(1e10, w.dtype)`): the
# number follows that tensor into float16. (value position, dtype position, value keyword)
_CASTS = {"tensorflow.cast": (0, 1, "x"), "torch.tensor": (0, 99, "data"),
          "torch.as_tensor": (0, 99, "data"), "torch.full": (1, 99, "fill_value")}
_FACTORIES = frozenset(f"torch.{n}" for n in ("zeros", "ones", "empty", "full", "rand", "randn",
                                               "tensor", "arange", "linspace"))


class Float16OverflowFill(Rule):
    code = "NAN302"
    summary = "a number beyond the float16 range written into a tensor (masked_fill(mask, -1e9))"
    why = (
        "float16 holds at most 65504. The mask value of float32 attention code, `-1e9` (or "
        "`-1e10`, `float(2**30)`), is far outside: on a float16 tensor (after `.half()` or "
        "under autocast) `masked_fill`, `masked_fill_` and `fill_` raise `RuntimeError: value "
        "cannot be converted to type c10::Half without overflow` (measured on CPU; the same "
        "error is reported on CUDA), and `torch.where(mask, x, -1e9)` gives -inf without a word, which "
        "a softmax over a fully masked row turns into NaN. bfloat16 has the float32 range "
        "and keeps -1e9: a tensor known to be float32 or bfloat16 (`.float()`, "
        "`.bfloat16()`, `.to(torch.float32)`, a factory without a dtype, a parameter of a "
        "private function that every call in the module passes a float32 tensor) is not "
        "reported. "
        "A whole number written as a power or a shift (`2 ** 30`, `1 << 30`) is a size like "
        "`1e9`, not an index. Added to or subtracted from a float tensor where the module can "
        "run in float16 (`logits -= 2 ** 30`, `scores[mask] -= 1e9`), it makes the entries "
        "-inf; a probability so shifted is only ranked or thresholded, which -inf does alike, "
        "and is not reported.")
    claim = "raises"
    raises = "value cannot be converted to type c10::Half without overflow"
    bad = """\
import torch
scores = torch.randn(2, 3).half()
mask = torch.tensor([[False, True, True], [False, False, True]])
out = scores.masked_fill(mask, -1e9)
"""
    good = """\
import torch
scores = torch.randn(2, 3).half()
mask = torch.tensor([[False, True, True], [False, False, True]])
out = scores.masked_fill(mask, torch.finfo(scores.dtype).min)
"""
    more = (Example("a number cast to a float16 tensor's dtype", """\
import torch
scores = torch.randn(2, 3).half()
keep = torch.tensor([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]]).half()
out = scores * keep + torch.tensor(-1e9, dtype=scores.dtype) * (1 - keep)
""", """\
import torch
scores = torch.randn(2, 3).half()
keep = torch.tensor([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]]).half()
out = scores * keep + torch.tensor(torch.finfo(scores.dtype).min, dtype=scores.dtype) * (1 - keep)
"""), Example("a power added to a float16 tensor", """\
import torch
scores = torch.randn(2, 3).half()
mask = torch.tensor([[False, True, True], [True, True, True]])
scores[mask] -= 2 ** 30
out = scores.softmax(-1)
""", """\
import torch
scores = torch.randn(2, 3).half()
mask = torch.tensor([[False, True, True], [True, True, True]])
scores[mask] = torch.finfo(scores.dtype).min
out = scores.softmax(-1)
"""))
    fix = ("Write the most negative (or positive) value of the tensor's own dtype: "
           "`torch.finfo(x.dtype).min` (`.max`), -65504 in float16 and about -3.4e38 in "
           "float32. Two such values added together (two additive masks) overflow to -inf, "
           "so the fix is not applied automatically.")
    fix_safety = "unsafe"
    references = ("torch.finfo documentation", "IEEE 754 binary16: largest finite value 65504")
    triggers = (frozenset({"masked_fill", "masked_fill_", "fill_", "full_like", "new_full", "where",
                           "dtype", SHIFTED_BIG}),
                frozenset({BIG}))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, (cst.AddAssign, cst.SubtractAssign)):
            self._shifted(node, node.target, node.value)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, (cst.Add, cst.Subtract)):
            self._shifted(node, node.left, node.right)
            self._shifted(node, node.right, node.left)

    def _shifted(self, at: cst.CSTNode, tensor: cst.BaseExpression, number: cst.BaseExpression) -> None:
        """`logits -= 2 ** 30`, `scores + -1e9`: a float16 tensor plus a number beyond its
        range is -inf (or inf) at every entry.  Only where the module can run in float16 and
        the tensor is a float one not known to be float32."""
        if not self.model.precision.float16:
            return
        n = self._number(number)  # every `a + b` comes here: the cheap test first
        if n is None or math.isinf(n) or abs(n) <= vocab.FLOAT16_MAX or \
                self.model.const(tensor) is not None:
            return
        r = self.model.value_range(tensor)
        # a probability shifted by a huge number is ranked or thresholded, which -inf does alike
        if r.host == "tensor" and not (r.wide or r.count or r.mask or r.unit):
            self._check(at, number, "added to a float16 tensor it makes every entry -inf or inf",
                        tensor=tensor if isinstance(tensor, (cst.Name, cst.Attribute)) else None,
                        magnitude=True)

    def visit_Call(self, node: cst.Call) -> None:
        cast = _CASTS.get(self.model.qualname(node.func) or "")
        if cast is not None:
            dtype = keyword(node, "dtype") or argument(node, cast[1], "dtype")
            if isinstance(dtype, cst.Attribute) and dtype.attr.value == "dtype" and \
                    not self.model.value_range(dtype.value).wide:
                self._check(node, argument(node, cast[0], cast[2]),
                            f"cast to {self.short(dtype)} it is inf where that is float16",
                            tensor=dtype.value)
            return
        op = self.model.call_op(node)
        if op is None:
            return
        if op.name == "where":
            _, a, b = where_parts(op)
            for value, other in ((a, b), (b, a)):
                # two numbers give a float32 result; a float32 tensor keeps the number
                if value is not None and other is not None and self.model.const(other) is None \
                        and not self._wide(other):
                    self._check(node, value, self.suggest("where_overflow", node), tensor=other)
        elif op.name in _WRITES and not self._wide(op.subject):
            self._check(node, op.arg(*_WRITES[op.name]), f"{op.name} raises on a float16 tensor",
                        op.name in _WHOLE_NEEDS_FLOAT, tensor=op.subject)

    def _check(self, at: cst.CSTNode, value: Optional[cst.BaseExpression], effect: str,
               strict: bool = False, tensor: Optional[cst.BaseExpression] = None,
               magnitude: bool = False) -> None:
        number = self._number(value)
        if number is None or math.isinf(number) or abs(number) <= vocab.FLOAT16_MAX:
            return
        parts = list(_parts(value))
        # a power or a shift (`2 ** 30`, `1 << 30`) writes a size, not an index or an id
        written_as_float = magnitude or any(
            isinstance(n, cst.Float) or isinstance(n, cst.Call) and self.model.qualname(n.func) ==
            "builtins.float" or isinstance(n, cst.BinaryOperation) and isinstance(
                n.operator, (cst.Power, cst.LeftShift)) for n in parts)
        if number.is_integer() and not written_as_float and (strict or all(
                isinstance(n, (cst.Integer, cst.UnaryOperation, cst.BinaryOperation)) for n in parts)):
            return  # a whole number: maybe an index or id tensor, not a float16 one
        if tensor is not None and self.model.float32_by_callers(at, [tensor]):
            return  # `_fill(scores, m)` where every call passes float32 scores
        end = "min" if number < 0 else "max"
        fix = None
        if isinstance(tensor, (cst.Name, cst.Attribute)):  # repeating a longer expression costs
            finfo, imports = self.spell("torch.finfo")
            new = cst.Attribute(value=cst.Call(func=finfo, args=[cst.Arg(cst.Attribute(
                value=tensor, attr=cst.Name("dtype")))]), attr=cst.Name(end))
            fix = Fix(value, new, imports)
        self.report(value, f"{fmt(number)} is beyond the float16 range (max 65504): {effect}; "
                           f"use {self.suggest('limit_of', at, end=end)}", fix, within=at)

    def _number(self, expr: Optional[cst.BaseExpression]) -> Optional[float]:
        """The value of `-1e9`, `NEG`, `float(2**30)`, `-float(1e10)`."""
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
            inner = self._number(expr.expression)
            return None if inner is None else -inner
        if isinstance(expr, cst.Call) and self.model.qualname(expr.func) == "builtins.float" \
                and len(expr.args) == 1 and not expr.args[0].keyword:
            expr = expr.args[0].value
        c = expr is not None and self.model.const(expr)
        return c.value if c else None

    def _wide(self, receiver: Optional[cst.BaseExpression]) -> bool:
        """`x.float()`, `x.to(torch.float32)`, `torch.zeros(n)`, a name bound to one: not a
        float16 tensor."""
        if isinstance(receiver, (cst.Name, cst.Attribute)):
            return self.model.value_range(receiver).wide
        if not isinstance(receiver, cst.Call):
            return False
        func = receiver.func
        dtypes = [self.model.qualname(a.value) for a in receiver.args
                  if a.keyword is None or a.keyword.value == "dtype"]
        if self.model.qualname(func) in _FACTORIES:
            given = [d for d in dtypes if d is not None and d.startswith("torch.")]
            return not any(d in vocab.HALF_DTYPES for d in given)
        if isinstance(func, cst.Attribute):
            if func.attr.value in _WIDE_CASTS and not receiver.args:
                return True
            return func.attr.value in ("to", "type") and any(d in _WIDE_DTYPES for d in dtypes)
        return False


def _parts(expr: cst.CSTNode):
    """The expression and every expression inside it."""
    yield expr
    for child in traverse.children(expr):
        if isinstance(child, cst.BaseExpression):
            yield from _parts(child)
