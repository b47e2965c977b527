"""NAN205: the unbiased std or var of what can be a single element."""
from typing import Optional

import libcst as cst

from .. import ranges
from ..model import keyword
from ..words import PER_BATCH, REGROUPED, REGROUPING_METHODS
from .base import Rule

_OPS = frozenset({"std", "var"})
# Statistics normalised per batch in reinforcement learning (ranges.names_per_batch): a
# last minibatch, a group or an episode of one sample is common.


def _names_of(expr: cst.BaseExpression) -> set[str]:
    return {expr.value} if isinstance(expr, cst.Name) else set()


class UnbiasedStdOfOne(Rule):
    code = "NAN205"
    summary = "unbiased std or var of what can be a single element"
    why = (
        "PyTorch's `std` and `var` divide by n - 1 by default (Bessel's correction): for a "
        "single element that is 0/0 = NaN, and an `+ eps` after the std does not help. "
        "Batches of one happen where statistics are taken per group or per minibatch: "
        "advantages normalised per minibatch (the last one may hold one sample), rewards "
        "grouped into groups of a configurable size (a group of one), a variance over the "
        "positions of a 1x1 feature map. Measured: `torch.tensor([1.0]).std()` is NaN and "
        "`.std(correction=0)` is 0. It reports such statistics where the code shows they are "
        "per batch or per group of a size it does not fix; NumPy, JAX and TensorFlow default "
        "to the population statistic and are not reported.")
    bad = """\
import torch
rewards = torch.tensor([1.5])
out = (rewards - rewards.mean()) / (rewards.std() + 1e-8)
"""
    good = """\
import torch
rewards = torch.tensor([1.5])
out = (rewards - rewards.mean()) / (rewards.std(correction=0) + 1e-8)
"""
    fix = ("Use the population statistic, `x.std(correction=0)` (`unbiased=False` before "
           "PyTorch 2.0), or compute it only where there is more than one element.")
    references = ("torch.std documentation: correction defaults to 1",)
    triggers = (frozenset({"std", "var"}), frozenset({REGROUPED, PER_BATCH}))
    own_triggers = (triggers[0],)  # the std is in the statement; what it is taken of may be bound before it

    def visit_Call(self, node: cst.Call) -> None:
        op = self.model.call_op(node)
        if op is None or op.name not in _OPS or op.subject is None:
            return
        if self.model.framework(node) not in ("", "torch") or self._population(node):
            return
        what = self._few(op.subject, node, op)
        if what is None or not _names_of(op.subject).isdisjoint(self.model.tested()):
            return  # a size test guards it (`if len(adv) > 1:`)
        self.report(node, f"{op.name} of {what} is NaN for a single element (it divides by n - 1); "
                          f"use {op.name}(correction=0) or compute it only for more than one")

    def _population(self, call: cst.Call) -> bool:
        """`correction=0`, `unbiased=False` (or a positional False), `ddof=0`."""
        for name in ("correction", "unbiased", "ddof"):
            value = keyword(call, name)
            if value is not None:
                c = self.model.const(value)
                return (isinstance(value, cst.Name) and value.value == "False") or \
                    (c is not None and c.value == 0)
        return any(a.keyword is None and isinstance(a.value, cst.Name) and a.value.value == "False"
                   for a in call.args)

    def _few(self, subject: cst.BaseExpression, call: cst.Call, op) -> Optional[str]:
        """Why the statistic can be of one element: a group of a size the code does not fix
        (`x.view(-1, group_size).std(1)`), or a per-batch quantity of reinforcement learning."""
        dim = op.arg(1, "dim")
        c = self.model.const(dim) if dim is not None else None
        over_groups = c is not None and c.value in (1, -1)
        value = subject
        for _ in range(4):  # through names: `grouped = rewards.view(-1, g)`
            grouping = self._grouping(value) if over_groups else None
            if grouping is not None:
                return grouping
            value = self.model.bound_value(value)
            if value is None:
                break
        name = subject.value if isinstance(subject, cst.Name) else \
            subject.attr.value if isinstance(subject, cst.Attribute) else ""
        if name and ranges.names_per_batch(name):
            return f"{name}, a per-batch statistic (a minibatch of one)"
        return None

    def _grouping(self, expr: cst.BaseExpression) -> Optional[str]:
        """`x.view(-1, g)`: rows of g elements, the statistic taken along them."""
        if not isinstance(expr, cst.Call) or not isinstance(expr.func, cst.Attribute) or \
                expr.func.attr.value not in REGROUPING_METHODS or len(expr.args) != 2:
            return None
        size = expr.args[-1].value
        c = self.model.const(size)
        if c is not None and c.value >= 2 or _own_last_dim(size, expr.func.value):
            return None
        return f"groups of {self.short(size, 'a configurable size')} (a group of one)"


def _own_last_dim(size: cst.BaseExpression, tensor: cst.BaseExpression) -> bool:
    """`x.reshape(-1, x.size(-1))`, `x.view(-1, x.shape[-1])`: the leading dims flattened,
    the rows as long as x's own last dim, not groups of a size set elsewhere."""
    if isinstance(size, cst.Call) and isinstance(size.func, cst.Attribute) and \
            size.func.attr.value == "size" and len(size.args) == 1:
        owner, index = size.func.value, size.args[0].value
    elif isinstance(size, cst.Subscript) and isinstance(size.value, cst.Attribute) and \
            size.value.attr.value == "shape" and len(size.slice) == 1 and \
            isinstance(size.slice[0].slice, cst.Index):
        owner, index = size.value.value, size.slice[0].slice.value
    else:
        return False
    last = isinstance(index, cst.UnaryOperation) and isinstance(index.expression, cst.Integer) \
        and index.expression.value == "1"
    return last and owner.deep_equals(tensor)
