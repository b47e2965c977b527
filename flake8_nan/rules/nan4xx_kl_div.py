"""NAN401 and NAN402: the two ways `kl_div` is fed the wrong space."""
from typing import Optional

import libcst as cst

from .. import vocab
from ..model import Op, keyword
from .base import Fix, Rule, with_keyword

_KL_TRIGGERS = (frozenset({"kl_div", "KLDivLoss"}),)
_PROBABILITIES = ("softmax", "sigmoid")


class _KLDivCall:
    """A call of `F.kl_div(input, target, ...)` or of a `nn.KLDivLoss` instance."""

    def __init__(self, input_, target, log_target, functional=False):
        self.input = input_
        self.target = target
        self.log_target = log_target  # the expression passed as log_target, if any
        self.functional = functional  # log_target is an argument of this very call


def kl_div_call(model, node: cst.Call) -> Optional[_KLDivCall]:
    op: Optional[Op] = model.call_op(node)
    if op is not None and op.name == "kl_div":
        log_target = keyword(node, "log_target")
        if model.qualname(node.func) in vocab.LOG_TARGET_LOSSES:  # optax's, in its name
            log_target = cst.Name("True")
        return _KLDivCall(op.arg(0, "input"), op.arg(1, "target"), log_target, functional=True)
    func = node.func
    if isinstance(func, cst.Attribute) and func.attr.value == "forward":
        func = func.value
    loss = model.origin(func)
    if loss is None or loss.kind != "KLDivLoss":
        return None
    args = [a.value for a in node.args if a.keyword is None and not a.star]
    inp = args[0] if args else keyword(node, "input")
    target = args[1] if len(args) > 1 else keyword(node, "target")
    return _KLDivCall(inp, target, keyword(loss.node, "log_target"))


def _is_true(expr) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


class KLDivInputNotLog(Rule):
    code = "NAN401"
    summary = "kl_div input is a probability, not a log-probability"
    why = (
        "`F.kl_div(input, target)` and `nn.KLDivLoss` expect `input` in log space. Given a "
        "softmax output instead, the loss is silently wrong (it can go negative) and it "
        "computes `target * (log(target) - input)`, which is NaN where the target is 0 and "
        "its log -inf. `torch.log(softmax(x))` as input is -inf wherever the softmax "
        "underflows. `optax.kl_divergence(log_predictions, targets)` has the same contract: "
        "given softmax outputs for [1, 2] and [2, 1] it gave -0.98 (optax 0.2.8), against "
        "0.46 for the log-probabilities.")
    bad = """\
import torch
import torch.nn.functional as F
logits = torch.tensor([[200.0, 0.0]])
target = torch.tensor([[0.5, 0.5]])
out = F.kl_div(torch.log(F.softmax(logits, dim=-1)), target, reduction="batchmean")
"""
    good = """\
import torch
import torch.nn.functional as F
logits = torch.tensor([[200.0, 0.0]])
target = torch.tensor([[0.5, 0.5]])
out = F.kl_div(F.log_softmax(logits, dim=-1), target, reduction="batchmean")
"""
    fix = ("Pass `F.log_softmax(logits, dim)` as input instead of a softmax output. The "
           "automatic fix rewrites a softmax (or a log of a softmax) written in the call; one "
           "held in a variable is left for you.")
    fix_safety = "unsafe"
    references = ("torch.nn.KLDivLoss documentation: input should be log-probabilities",)
    triggers = _KL_TRIGGERS

    def visit_Call(self, node: cst.Call) -> None:
        call = kl_div_call(self.model, node)
        if call is None or call.input is None:
            return
        origin = self.model.origin(call.input)
        if origin is None:
            return
        if origin.kind in _PROBABILITIES or (origin.kind == "log" and origin.inner == "softmax"):
            what = "log of a softmax" if origin.kind == "log" else f"a {origin.kind} output"
            use = self.suggest("log_softmax", node, x="logits", dim=None)
            self.report(call.input, f"kl_div input is {what}, not log-probabilities; "
                                    f"pass {use} instead",
                        self.log_softmax_fix(call.input))


class KLDivTargetSpace(Rule):
    code = "NAN402"
    summary = "kl_div target space and log_target disagree"
    why = (
        "With the default `log_target=False` the target must be probabilities: a "
        "log-probability target is negative, `target * log(target)` takes the log of a "
        "negative number and the loss is NaN. With `log_target=True` a probability target "
        "is read as log-probabilities and the loss is silently wrong. "
        "`optax.kl_divergence` is the `log_target=False` form and "
        "`optax.losses.kl_divergence_with_log_targets` the `True` one: the first gave NaN for "
        "a log-space target (optax 0.2.8).")
    bad = """\
import torch
import torch.nn.functional as F
a = torch.tensor([[1.0, 2.0]])
b = torch.tensor([[2.0, 1.0]])
out = F.kl_div(F.log_softmax(a, dim=-1), F.log_softmax(b, dim=-1), reduction="batchmean")
"""
    good = """\
import torch
import torch.nn.functional as F
a = torch.tensor([[1.0, 2.0]])
b = torch.tensor([[2.0, 1.0]])
out = F.kl_div(F.log_softmax(a, dim=-1), F.log_softmax(b, dim=-1), reduction="batchmean",
               log_target=True)
"""
    fix = ("Add `log_target=True` for a log-space target (or remove it for a probability "
           "target). The automatic fix adds `log_target=True` to `F.kl_div` calls; for a "
           "`nn.KLDivLoss` instance set it where the instance is built.")
    fix_safety = "safe"
    references = ("torch.nn.functional.kl_div documentation: log_target",)
    triggers = _KL_TRIGGERS

    def visit_Call(self, node: cst.Call) -> None:
        call = kl_div_call(self.model, node)
        if call is None or call.target is None:
            return
        origin = self.model.origin(call.target)
        if origin is None:
            return
        log_space = origin.kind in ("log_softmax", "log")
        if log_space and not _is_true(call.log_target):
            fix = Fix(node, with_keyword(node, "log_target", cst.Name("True"))) \
                if call.functional else None
            self.report(call.target, "kl_div target is in log space but log_target=True is "
                                     "missing: the loss takes the log of negative numbers (NaN); "
                                     f"{self.suggest('kl_log_target', node)}", fix)
        elif origin.kind in _PROBABILITIES and _is_true(call.log_target):
            self.report(call.target, f"kl_div target is a {origin.kind} output but "
                                     "log_target=True reads it as log-probabilities; "
                                     f"{self.suggest('kl_probability_target', node)}")
