import libcst as cst

from .base import Fix, Rule
from .nan403_bce_on_sigmoid import loss_input

_NLL = frozenset({"nll_loss", "NLLLoss"})


class LossOnProbabilities(Rule):
    code = "NAN404"
    summary = "nll_loss fed probabilities, or cross_entropy fed a softmax"
    why = (
        "`nll_loss` expects log-probabilities and only negates the entry of the target "
        "class: given a softmax output it minimises -p, a bounded loss that no longer "
        "punishes confident mistakes. `cross_entropy` applies `log_softmax` itself: given a "
        "softmax output it applies softmax twice, and the loss of a confident mistake "
        "cannot exceed log(C - 1 + e) (1.31 for two classes) whatever the logits. "
        "`torch.log(softmax(x))` is -inf wherever the softmax underflows. Measured on CPU "
        "for logits [10, 0] and target 1: "
        "cross_entropy of the softmax is 1.31, of the logits 10.0; nll_loss of the "
        "softmax is -4.5e-05. `tf.nn.softmax_cross_entropy_with_logits` and "
        "`optax.softmax_cross_entropy` apply the softmax themselves too: 1.31 on the same "
        "softmax (TensorFlow 2.21, optax 0.2.8). Keras losses are not judged: they take "
        "probabilities and recover the logits of a softmax layer themselves.")
    claim = "differs"
    bad = """\
import torch
import torch.nn.functional as F
logits = torch.tensor([[10.0, 0.0]])
target = torch.tensor([1])
out = F.cross_entropy(F.softmax(logits, dim=-1), target)
ref = torch.logsumexp(logits, dim=-1) - logits[0, 1]
"""
    good = """\
import torch
import torch.nn.functional as F
logits = torch.tensor([[10.0, 0.0]])
target = torch.tensor([1])
out = F.cross_entropy(logits, target)
ref = torch.logsumexp(logits, dim=-1) - logits[0, 1]
"""
    fix = ("Give `cross_entropy`/`nn.CrossEntropyLoss` the logits; give `nll_loss`/"
           "`nn.NLLLoss` `F.log_softmax(logits, dim)`.")
    fix_safety = "unsafe"
    references = ("torch.nn.NLLLoss documentation: input is log-probabilities",
                  "torch.nn.CrossEntropyLoss documentation: input is unnormalized logits")
    triggers = (frozenset({"nll_loss", "NLLLoss", "cross_entropy", "CrossEntropyLoss"}),
                frozenset({"softmax", "Softmax"}))

    def visit_Call(self, node: cst.Call) -> None:
        found = loss_input(self.model, node, frozenset({"nll_loss", "cross_entropy"}),
                           frozenset({"NLLLoss", "CrossEntropyLoss"}))
        if found is None:
            return
        loss, inp = found
        origin = self.model.origin(inp)
        if origin is None:
            return
        if origin.kind == "softmax":
            fix = "pass F.log_softmax(logits, dim)" if loss in _NLL else \
                "pass the logits: it applies log_softmax itself"
            self.report(inp, f"{self.loss_name(node, loss)} is given a softmax output; {fix}",
                        self._fix(loss, inp))
        elif origin.kind == "log" and origin.inner == "softmax" and loss in _NLL:
            self.report(inp, f"{loss} is given the log of a softmax, -inf where the softmax "
                             "underflows; pass F.log_softmax(logits, dim)",
                        self.log_softmax_fix(inp))

    def _fix(self, loss: str, inp: cst.BaseExpression):
        """A softmax written in the call: log_softmax for nll, the logits for cross_entropy."""
        if loss in _NLL:
            return self.log_softmax_fix(inp)
        op = self.model.call_op(inp)
        if op is None or op.name != "softmax" or op.subject is None:
            return None
        return Fix(inp, op.subject)
