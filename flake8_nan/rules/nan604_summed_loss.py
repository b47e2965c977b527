import libcst as cst

from .. import vocab
from .base import Rule

# Functions that put separate terms side by side: a sum over their result adds up the
# parts of one loss, not the samples of a batch.
_STACKS = frozenset({"stack", "hstack", "vstack", "add_n"})
_DISPLAYS = (cst.List, cst.Tuple, cst.ListComp, cst.GeneratorExp)


class SummedLoss(Rule):
    code = "NAN604"
    summary = "hand-written loss summed over the batch instead of averaged"
    default_enabled = False
    why = (
        "Opinionated, off by default. A loss returned as `.sum()` over the batch grows with "
        "the batch size, and so does every gradient: doubling the batch doubles the step, a "
        "learning rate tuned on one batch size overshoots on another, and large batches push "
        "the weights towards overflow. `.mean()` (or dividing by the number of samples) "
        "keeps the gradient scale independent of the batch. A sum of stacked terms "
        "(`torch.stack(parts).sum()`, Keras's `tf.reduce_sum(model.losses)`) or of a mask is "
        "no batch sum, and NumPy code has no gradient: neither is reported.")
    claim = "differs"
    bad = """\
import torch
w = torch.ones(3, requires_grad=True)

def my_loss(x):
    return ((x @ w) ** 2).sum()

my_loss(torch.ones(64, 3)).backward()
out = w.grad.clone()
w.grad = None
my_loss(torch.ones(8, 3)).backward()
ref = w.grad.clone()
"""
    good = """\
import torch
w = torch.ones(3, requires_grad=True)

def my_loss(x):
    return ((x @ w) ** 2).mean()

my_loss(torch.ones(64, 3)).backward()
out = w.grad.clone()
w.grad = None
my_loss(torch.ones(8, 3)).backward()
ref = w.grad.clone()
"""
    fix = "Return `.mean()`, or divide the sum by the batch size or the number of samples."
    references = ("torch.nn.modules.loss documentation: reduction='mean' is the default",)
    scope = "function"
    triggers = (frozenset({"sum"}), frozenset({"return"}))  # loss names vary: `my_loss`

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is None or not self.model.in_loss():
            return
        origin = self.model.origin(node.value)
        if origin is None or origin.kind != "sum" or not isinstance(origin.node, cst.Call):
            return
        op = self.model.call_op(origin.node)
        whole = op is not None and len(op.args) == 1 and not any(
            a.keyword is not None for a in origin.node.args)
        if whole and not self._terms(op.subject) and \
                self.model.framework_of(origin.node) not in vocab.NO_AUTOGRAD:
            self.report(node.value, "loss summed over the batch: its gradients grow with the "
                                    "batch size; use .mean() or divide by the batch size")

    def _terms(self, summed) -> bool:
        """What is summed is not a batch: a list of terms (`np.sum([a, b])`), stacked terms
        (`torch.stack(parts)`), Keras's regularisation terms (`model.losses`), or a mask
        (a count of samples, not a loss)."""
        while isinstance(summed, cst.Call) and isinstance(summed.func, cst.Attribute) and \
                summed.func.attr.value in vocab.SHAPE_METHODS:
            summed = summed.func.value
        if isinstance(summed, _DISPLAYS):
            return True
        if isinstance(summed, cst.Call):  # `torch.stack(parts)`, `jnp.array([a, b])`
            func, first = summed.func, summed.args[0].value if summed.args else None
            name = func.attr.value if isinstance(func, cst.Attribute) else \
                func.value if isinstance(func, cst.Name) else ""
            return name in _STACKS or isinstance(first, _DISPLAYS)
        name = summed.value if isinstance(summed, cst.Name) else \
            summed.attr.value if isinstance(summed, cst.Attribute) else ""
        return name == "losses" and isinstance(summed, cst.Attribute) or "mask" in name.lower()
