"""NAN505: a power below 1 of a value that reaches 0: an infinite gradient there."""
from typing import Optional

import libcst as cst

from .. import vocab
from ..words import FRACTION, NAMED_POWER, PROBABILITY, ZERO_REACHING
from .base import Rule

# Bases whose root NAN501 owns: norms and stds written out.
_SUMS_OF_SQUARES = frozenset({"square", "var", "mean", "sum"})


class FractionalPower(Rule):
    code = "NAN505"
    summary = "a power below 1 (or a configurable one) of a value that reaches 0"
    why = (
        "The derivative of `x ** g` is `g * x ** (g - 1)`: for 0 < g < 1 it is infinite at "
        "x = 0, and the backward pass turns it into inf or NaN. Focal losses write "
        "`(1 - p) ** gamma` with p a probability that saturates to 1, so the base is exactly 0 "
        "for confident predictions; with gamma a parameter, any value below 1 (0.5 is a common "
        "choice) does it, and in JAX gamma = 0 gives 0 * inf = NaN as well. Measured: the "
        "gradient of `((1 - torch.sigmoid(x)) ** 0.5).sum()` at x = 40 (where the sigmoid is 1 in "
        "float32) is NaN. A base kept away from 0 "
        "(`.clamp_min(eps)`) is not reported, nor a root of a sum of squares (NAN501).")
    bad = """\
import torch
x = torch.tensor([40.0, 0.0], requires_grad=True)
p = torch.sigmoid(x)
((1 - p) ** 0.5).sum().backward()
out = x.grad
"""
    good = """\
import torch
x = torch.tensor([40.0, 0.0], requires_grad=True)
p = torch.sigmoid(x)
((1 - p).clamp_min(1e-6) ** 0.5).sum().backward()
out = x.grad
"""
    fix = ("Keep the base away from 0 before the power, `(1 - p).clamp_min(eps) ** gamma`, or "
           "restrict gamma to values of at least 1.")
    references = ("torch.pow documentation",)
    # the bases it reports: probabilities (and 1 - p of one), ReLU and abs outputs
    triggers = (frozenset({FRACTION, NAMED_POWER}), frozenset({ZERO_REACHING, PROBABILITY}))
    own_triggers = (triggers[0],)  # the power is in the statement; its base may be bound before it

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Power):
            self._check(node, node.left, node.right)

    def visit_Call(self, node: cst.Call) -> None:
        op = self.model.call_op(node)
        if op is not None and op.name == "pow":
            self._check(node, op.subject, op.arg(1, "exponent"))

    def _check(self, node: cst.CSTNode, base: Optional[cst.BaseExpression],
               exponent: Optional[cst.BaseExpression]) -> None:
        if base is None or exponent is None or self.model.gradient_off() or \
                self.model.framework_of(node) in vocab.NO_AUTOGRAD:
            return
        power = self._below_one(exponent)
        if power is None:
            return
        origin = self.model.origin(base)
        if origin is not None and origin.kind in _SUMS_OF_SQUARES:
            return
        r = self.model.value_range(base)
        if r.positive or r.nonzero or r.constant:
            return
        # a probability, or 1 - p of one (a focal loss), or a ReLU output: values that are
        # exactly 0 in practice; a difference of schedule values is left alone
        reason = r.zero if r.unit or origin is not None and origin.kind in ("relu", "abs") else None
        if not reason:
            return
        text = self.receiver(base, "x")
        self.report(node, f"{text} ** {power}: the gradient of a power below 1 is infinite where "
                          f"the base is 0 ({reason.split(', ', 1)[-1]}); use "
                          f"{self.receiver(base)}.clamp_min(eps) ** {self.short(exponent, 'g')}")

    def _below_one(self, exponent: cst.BaseExpression) -> Optional[str]:
        """The exponent as a message says it, if it is below 1: a literal in [0, 1), or a
        parameter whose default is.  A parameter that defaults to 1 or more (a focal loss's
        gamma = 2) can still be set below 1, and is reported under nan-strict."""
        c = self.model.const(exponent)
        if c is not None and 0 <= c.value < 1:
            return self.short(exponent) if "parameter" not in c.source else \
                f"{self.short(exponent)} (= {c.value:g} by default)"
        if getattr(self.options, "strict", False) and isinstance(exponent, (cst.Name, cst.Attribute)) \
                and (c is None or "parameter" in c.source):
            return f"{self.short(exponent)} (a parameter, which may be set below 1)"
        return None
