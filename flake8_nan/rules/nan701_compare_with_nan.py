"""NAN701: a value compared with NaN by `==`, `!=`, `is` or `in`."""
import libcst as cst

from .. import vocab
from ..words import NAN_TEXT
from .base import Fix, Rule

_OUTCOME = {
    cst.Equal: "is always False",
    cst.NotEqual: "is always True",
    cst.Is: "is True only for this very NaN object, never for a NaN that was computed",
    cst.IsNot: "is False only for this very NaN object, never for a NaN that was computed",
    cst.In: "finds only this very NaN object, never a NaN that was computed",
    cst.NotIn: "finds only this very NaN object, never a NaN that was computed",
}


class CompareWithNan(Rule):
    code = "NAN701"
    summary = "comparison with NaN by value (`x == float('nan')`)"
    why = (
        "NaN is unequal to everything, itself included: `x == float('nan')` is False and "
        "`x != torch.nan` is True for every x, so a NaN check written that way never fires "
        "(and a tensor comparison is all False). `is` and `in` compare object identity first: "
        "they match `math.nan` only when x is that same object, so a NaN that a computation "
        "produced is missed. Measured: `torch.tensor([nan, 1.]) == float('nan')` is "
        "[False, False], `torch.isnan` of it is [True, False].")
    claim = "differs"
    bad = """\
import torch
loss = torch.tensor([float("nan"), 1.0])
ref = torch.isnan(loss)
out = loss == float("nan")
"""
    good = """\
import torch
loss = torch.tensor([float("nan"), 1.0])
ref = torch.isnan(loss)
out = torch.isnan(loss)
"""
    fix = "`x == nan` -> `torch.isnan(x)` for tensors, `math.isnan(x)` for floats; `!=` -> `~`/`not`."
    fix_safety = "safe"
    references = ("IEEE 754: NaN compares unequal to every value, itself included",
                  "torch.isnan documentation", "math.isnan documentation")
    triggers = (frozenset({"nan", "NaN", "NAN", NAN_TEXT}),)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        left = node.left
        for target in node.comparisons:
            op, right = target.operator, target.comparator
            outcome = _OUTCOME.get(type(op))
            if outcome is not None:
                if isinstance(op, (cst.In, cst.NotIn)):
                    nan = self._contains_nan(right)
                    value = left
                elif self._is_nan(right):
                    nan, value = True, left
                else:
                    nan, value = self._is_nan(left), right
                if nan:
                    x = self.short(value)
                    t, f = ("~", "not ") if isinstance(op, (cst.NotEqual, cst.IsNot, cst.NotIn)) else ("", "")
                    self.report(node, f"comparing with NaN {outcome}; use "
                                      f"{t}{self.suggest('isnan', node, x=x)} or {f}math.isnan({x}) "
                                      "(floats)",
                                self._fix(node, op, value))
                    return
            left = right

    def _fix(self, node: cst.Comparison, op, value):
        """`x == nan` -> `torch.isnan(x)` when x is known to be a tensor (an op's output);
        torch.isnan would raise on a Python float."""
        if len(node.comparisons) != 1 or not isinstance(op, (cst.Equal, cst.NotEqual)) \
                or self.model.origin(value) is None or self.model.call_op(value) is None \
                and not isinstance(value, (cst.Name, cst.Attribute, cst.Subscript)):
            return None
        func, imports = self.spell("torch.isnan")
        test = cst.Call(func=func, args=[cst.Arg(value.with_changes(lpar=[], rpar=[])
                                                 if getattr(value, "lpar", None) else value)])
        if isinstance(op, cst.NotEqual):
            test = cst.UnaryOperation(operator=cst.BitInvert(), expression=test)
        return Fix(node, test.with_changes(lpar=node.lpar, rpar=node.rpar), imports)

    def _is_nan(self, expr) -> bool:
        if self.model.qualname(expr) in vocab.NAN_CONSTANTS:
            return True
        origin = self.model.origin(expr)
        return origin is not None and origin.kind == "nan"

    def _contains_nan(self, expr) -> bool:
        return isinstance(expr, (cst.Tuple, cst.List, cst.Set)) and \
            any(self._is_nan(el.value) for el in expr.elements)
