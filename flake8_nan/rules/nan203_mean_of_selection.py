"""NAN203: mean/std/var of a boolean selection that can be empty."""
from typing import Optional

import libcst as cst

from .. import traverse, vocab
from ..words import REDUCED_SELECTION
from .base import Rule

_REDUCTIONS = {"mean": "mean", "nanmean": "mean", "std": "std", "var": "var"}
_BOOLEAN = frozenset({"bool", *vocab.NONFINITE_TESTS})


class MeanOfSelection(Rule):
    code = "NAN203"
    summary = "mean/std/var of a boolean selection that can be empty"
    why = (
        "`x[mask]` is empty when the mask selects nothing (a batch without positives, all "
        "labels -100, no valid pixel), and the mean of an empty tensor is NaN, in the loss "
        "and in every gradient. The std and var (unbiased by default) are NaN already for "
        "one selected element. Measured: `x[torch.tensor([False, False])].mean()` and "
        "`.std()` are NaN, `x[torch.tensor([True, False])].std()` is NaN, and "
        "`(x * m).sum() / m.sum().clamp_min(1)` is 0. Not reported where the mask is tested "
        "first (`if m.any():`), nor where the function then tests the result for NaN "
        "(`v = x[m].mean()` and `if not np.isnan(v):`), which handles the empty case, nor "
        "where the mask is made from sequence lengths (`length_to_mask(lens).bool()`): it "
        "holds each sequence's first positions and is empty only for a sequence of length 0. "
        "Nor is a mean over the values that are numbers, `x[~torch.isnan(x)].mean()`: it is "
        "NaN only where every value is, where `x.mean()` is NaN too (a std of them is "
        "reported: it is NaN where a single one is a number), nor the mean of a group that "
        "`torch.unique` found, `x[y == c].mean()` in `for c in torch.unique(y):`, which "
        "holds at least one element (its std is reported: a group may hold one).")
    bad = """\
import torch
loss = torch.tensor([0.5, 1.5])
labels = torch.tensor([-100, -100])
out = loss[labels != -100].mean()
"""
    good = """\
import torch
loss = torch.tensor([0.5, 1.5])
labels = torch.tensor([-100, -100])
mask = labels != -100
out = (loss * mask).sum() / mask.sum().clamp_min(1)
"""
    fix = ("Average with the mask instead of selecting: `(x * m).sum() / m.sum().clamp_min(1)` "
           "(x and m of the same shape). For std/var, compute them only when `m.sum() > 1`. "
           "An empty selection then gives 0, so the fix is not applied automatically.")
    fix_safety = None  # guidance only: no automatic rewrite yet
    references = ("torch.mean documentation", "torch.std documentation: correction (Bessel's "
                                               "correction, 1 by default)")
    triggers = (frozenset({"mean", "nanmean", "std", "var"}), frozenset({REDUCED_SELECTION, "masked_select"}))
    own_triggers = (triggers[0],)  # the mean is in the statement; the selection may be bound before it

    companions = vocab.NONFINITE_FILTERS  # the test of the result for NaN/inf comes later

    def __init__(self, model, options) -> None:
        super().__init__(model, options)
        # Per function: the names that an `if`, a conditional expression or an `assert`
        # has tested so far.  `x[m].mean() if m.any() else 0` and an early
        # `if not m.any(): return` are guards this rule cannot judge: it stays silent.
        self.tested: list[set[str]] = [set()]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.tested.append(set())

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.tested.pop()

    def _test(self, node) -> None:
        for name in _names(node.test):
            fact = self.model.lookup(name)  # imports, builtins and `self` say nothing of a mask
            if fact is None or fact.qualname is None and (
                    fact.origin is None or fact.origin.kind != "self"):
                self.tested[-1].add(name)

    visit_If = visit_IfExp = visit_While = visit_Assert = _test

    def visit_Call(self, node: cst.Call) -> None:
        op = self.model.call_op(node)
        if op is None or op.name not in _REDUCTIONS or op.subject is None:
            return
        found = self._selection(op.subject)
        if found is None or _names(found[1]) & self.tested[-1]:
            return
        x, m = found
        if _REDUCTIONS[op.name] == "mean" and self.model.group_mask(m):
            return  # the values of group c of y, one c of torch.unique(y): never empty
        if _REDUCTIONS[op.name] == "mean" and self._numbers_of(x, m):
            return  # `x[~torch.isnan(x)].mean()` is NaN only where every value is (a std
            # of them is NaN already where one is a number)
        # `v = x[m].mean()` then `if not np.isnan(v)`: the empty case is handled
        named = self.model.assigned_name()
        if _REDUCTIONS[op.name] == "mean":
            self.report_unless_tested(named, node, "mean of a boolean selection is NaN when the "
                                      "mask selects nothing; use "
                                      f"{self.suggest('masked_mean', node, x=x, m=m)}")
        else:
            self.report_unless_tested(named, node, f"{op.name} of a boolean selection is NaN "
                                      "when the mask selects fewer than 2 elements; compute it "
                                      f"only where {self.suggest('count', node, m=m)} > 1")

    def leave_Module(self, node: cst.Module) -> None:
        self.flush_untested()

    def _selection(self, expr) -> Optional[tuple[cst.BaseExpression, cst.BaseExpression]]:
        """(values, mask) of `x[mask]`, `x.masked_select(mask)` (through shape methods)."""
        while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and \
                expr.func.attr.value in vocab.SHAPE_METHODS:
            expr = expr.func.value
        if isinstance(expr, cst.Subscript):
            if len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
                index = expr.slice[0].slice.value
                if self._boolean(index) and not self.model.length_mask(index):
                    return expr.value, index
            return None
        select = self.model.call_op(expr)
        if select is None and isinstance(expr, (cst.Name, cst.Attribute)):
            origin = self.model.origin(expr)
            if origin is not None and origin.kind == "masked_select":
                select = self.model.call_op(origin.node)
        if select is not None and select.name == "masked_select":
            mask = select.arg(1, "mask")
            # held to the evidence an index needs: a mask of unknown making may be one
            # that cannot be empty (the valid cells of a whole batch)
            if select.subject is not None and mask is not None and self._boolean(mask) and \
                    not self.model.length_mask(mask):
                return select.subject, mask
        return None

    def _numbers_of(self, x, mask) -> bool:
        """`~torch.isnan(x)` or `torch.isfinite(x)` (or a name bound to one) of the `x` it
        selects from: empty only where no value of x is a number."""
        if isinstance(mask, cst.Name):
            mask = self.model.bound_value(mask) or mask
        kept = True
        if isinstance(mask, cst.UnaryOperation) and isinstance(mask.operator, (cst.BitInvert, cst.Not)):
            kept, mask = False, mask.expression
        op = self.model.call_op(mask)
        if op is None or op.subject is None or (op.name, kept) not in (("isnan", False),
                                                                         ("isfinite", True)):
            return False
        return self.model.unwrapped(op.subject).deep_equals(self.model.unwrapped(x))

    def _boolean(self, index) -> bool:
        if isinstance(index, cst.Call) and isinstance(index.func, cst.Attribute) and \
                index.func.attr.value == "bool" and not index.args:
            return True
        origin = self.model.origin(index)
        if origin is not None:
            return origin.kind in _BOOLEAN
        # A name that says "mask" and of no known origin: a tensor indexed by its mask is
        # a boolean selection (an integer 0/1 tensor as index would gather rows 0 and 1,
        # which no `x[mask].mean()` means).  Tokenizer attention masks are int64, so
        # those are not taken as evidence.
        name = index.value if isinstance(index, cst.Name) else \
            index.attr.value if isinstance(index, cst.Attribute) else ""
        name = name.lower()
        return name.endswith("mask") and "attention" not in name


def _names(node: cst.CSTNode) -> set[str]:
    """The identifiers in an expression (`self.mask` gives "self" and "mask")."""
    names, todo = set(), [node]
    while todo:
        n = todo.pop()
        if isinstance(n, cst.Name):
            names.add(n.value)
        todo.extend(traverse.children(n))
    return names
