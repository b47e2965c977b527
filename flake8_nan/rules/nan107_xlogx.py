"""NAN107: x * log(x) written by hand, NaN where x is exactly 0."""
from typing import Iterator

import libcst as cst

from .. import vocab
from ..words import ARRAY_LOG
from ..model import Model
from .base import Rule


def xlogx_parts(model: Model, node: cst.CSTNode) -> Iterator[tuple[cst.BaseExpression, cst.Call,
                                                                   cst.BaseExpression]]:
    """(x, the log call, its argument) for each `x * log(x)`, `x * log(x / q)` and
    `x * (log(x) - log(q))` that `node` writes (either order of the factors)."""
    if not isinstance(node, cst.BinaryOperation) or not isinstance(node.operator, cst.Multiply):
        return
    for factor, other in ((node.left, node.right), (node.right, node.left)):
        for log in _logs(model, other):
            op = model.call_op(log)
            arg = op.subject
            head = arg.left if isinstance(arg, cst.BinaryOperation) and isinstance(
                arg.operator, cst.Divide) else arg
            if head is not None and model.unwrapped(head).deep_equals(model.unwrapped(factor)):
                yield factor, log, arg


def _logs(model: Model, expr: cst.BaseExpression) -> list:
    """The log calls `expr` is: a log, or the first term of a difference of logs."""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Subtract):
        expr = expr.left
    op = model.call_op(expr)
    return [expr] if op is not None and op.name in vocab.LOG_OPS and op.subject is not None else []


class DefersToXlogx:
    """For rules about logs: a log inside `x * log(x)` is NAN107's report."""

    def left_to_xlogx(self, node: cst.CSTNode) -> bool:
        """Whether NAN107 owns the log `node`; call it from `visit_BinaryOperation` too, so
        that each product is noted before the logs inside it are visited."""
        owned = self.__dict__.setdefault("_xlogx_owned", set())
        owned.update(id(log) for x, log, arg in xlogx_parts(self.model, node)
                     if not _guarded(self.model, x, arg))
        return id(node) in owned


def _guarded(model: Model, x: cst.BaseExpression, arg: cst.BaseExpression) -> bool:
    """A log argument kept positive, an x known not to be 0 (`if p == 0: return ...` before),
    or a softmax or sigmoid (NAN102 and NAN103 say to take its log with log_softmax or
    logsigmoid, which removes the -inf)."""
    r, rx = model.value_range(arg), model.value_range(x)
    origin = model.origin(arg)
    return r.positive or r.nonzero or rx.positive or rx.nonzero or \
        origin is not None and origin.kind in ("softmax", "sigmoid")


class XLogX(DefersToXlogx, Rule):
    code = "NAN107"
    summary = "x * log(x) written by hand: 0 * -inf is NaN where x is 0"
    why = (
        "An entropy, a KL divergence or an information content written as `p * log(p)` or "
        "`p * log(p / q)` multiplies `log(0) = -inf` by `0` wherever p is exactly 0, and "
        "`0 * -inf` is NaN: a one-hot or label-smoothed target, a probability that underflowed, "
        "an empty histogram bin. One such entry makes the whole sum NaN, in the forward pass. "
        "The mathematical limit of x log x at 0 is 0, which is what `torch.special.xlogy(x, y)` "
        "returns where x is 0 (and `torch.special.entr(p)` is `-p * log(p)` with the same "
        "convention). A log argument that is kept positive (`p.clamp_min(eps)`, `p + eps`) is "
        "not reported.")
    bad = """\
import torch
p = torch.tensor([1.0, 0.0])
q = torch.tensor([0.5, 0.5])
out = (p * torch.log(p / q)).sum()
"""
    good = """\
import torch
p = torch.tensor([1.0, 0.0])
q = torch.tensor([0.5, 0.5])
out = torch.special.xlogy(p, p / q).sum()
"""
    fix = ("Use `torch.special.xlogy(x, y)` for `x * log(y)` (0 where x is 0), or "
           "`torch.special.entr(p)` for `-p * log(p)`; for a KL divergence, "
           "`F.kl_div(q.log(), p, reduction=...)`.")
    references = ("torch.special.xlogy documentation: 0 where x == 0",
                  "torch.special.entr documentation")
    triggers = (frozenset({ARRAY_LOG}),)  # Python's math.log raises, and is not read

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        self.left_to_xlogx(node)
        for x, log, arg in xlogx_parts(self.model, node):
            if _guarded(self.model, x, arg):
                continue
            bare = arg.with_changes(lpar=[], rpar=[]) if getattr(arg, "lpar", None) else arg
            use = self.suggest("xlogy", node, x=x, y=bare)
            name = self.model.call_op(log).name
            self.report(node, f"{self.short(x)} * {name}({self.short(bare, 'x')}) is 0 * -inf = NaN "
                              f"wherever {self.short(x)} is exactly 0 (a one-hot target, an "
                              f"underflowed probability); use {use}")
            return
