import libcst as cst

from .base import Rule


class SummedLoss(Rule):
    code = "NAN604"
    summary = "hand-written loss summed over the batch instead of averaged"
    default_enabled = False
    why = (
        "Opinionated, off by default. A loss returned as `.sum()` over the batch grows with "
        "the batch size, and so does every gradient: doubling the batch doubles the step, a "
        "learning rate tuned on one batch size overshoots on another, and large batches push "
        "the weights towards overflow. `.mean()` (or dividing by the number of samples) "
        "keeps the gradient scale independent of the batch.")
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

    def __init__(self, model, options):
        super().__init__(model, options)
        self.functions: list[bool] = []  # per function: is it a loss?
        self.classes: list[str] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(node.name.value)

    def leave_ClassDef(self, node) -> None:
        self.classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        name = node.name.value
        in_loss_class = bool(self.classes) and self.classes[-1].endswith("Loss")
        self.functions.append("loss" in name.lower() or (name == "forward" and in_loss_class))

    def leave_FunctionDef(self, node) -> None:
        self.functions.pop()

    def visit_Return(self, node: cst.Return) -> None:
        if not self.functions or not self.functions[-1] or node.value is None:
            return
        origin = self.model.origin(node.value)
        if origin is None or origin.kind != "sum" or not isinstance(origin.node, cst.Call):
            return
        op = self.model.call_op(origin.node)
        whole = op is not None and len(op.args) == 1 and not any(
            a.keyword is not None for a in origin.node.args)
        if whole:
            self.report(node.value, "loss summed over the batch: its gradients grow with the "
                                    "batch size; use .mean() or divide by the batch size")
