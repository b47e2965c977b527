from typing import Optional

import libcst as cst

from ..words import INF
from .base import Rule
from .nan305_neg_inf_loss import LossSinks

_SOFTMAX = frozenset({"softmax", "log_softmax"})
_ZEROING = frozenset({"masked_fill", "where", "nan_to_num"})
_MASK_WRAPPERS = frozenset({"bool", "logical_not", "logical_not_"})


class NegInfSoftmax(Rule):
    code = "NAN303"
    summary = "-inf mask fill feeding a softmax: a fully masked row is NaN"
    default_enabled = False  # see `why`: too noisy on real code to be on by default
    why = (
        "A softmax over a row that is -inf everywhere computes exp(-inf - (-inf)) = NaN: a "
        "query whose keys are all masked (an all-padding sequence, an empty window, a "
        "sample with no candidates) gives a row of NaN, and the NaN reaches the loss. "
        "Measured on CPU: `softmax(x.masked_fill(mask, float('-inf')))` over a fully masked "
        "row is [nan, nan, nan]; with `torch.finfo(x.dtype).min` it is a finite uniform row. "
        "Causal masks (built with `tril`/`triu`, or named `causal`) never mask a whole row "
        "and are not reported, nor is a function that zeroes the fully masked rows after "
        "the softmax (`masked_fill`, `where` or `nan_to_num` applied to the softmax output). "
        "A fill is a `masked_fill` or `where` with -inf, a write `x[m] = -inf` or "
        "`x.masked_fill_(m, -inf)`, or an additive mask made with `full(..., -inf)`, on any "
        "path of an `if`; one that reaches a loss weighting every class is NAN305's."
        " Off by default: in a sample of its reports on timm and transformers, 1 of 3 "
        "were hazards real code can reach (enable with --extend-select NAN303)."
    )
    bad = """\
import torch
scores = torch.randn(2, 3)
mask = torch.tensor([[False, False, True], [True, True, True]])
out = torch.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)
"""
    good = """\
import torch
scores = torch.randn(2, 3)
mask = torch.tensor([[False, False, True], [True, True, True]])
out = torch.softmax(scores.masked_fill(mask, torch.finfo(scores.dtype).min), dim=-1)
"""
    fix = ("Fill with `torch.finfo(x.dtype).min`, a finite value that still gives masked "
           "entries a weight of 0 in any row with one unmasked entry; or keep -inf and zero "
           "the fully masked rows after the softmax: `attn.masked_fill(mask.all(-1, "
           "keepdim=True), 0)`.")
    fix_safety = None  # guidance only: no automatic rewrite yet
    references = ("torch.nn.functional.softmax documentation", "torch.finfo documentation")
    scope = "function"
    # a fill: a masked one, or an infinity written (`x[m] = -inf`, an additive mask)
    triggers = (frozenset({"masked_fill", "masked_fill_", "where", INF}),
                frozenset({"softmax", "log_softmax", "Softmax", "LogSoftmax"}))

    def __init__(self, model, options) -> None:
        super().__init__(model, options)
        # per function: the -inf fills that reach a softmax, and whether its output is zeroed
        self.scopes: list[list] = [[[], False]]
        # the fills that reach a loss weighting every class are NAN305's
        self.losses = LossSinks(model, strict=getattr(options, "strict", False))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.scopes.append([[], False])
        self.losses.enter()

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._flush(self.scopes.pop(), self.losses.leave())

    def leave_Module(self, node: cst.Module) -> None:
        self._flush(self.scopes.pop(), self.losses.frames[0])

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        self.losses.binary(node)

    def _flush(self, scope: list, losses) -> None:
        fills, zeroed = scope
        owned = {id(fill.value) for fill, _ in LossSinks.reaching(losses)}
        if not zeroed:
            for value, fill in fills:
                if id(value) in owned:
                    continue
                self.report(value, "-inf fill reaches a softmax: a row with every entry masked "
                                   f"becomes NaN; fill with {self.suggest('limit_of', fill, end='min')}")

    def visit_Call(self, node: cst.Call) -> None:
        self.losses.call(node)
        op = self.model.call_op(node)
        if op is not None and op.name in _ZEROING:
            if any(self._kind(a) in _SOFTMAX for a in op.args):
                self.scopes[-1][1] = True
            return
        if op is not None:
            subject = op.subject if op.name in _SOFTMAX else None
        else:  # an nn.Softmax instance
            subject = node.args[0].value if node.args and self._kind(node) in _SOFTMAX else None
        fill = self.model.neg_inf_fill(subject) if subject is not None else None
        if fill is not None and not self._causal(fill.mask):
            self.scopes[-1][0].append((fill.value, fill.node))

    def _kind(self, expr: cst.BaseExpression) -> Optional[str]:
        origin = self.model.origin(expr)
        return origin.kind if origin is not None else None

    def _causal(self, mask: Optional[cst.BaseExpression]) -> bool:
        """A mask built from tril/triu (or named causal) keeps the diagonal of every row."""
        if mask is None:
            return False
        if "causal" in self.snippet(mask, 200).lower():
            return True
        while True:
            if isinstance(mask, cst.Comparison):
                mask = mask.left
            elif isinstance(mask, cst.UnaryOperation):
                mask = mask.expression
            elif isinstance(mask, cst.Call) and isinstance(mask.func, cst.Attribute) \
                    and mask.func.attr.value in _MASK_WRAPPERS:
                mask = mask.func.value
            else:
                break
        return self._kind(mask) in ("tril", "triu")
