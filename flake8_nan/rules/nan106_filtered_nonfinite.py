"""NAN106: NaN/inf filtered out of a log or a division after the fact."""
from typing import Optional

import libcst as cst

from .. import vocab
from ..words import DIVISION, SELF_COMPARE
from .base import Rule

# Origins whose value is computed from their operand(s) elementwise or by a
# reduction: a NaN/inf in the operand is one in the result.
_CARRIED = frozenset({"sum", "mean", "nanmean", "max", "amax", "abs"})


class FilteredNonFinite(Rule):
    code = "NAN106"
    summary = "NaN/inf of a log or division filtered after the fact instead of prevented"
    why = (
        "`torch.nan_to_num(torch.log(p))`, `torch.where(torch.isinf(y), 0, y)` and "
        "`y[~torch.isinf(y)]` clean the forward value only. The backward pass still goes "
        "through the log or the division: the filter sends a zero gradient to the masked "
        "entry, and the log multiplies it by its derivative 1/0 = inf, and 0 * inf is NaN. "
        "Measured with p = [0, 0.5]: the filtered loss is finite and p.grad is [nan, 2]; "
        "with `torch.log(p.clamp_min(1e-6))` p.grad is [0, 2]. Not reported where no gradient "
        "is taken: under `torch.no_grad()` or `inference_mode()`, in a helper the module "
        "calls only there, in inference code (a function named for prediction, post-processing, "
        "tracking or generation, a metric or tracker class), in a module's `__init__`, and "
        "for NumPy.")
    bad = """\
import torch
p = torch.tensor([0.0, 0.5], requires_grad=True)
logp = torch.log(p)
torch.nan_to_num(logp, neginf=0.0).sum().backward()
out = p.grad
"""
    good = """\
import torch
p = torch.tensor([0.0, 0.5], requires_grad=True)
logp = torch.log(p.clamp_min(1e-6))
logp.sum().backward()
out = p.grad
"""
    fix = ("Prevent the NaN/inf where it is made: clamp the log argument "
           "(`torch.log(p.clamp_min(eps))`), clamp the denominator (`d.clamp_min(eps)`), or "
           "use the stable function (`log_softmax`, `logsigmoid`, `log1p`). If entries must "
           "be excluded, exclude them from the input, before the log or the division.")
    references = ("pytorch/pytorch#52248 (torch.where leads to unexpected gradients: "
                  "masking the non-finite entries of f(x) does not mask their NaN gradient)",
                  "torch.nan_to_num documentation")
    triggers = (frozenset({"nan_to_num", "nan_to_num_", *vocab.NONFINITE_TESTS, SELF_COMPARE}),
                frozenset({*vocab.LOG_OPS, DIVISION, "div", "div_", "divide", "true_divide"}))

    def visit_Call(self, node: cst.Call) -> None:
        op = self.model.call_op(node)
        if op is None or self.model.gradient_off():
            return
        if op.name == "nan_to_num":
            self._check(node, op.subject, "nan_to_num")
        elif op.name == "where":
            self._check(node, self._tested(op.arg(0, "condition")), self.suggest("where", node))
        elif op.name == "masked_fill":
            self._check(node, self._tested(op.arg(1, "mask")), "masked_fill")

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if len(node.slice) == 1 and not self.model.gradient_off() and \
                isinstance(node.slice[0].slice, cst.Index):
            index = node.slice[0].slice.value
            self._check(node, self._tested(index), "indexing", self._self_compare(index))

    def _check(self, node: cst.CSTNode, value, how: str, untyped: bool = False) -> None:
        """`untyped`: the only test is `y != y`, which numpy arrays and floats pass too;
        a division is then not known to be a tensor's, and stays unreported."""
        if value is not None and self.model.value_range(value).constant:
            return  # computed where no gradient is taken (`with torch.no_grad():` before)
        source = self._source(value, 0) if value is not None else None
        if source is None or (untyped and source[0] == "a division"):
            return
        if self.model.framework_of(node) in vocab.NO_AUTOGRAD:
            return  # filtering NumPy's forward values is all there is to do
        what, fix = source
        self.report(node, f"{how} hides the NaN/inf of {what} in the forward pass only: the "
                          f"gradient is still NaN; prevent it instead: {fix}")

    def _self_compare(self, cond) -> bool:
        while isinstance(cond, cst.UnaryOperation):
            cond = cond.expression
        return isinstance(cond, cst.Comparison)

    def _tested(self, cond) -> Optional[cst.BaseExpression]:
        """y in `torch.isinf(y)`, `~y.isnan()`, `y != y`, `a | torch.isnan(y)`, `bad`."""
        if cond is None:
            return None
        if isinstance(cond, cst.UnaryOperation) and isinstance(cond.operator, (cst.BitInvert, cst.Not)):
            return self._tested(cond.expression)
        if isinstance(cond, cst.BinaryOperation) and isinstance(cond.operator, (cst.BitOr, cst.BitAnd)):
            return self._tested(cond.left) or self._tested(cond.right)
        if isinstance(cond, cst.Comparison) and len(cond.comparisons) == 1 and isinstance(
                cond.comparisons[0].operator, (cst.Equal, cst.NotEqual)):
            code = cst.Module(body=[]).code_for_node
            if code(cond.left).strip() == code(cond.comparisons[0].comparator).strip():
                return cond.left
            return None
        test = self.model.call_op(cond)
        if test is None:
            origin = self.model.origin(cond) if isinstance(cond, (cst.Name, cst.Attribute)) else None
            test = origin and origin.kind in vocab.NONFINITE_TESTS and self.model.call_op(origin.node)
        return test.subject if test and test.name in vocab.NONFINITE_TESTS else None

    def _source(self, expr, depth: int) -> Optional[tuple[str, str]]:
        """(what, fix) when expr is computed from a log of a value that can be 0 or a
        division by a value that can be 0."""
        if depth > 10 or expr is None:
            return None
        origin = self.model.origin(expr)
        node = origin.node if origin is not None else None
        if node is None:
            return None
        kind = origin.kind
        if kind == "log":
            op = self.model.call_op(node)
            arg = op.subject if op is not None else None
            if arg is not None and not self.model.positive(arg):
                guarded = self.suggest("clamp_min", node, x=arg, floor="eps")
                return "a log", self.suggest("log", node, op=op.name, x=guarded)
            return None
        if kind == "div":
            if isinstance(node, cst.BinaryOperation):
                num, den = node.left, node.right
            else:
                op = self.model.call_op(node)
                num, den = (op.subject, op.arg(1, "other")) if op is not None else (None, None)
            if den is not None and not self.model.positive(den) and \
                    not self.model.value_range(den).nonzero:  # (`torch.where(d == 0, 1, d)`)
                return "a division", f"divide by {self.suggest('clamp_min', node, x=den, floor='eps')}"
            return self._source(num, depth + 1)
        if kind in ("arith", "one_minus"):
            if isinstance(node, cst.BinaryOperation):
                return self._source(node.left, depth + 1) or self._source(node.right, depth + 1)
            if isinstance(node, cst.UnaryOperation):
                return self._source(node.expression, depth + 1)
            return None
        if kind in _CARRIED:
            op = self.model.call_op(node)
            return self._source(op.subject, depth + 1) if op is not None else None
        return None
