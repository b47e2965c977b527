"""NAN108: a per-element loss multiplied by a 0/1 mask and reduced: NaN * 0 is NaN."""
import re
from typing import Optional

import libcst as cst

from ..model import keyword
from ..words import MASKING
from .base import Rule

_REDUCTIONS = frozenset({"sum", "mean"})
_CASTS = frozenset({"float", "half", "double", "to", "type", "type_as"})
_LOSS_NAME = re.compile(r"(?:^|_)(?:loss|losses|nll)(?:$|_)", re.I)
# `loss_weight`, `kpt_loss_factor`: what scales a loss, not one
_SCALE_NAME = re.compile(r"_(?:weights?|factors?|scales?|coef\w*)$", re.I)
# Values that hold no NaN or inf of their own making, or that were selected already.
_SETTLED = frozenset({"bool", "count", "const", "masked_fill", "where", "nan_to_num", "softmax",
                      "sigmoid", "cosine", "unit", "cosine_product", "ones", "zeros", "arange"})
# Loss functions that keep one value per element under reduction="none".
_LOSSES = frozenset({"cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits",
                     "kl_div", "nll_loss", "l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss",
                     "poisson_nll_loss", "gaussian_nll_loss", "soft_margin_loss"})


class MaskedByMultiplication(Rule):
    code = "NAN108"
    summary = "a per-element loss multiplied by a 0/1 mask and reduced: NaN * 0 is NaN"
    default_enabled = False
    why = (
        "Multiplying by a 0/1 mask does not remove what sits at the masked positions: "
        "`NaN * 0` and `inf * 0` are NaN, so one NaN or inf where the mask is 0 (a padded "
        "token, a missing target in weather or sensor data, garbage in an excluded row, a "
        "log-probability of -inf) makes the sum or mean of `loss * mask` NaN: the loss "
        "logged, and every check that skips or stops a step on a NaN loss. `torch.where(mask, "
        "loss, 0)` and `loss.masked_fill(~mask, 0)` select instead: the masked positions give "
        "exactly 0 whatever they hold, and a NaN inside the mask still shows. Neither changes "
        "the gradient, which is 0 times the local derivative at a masked position either way "
        "(NaN where that derivative is inf, a log at 0): for that, replace the input there "
        "before the loss is computed."
        " Where it is selected it reports the product of a mask (a name `mask` or `*_mask`, a "
        "comparison, `~x`, cast to float or not) with a per-element loss (a name `loss`, "
        "`losses`, `nll` or `*_loss`, not `loss_weight`; a loss function called with "
        "`reduction=\"none\"`; an error `(pred - target).abs()` or `** 2`, reduced along a "
        "dimension or not) whose sum or mean is taken, directly or through the name the "
        "product is bound to. Under `--nan-strict` it reports any value so masked and reduced "
        "but masks, numbers and values selected or bounded already (a where, a masked_fill, a "
        "softmax). Off by default: a loss holds a NaN or inf at a masked position only where "
        "the data or the model puts one there, which the code rarely shows; on the ten judged "
        "corpora its 16 reports were none of them real (15 safe: losses of finite pixels, "
        "features or logits under random patch masks, padding or quantizer dropout; 1 "
        "debatable).")
    bad = """\
import torch
loss = torch.tensor([0.5, 1.5, float("nan")])  # per token; the last one is padding
mask = torch.tensor([1.0, 1.0, 0.0])
out = (loss * mask).sum() / mask.sum()
"""
    good = """\
import torch
loss = torch.tensor([0.5, 1.5, float("nan")])
mask = torch.tensor([1.0, 1.0, 0.0])
out = torch.where(mask.bool(), loss, 0).sum() / mask.sum()
"""
    fix = ("Select instead of multiplying: `torch.where(mask, loss, 0)` or "
           "`loss.masked_fill(~mask, 0)` (NumPy: `np.where(mask, loss, 0)`), with the mask "
           "as a boolean tensor.")
    references = ("torch.where documentation", "torch.Tensor.masked_fill documentation",
                  "IEEE 754: 0 * inf and 0 * NaN are NaN")
    triggers = (frozenset(_REDUCTIONS), frozenset({MASKING}))

    def __init__(self, model, options) -> None:
        super().__init__(model, options)
        # id -> (product, value, mask, evidence, boolean test) of each product of a loss with
        # a mask, judged where it is written: by the time a reduction reaches it through a
        # name, its factors' names may be bound to something else (`loss = loss * mask`)
        self.masked: dict[int, tuple] = {}
        self.reported: set[int] = set()

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not isinstance(node.operator, cst.Multiply):
            return
        factors = _factors(node)
        masks = [f for f in factors if self.model.value_range(f).mask]
        if not masks or len(masks) == len(factors):
            return
        for value in factors:
            what = None if any(value is m for m in masks) else self._loss(value)
            if what is not None:
                self.masked[id(node)] = (node, value, masks[0], what, self._test(masks[0]))
                return

    def leave_Call(self, node: cst.Call) -> None:
        op = self.model.call_op(node)
        if op is None or op.name not in _REDUCTIONS or op.subject is None:
            return
        product = self._product(op.subject)
        if product is None or id(product) in self.reported:
            return
        self.reported.add(id(product))
        _, value, mask, what, test = self.masked[id(product)]
        framework = self.model.framework_of(node, product)
        if test is None:  # a mask of numbers: PyTorch's and TensorFlow's where take booleans
            test = self.short(mask, "mask")
            test = f"{self.receiver(mask, 'mask')}.bool()" if framework == "torch" else \
                f"tf.cast({test}, tf.bool)" if framework == "tf" else test
        self.report(product, f"{self.short(value)} * {self.short(mask, 'mask')}: multiplying by a "
                             f"mask keeps a NaN or inf of {what} where the mask is 0 (NaN * 0 is "
                             f"NaN), and the {op.name} is NaN; select instead: "
                             f"{self.suggest('where', node)}({test}, {self.short(value)}, 0)")

    def _test(self, mask: cst.BaseExpression) -> Optional[str]:
        """The mask as a boolean test, where it is one under its casts (`valid.float()`)."""
        bare = mask
        while isinstance(bare, cst.Call) and isinstance(bare.func, cst.Attribute) and \
                bare.func.attr.value in _CASTS:
            bare = bare.func.value
        origin = self.model.origin(bare)
        if origin is None or origin.kind != "bool":
            return None
        return self.short(bare.with_changes(lpar=[], rpar=[]) if getattr(bare, "lpar", ()) else bare,
                          "mask")

    def _product(self, expr: cst.BaseExpression) -> Optional[cst.BinaryOperation]:
        """The masked product `expr` is, through shape-only methods, a negation, a division
        by a scale and the names it was bound to (`masked = loss * mask; masked.sum()`)."""
        for _ in range(6):  # a few names and wrappers at most
            expr = self.model.unwrapped(expr)
            if id(expr) in self.masked and self.masked[id(expr)][0] is expr:
                return expr
            if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
                expr = expr.expression
            elif isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
                expr = expr.left
            elif isinstance(expr, (cst.Name, cst.Attribute)):
                expr = self.model.bound_value(expr)
                if expr is None:
                    return None
            else:
                return None
        return None

    def _loss(self, value: cst.BaseExpression) -> Optional[str]:
        """What says `value` is a per-element loss, computed at the masked positions from
        whatever they hold; under nan-strict, any value not known to be settled."""
        expr = value
        for _ in range(6):  # through a few names, selections and per-row reductions
            expr = self.model.unwrapped(expr)
            name = expr.value if isinstance(expr, cst.Name) else \
                expr.attr.value if isinstance(expr, cst.Attribute) else None
            if name is not None and _LOSS_NAME.search(name) and not _SCALE_NAME.search(name):
                return f"a per-element loss named {name}"
            found = self._loss_call(expr) or self._error(expr)
            if found:
                return found
            if isinstance(expr, cst.Subscript):
                expr = expr.value
            elif name is not None:
                expr = self.model.bound_value(expr)
            else:
                op = self.model.call_op(expr)
                per_row = op is not None and op.name in _REDUCTIONS and (
                    op.arg(1, "dim") is not None or keyword(op.call, "axis") is not None)
                expr = op.subject if per_row else None  # `(p - t).abs().mean(dim=-1)`
            if expr is None:
                break
        if not getattr(self.options, "strict", False):
            return None
        origin = self.model.origin(value)
        if self.model.const(value) is not None or origin is not None and (
                origin.kind in _SETTLED or origin.positive):
            return None
        return "a value not known to be finite"

    def _loss_call(self, expr: cst.BaseExpression) -> Optional[str]:
        """`F.l1_loss(pred, target, reduction="none")` and the like."""
        qn = self.model.qualname(expr.func) if isinstance(expr, cst.Call) else None
        loss = qn.rsplit(".", 1)[-1] if qn and qn.startswith("torch.nn.functional.") else None
        reduction = keyword(expr, "reduction") if loss in _LOSSES else None
        if isinstance(reduction, cst.SimpleString) and reduction.evaluated_value == "none":
            return f"a per-element loss ({loss}, reduction=\"none\")"
        return None

    def _error(self, expr: cst.BaseExpression) -> Optional[str]:
        """`(pred - target).abs()`, `(pred - target) ** 2`, `torch.square(pred - target)`."""
        origin = self.model.origin(expr)
        if origin is None or origin.kind not in ("abs", "square"):
            return None
        if isinstance(expr, cst.BinaryOperation):
            base = expr.left
        else:
            op = self.model.call_op(expr)
            base = op.subject if op is not None else None
        made = self.model.origin(self.model.unwrapped(base)) if base is not None else None
        return "a per-element error of a prediction against a target" if made is not None and \
            made.kind == "difference" else None


def _factors(node: cst.BaseExpression) -> list:
    """The factors of a product `a * b * c`."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Multiply):
        return _factors(node.left) + _factors(node.right)
    return [node]
