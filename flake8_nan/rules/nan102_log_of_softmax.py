"""NAN102: `log(softmax(x))` instead of `log_softmax(x)`."""
import libcst as cst

from .. import vocab
from .base import Rule
from .nan403_bce_on_sigmoid import loss_input
from .nan4xx_kl_div import kl_div_call
from .nan107_xlogx import xlogx_parts


class LogOfSoftmax(Rule):
    code = "NAN102"
    summary = "log of a softmax instead of log_softmax"
    why = (
        "A softmax rounds its small entries to exactly 0 once the logits differ by 104 in "
        "float32 (exp(-104) is below the smallest subnormal) and by 17.5 in float16 (measured "
        "on CPU). `torch.log` of that 0 is -inf and its gradient NaN. Measured: "
        "`torch.log(torch.softmax(torch.tensor([200., 0.]), -1))` is `[0, -inf]`, while "
        "`torch.log_softmax` of the same logits is `[0, -200]`, exact and finite, because it "
        "computes `x - logsumexp(x)` without forming the probabilities."
        " Where no gradient is taken (under `torch.no_grad()`, in a function named for "
        "inference or generation, in a tracker or metric class or one deriving from such a "
        "class) it is reported only under "
        "`--nan-strict`, unless the log is multiplied by the probability, as in an entropy "
        "(`p * p.log()` is 0 * -inf = NaN): elsewhere the -inf is the log of a probability "
        "below exp(-104), which ranks last in a beam or a match as its true value would; the "
        "two such reports on the judged corpora (a beam search and a tracker's match score) "
        "were both safe.")
    bad = """\
import torch
import torch.nn.functional as F
logits = torch.tensor([200.0, 0.0])
out = torch.log(F.softmax(logits, dim=-1))
"""
    good = """\
import torch
import torch.nn.functional as F
logits = torch.tensor([200.0, 0.0])
out = F.log_softmax(logits, dim=-1)
"""
    fix = ("Replace the log of the softmax by `F.log_softmax(x, dim)` on the same logits and "
           "dim (`nn.LogSoftmax(dim)` for an `nn.Softmax` module). The value is the same where "
           "the old one was finite.")
    fix_safety = "safe"
    references = ("torch.nn.functional.log_softmax documentation: log(softmax(x)) computed "
                  "separately is slower and numerically unstable",)
    triggers = (frozenset(vocab.LOG_OPS), frozenset({"softmax", "Softmax"}))
    own_triggers = (triggers[0],)  # the log is in the statement; the softmax may be bound before it

    def __init__(self, model, options) -> None:
        super().__init__(model, options)
        # NAN401 and NAN404 report a log of a softmax given to kl_div or nll_loss
        self.kl_inputs: set[int] = set()
        self.entropy_logs: set[int] = set()  # the logs of `p * log(p)`

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if self.model.gradient_off():  # only there does an entropy decide a report
            self.entropy_logs.update(id(log) for _, log, _ in xlogx_parts(self.model, node))

    def visit_Call(self, node: cst.Call) -> None:
        op = self.model.call_op(node)
        if op is None or op.name == "kl_div":
            kl = kl_div_call(self.model, node)
            if kl is not None and kl.input is not None:
                self.kl_inputs.add(id(kl.input))
        nll = loss_input(self.model, node, frozenset({"nll_loss"}), frozenset({"NLLLoss"}))
        if nll is not None:
            self.kl_inputs.add(id(nll[1]))
        if op is None or op.name not in vocab.LOG_OPS or op.subject is None or id(node) in self.kl_inputs:
            return
        origin = self.model.origin(op.subject)
        if origin is None or origin.kind != "softmax" or self._own_method(origin.node):
            return
        if self.model.gradient_off() and not self.options.strict and id(node) not in self.entropy_logs:
            return  # no NaN gradient, and an underflowed -inf still ranks last
        base = "" if op.name == "log" else f" / math.log({op.name[3:]})"  # log2(p) = log(p) / log(2)
        use = self._log_softmax(origin.node, node)
        self.report(node, f"{op.name} of a softmax is -inf where the softmax underflows to 0 "
                          f"(NaN gradients); use {use}{base}",
                    self.log_softmax_fix(node))

    def _log_softmax(self, softmax: cst.CSTNode, log: cst.Call) -> str:
        """`F.log_softmax(x, dim=d)` in the spelling of the softmax (or of the log)."""
        op = self.model.call_op(softmax)
        if op is None or op.subject is None or (
                op.method and self.model.self_class(op.call.func.value) is not None):
            return self.suggest("log_softmax_of_layer", (softmax, log))
        return self.suggest("log_softmax", (softmax, log), x=op.subject, dim=op.arg(1, "dim"))

    def _own_method(self, call) -> bool:
        """`self.softmax(x)` where `softmax` is a method of the class, not an `nn.Softmax`."""
        op = self.model.call_op(call)
        if op is None or not op.method or self.model.self_class(op.call.func.value) is None:
            return False
        module = self.model.origin(op.call.func)
        return module is None or module.kind != "module"
