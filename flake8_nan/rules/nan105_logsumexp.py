"""NAN105: `log(sum(exp(x)))` and `exp(x) / sum(exp(x))` written by hand."""
from typing import Optional

import libcst as cst

from .. import vocab
from ..words import DIVISION
from .base import Example, Rule

_EXP = vocab.NATURAL_EXP
# exp of these cannot overflow: the argument is <= 0, or bounded by the user.
_BOUNDED = frozenset({"log_softmax", "log", "clamp", "clamp_min"})


class LogSumExp(Rule):
    code = "NAN105"
    summary = "log-sum-exp or softmax written by hand"
    why = (
        "`torch.exp` overflows to inf for x above 88.7 in float32 (above 11.1 in float16), "
        "so `log(sum(exp(x)))` is inf and a hand-written softmax `exp(x) / exp(x).sum()` is "
        "inf / inf = NaN. Measured with x = [1000., 0.]: `torch.log(torch.exp(x).sum())` is "
        "inf and the hand-written softmax is [nan, 0], while `torch.logsumexp(x, 0)` is 1000 "
        "and `torch.softmax(x, 0)` is [1, 0]: both subtract the maximum before the exp. "
        "Subtracting one maximum for the whole batch (`x - x.max()`) before a sum over a "
        "dim is not the same: a row far below that maximum (200 below in float32) "
        "underflows to a sum of 0 and its log is -inf.")
    bad = """\
import torch
x = torch.tensor([1000.0, 0.0])
e = torch.exp(x)
out = torch.cat([e / e.sum(-1, keepdim=True), torch.log(e.sum(-1, keepdim=True))])
"""
    good = """\
import torch
x = torch.tensor([1000.0, 0.0])
out = torch.cat([torch.softmax(x, -1), torch.logsumexp(x, -1, keepdim=True)])
"""
    more = (Example("shifted by the maximum of the whole batch", """\
import torch
x = torch.tensor([[0.0, 1.0], [-200.0, -201.0]])
x_max = x.max()
out = torch.log(torch.exp(x - x_max).sum(1))
""", """\
import torch
x = torch.tensor([[0.0, 1.0], [-200.0, -201.0]])
out = torch.logsumexp(x, 1)
"""), Example("a log-sum-exp across terms", """\
import torch
pos = torch.tensor([100.0])
neg = torch.tensor([1.0, 2.0])
out = torch.log(torch.exp(pos).sum() + torch.exp(neg).sum() + 1e-6)
""", """\
import torch
pos = torch.tensor([100.0])
neg = torch.tensor([1.0, 2.0])
out = torch.logsumexp(torch.cat([pos, neg]), 0)
"""))
    fix = ("`torch.log(torch.exp(x).sum(dim))` -> `torch.logsumexp(x, dim)`; "
           "`torch.exp(x) / torch.exp(x).sum(dim, keepdim=True)` -> `torch.softmax(x, dim)`; "
           "its log -> `F.log_softmax(x, dim)`.")
    fix_safety = None  # guidance only: no automatic rewrite yet
    references = ("torch.logsumexp documentation: numerically stabilized",
                  "torch.nn.functional.softmax documentation")
    # reported on the log of the sum, or on the division by it
    triggers = (frozenset({"exp"}), frozenset({"sum"}),
                frozenset({*vocab.LOG_OPS, DIVISION, "div", "div_", "divide", "true_divide"}))

    def __init__(self, model, options) -> None:
        super().__init__(model, options)
        self.inside_log: set[int] = set()  # divisions already reported as a log argument

    def visit_Call(self, node: cst.Call) -> None:
        op = self.model.call_op(node)
        if op is None or op.subject is None:
            return
        if op.name == "div":
            found = self._softmax(op.subject, op.arg(1, "other"))
            if found is not None:
                self.report(node, self._softmax_message(node, *found))
        if op.name != "log":
            return
        origin = self.model.origin(op.subject)
        if origin is not None and origin.kind == "sum":
            total = self.model.call_op(origin.node)
            x = self._raw_exp(total.subject) if total is not None and total.subject else None
            if x is not None:
                use = self.suggest("logsumexp", node, x=x[1], dim=total.arg(1, "dim"))
                self.report(node, "log(sum(exp(x))) is inf once exp(x) overflows (x > 88.7 in "
                                  f"float32); use {use}")
            elif total is not None and total.subject and total.arg(1, "dim") is not None:
                x = self._global_shift(total.subject)
                if x is not None:
                    use = self.suggest("logsumexp", node, x=x, dim=total.arg(1, "dim"))
                    self.report(node, "log(sum(exp(x - x.max()), dim)) shifts every row by the "
                                      "largest value of all: a row far below it underflows to a "
                                      f"sum of 0 and its log is -inf; use {use}")
            return
        arg = op.subject
        if self._sums_of_exps(arg):
            self.report(node, "log of a sum of exp(x) terms is inf once one of them overflows "
                              "(x > 88.7 in float32); take torch.logsumexp of the terms "
                              "together (torch.logsumexp(torch.cat([a, b], dim), dim))")
            return
        if isinstance(arg, cst.BinaryOperation) and isinstance(arg.operator, cst.Divide):
            found = self._softmax(arg.left, arg.right)
            if found is not None:
                self.inside_log.add(id(arg))
                use = self.suggest("log_softmax", node, x=found[0], dim=found[1])
                self.report(node, "log of a hand-written softmax is NaN once exp(x) overflows "
                                  f"(x > 88.7 in float32); use {use}")

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Divide) and id(node) not in self.inside_log:
            found = self._softmax(node.left, node.right)
            if found is not None:
                self.report(node, self._softmax_message(node, *found))

    def _softmax_message(self, node: cst.CSTNode, x: str, dim: str) -> str:
        return ("hand-written softmax: exp(x) is inf for x > 88.7 in float32 and inf / inf is "
                f"NaN; use {self.suggest('softmax', node, x=x, dim=dim)}")

    def _softmax(self, numerator, denominator) -> Optional[tuple[str, str]]:
        """(x, dim) when numerator is exp(x) and denominator its sum (plus anything)."""
        top = self._raw_exp(numerator)
        if top is None or denominator is None:
            return None
        terms = [denominator]
        if isinstance(denominator, cst.BinaryOperation) and isinstance(denominator.operator, cst.Add):
            terms = [denominator.left, denominator.right]
        for term in terms:
            origin = self.model.origin(term)
            if origin is None or origin.kind != "sum":
                continue
            total = self.model.call_op(origin.node)
            bottom = self._raw_exp(total.subject) if total is not None and total.subject else None
            if bottom is not None and (bottom[0] is top[0] or self._code(bottom[1]) == self._code(top[1])):
                dim = total.arg(1, "dim")
                return self.short(top[1]), self.short(dim, "...") if dim else "..."
        return None

    def _raw_exp(self, expr) -> Optional[tuple[cst.Call, cst.BaseExpression]]:
        """(the exp call, its argument) when expr is a natural exp that can overflow."""
        origin = self.model.origin(expr)
        if origin is None or origin.kind != "exp" or not isinstance(origin.node, cst.Call):
            return None
        op = self.model.call_op(origin.node)
        func = origin.node.func
        natural = op.method and func.attr.value == "exp" or self.model.qualname(func) in _EXP
        x = op.subject
        if not natural or x is None:
            return None
        shifted = self.model.bound_value(x) if isinstance(x, cst.Name) else x
        if isinstance(shifted, cst.BinaryOperation) and isinstance(shifted.operator, cst.Subtract) \
                or self.model.value_range(x).capped:
            return None  # exp(x - max) is the stable form, or something like it
        inner = self.model.origin(x)
        if inner is not None and inner.kind in _BOUNDED or _never_positive(self.model, x):
            return None
        return origin.node, x

    def _sums_of_exps(self, expr) -> bool:
        """`e1.sum() + e2.sum() + eps` with e1 and e2 raw exps: a log-sum-exp across terms."""
        terms, found = [expr], 0
        for _ in range(8):  # a few terms at most
            if not terms:
                break
            term = terms.pop()
            if isinstance(term, cst.BinaryOperation) and isinstance(term.operator, cst.Add):
                terms += [term.left, term.right]
                continue
            origin = self.model.origin(term)
            total = self.model.call_op(origin.node) if origin is not None and origin.kind == "sum" else None
            if total is not None and total.subject is not None and self._raw_exp(total.subject):
                found += 1
            elif self.model.const(term) is None:
                return False
        return found >= 2 and not terms

    def _global_shift(self, expr) -> Optional[cst.BaseExpression]:
        """x in `exp(x - m)` where m is the maximum of all of x (`x.max()`, `x.data.max()`,
        no dim): the shift of the stable form, but one for the whole tensor."""
        origin = self.model.origin(expr)
        op = self.model.call_op(origin.node) if origin is not None and origin.kind == "exp" \
            and isinstance(origin.node, cst.Call) else None
        arg = op.subject if op is not None else None
        if not isinstance(arg, cst.BinaryOperation) or not isinstance(arg.operator, cst.Subtract):
            return None
        shift = self.model.bound_value(arg.right) if isinstance(arg.right, cst.Name) else arg.right
        top = self.model.call_op(shift) if shift is not None else None
        if top is None or top.name not in ("max", "amax") or top.subject is None or \
                len(top.args) > 0 and top.arg(1, "dim") is not None:
            return None
        seen = top.subject.value if isinstance(top.subject, cst.Attribute) and \
            top.subject.attr.value == "data" else top.subject
        return arg.left if self.model.unwrapped(seen).deep_equals(self.model.unwrapped(arg.left)) else None

    def _code(self, node: cst.CSTNode) -> str:
        return " ".join(cst.Module(body=[]).code_for_node(node).split())


def _never_positive(model, x) -> bool:
    """An exponent that is never above 0 cannot overflow: `-0.5 * (d / sigma) ** 2` (a
    Gaussian kernel), `-d.abs()`, `-(a - b).pow(2).sum()`: a negated value that is a
    square, an absolute value, a norm, or a positive number times one."""
    sign, value = 1, x
    for _ in range(8):  # a few factors and negations at most
        if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
            sign, value = -sign, value.expression
        elif isinstance(value, cst.BinaryOperation) and \
                isinstance(value.operator, (cst.Multiply, cst.Divide)):
            left = model.const(value.left)
            right = model.const(value.right)
            if left is not None:
                sign, value = sign * (1 if left.value > 0 else -1), value.right
            elif right is not None:
                sign, value = sign * (1 if right.value > 0 else -1), value.left
            else:
                break
        else:
            break
    if sign > 0:
        return False
    r = model.value_range(value)
    origin = model.origin(value)
    return r.positive or origin is not None and origin.kind in ("square", "abs", "norm", "relu") or \
        bool(r.zero) and not r.negative and origin is not None and origin.kind != "difference"
