from typing import Optional

import libcst as cst

from .. import vocab
from ..model import Model, argument
from .base import Fix, Rule


def loss_input(model: Model, node: cst.Call, functions: frozenset, layers: frozenset
               ) -> Optional[tuple[str, cst.BaseExpression]]:
    """(loss name, input) of `F.<loss>(input, target)` or of a call of a loss layer
    (`nn.<Loss>()(input, target)`, `self.criterion(input, target)`)."""
    op = model.call_op(node)
    if op is not None:
        where = vocab.LOSS_PREDICTION.get(model.qualname(node.func), (0, "input"))
        inp = op.arg(*where) if op.name in functions else None
        return (op.name, inp) if inp is not None else None
    func = node.func
    if isinstance(func, cst.Attribute) and func.attr.value == "forward":
        func = func.value
    layer = model.origin(func)
    if layer is None or layer.kind not in layers:
        return None
    inp = argument(node, 0, "input")
    return (layer.kind, inp) if inp is not None else None


class BCEOnSigmoid(Rule):
    code = "NAN403"
    summary = "binary_cross_entropy / BCELoss on a sigmoid output"
    why = (
        "`binary_cross_entropy(sigmoid(z), y)` takes the log of a probability that float32 "
        "rounds to exactly 0 or 1 once the logit saturates. PyTorch clamps each log at -100, "
        "so the loss stops growing at 100 and the gradient with respect to a saturated logit "
        "is exactly 0: the worst predictions stop learning. Measured on CPU for logit -200 "
        "and target 1: the gradient through sigmoid + binary_cross_entropy is 0, through "
        "`binary_cross_entropy_with_logits` it is -0.5 (mean over 2 samples), and the loss "
        "is 100 instead of 200. Under CUDA float16 autocast `binary_cross_entropy` raises "
        "(it is listed as unsafe to autocast); under CPU autocast it runs in float32. "
        "TensorFlow's `tf.compat.v1.losses.log_loss` adds eps = 1e-7 inside the log: the "
        "loss of logit -200 stops at 16.1 with gradient 0 (TensorFlow 2.21). Keras's "
        "`BinaryCrossentropy` is not judged: given a Keras sigmoid layer's output it "
        "recovers the logits (loss 200 at logit -200, Keras 3.15).")
    claim = "differs"
    bad = """\
import torch
import torch.nn.functional as F
target = torch.tensor([1.0, 1.0])
z = torch.tensor([-200.0, 3.0], requires_grad=True)
F.binary_cross_entropy(torch.sigmoid(z), target).backward()
out = z.grad
ref = (torch.sigmoid(z.detach()) - target) / 2
"""
    good = """\
import torch
import torch.nn.functional as F
target = torch.tensor([1.0, 1.0])
z = torch.tensor([-200.0, 3.0], requires_grad=True)
F.binary_cross_entropy_with_logits(z, target).backward()
out = z.grad
ref = (torch.sigmoid(z.detach()) - target) / 2
"""
    fix = ("Drop the sigmoid and give the logits to `F.binary_cross_entropy_with_logits` "
           "(or `nn.BCEWithLogitsLoss`), which computes the same loss with log-sum-exp.")
    fix_safety = "unsafe"
    references = ("torch.nn.BCELoss documentation: log outputs clamped to >= -100",
                  "torch.nn.BCEWithLogitsLoss documentation",
                  "torch.amp documentation: prefer binary_cross_entropy_with_logits over "
                  "binary_cross_entropy")
    triggers = (frozenset({"binary_cross_entropy", "BCELoss"}), frozenset({"sigmoid", "Sigmoid", "expit"}))

    def visit_Call(self, node: cst.Call) -> None:
        found = loss_input(self.model, node, frozenset({"binary_cross_entropy"}), frozenset({"BCELoss"}))
        if found is None:
            return
        origin = self.model.origin(found[1])
        if origin is None or origin.kind != "sigmoid":
            return
        op = self.model.call_op(origin.node)
        logits = self.snippet(op.subject, 20) if op is not None and op.subject is not None else "logits"
        self.report(found[1], f"{self.loss_name(node, found[0])} on a sigmoid output saturates "
                              f"{self.suggest('bce_saturation', node)}; use "
                              f"{self.suggest('with_logits', node, x=logits)}",
                    self._fix(node, found[1], origin.node))

    def _fix(self, call: cst.Call, inp: cst.BaseExpression, sigmoid: cst.Call):
        """`F.binary_cross_entropy(torch.sigmoid(z), y)` -> `..._with_logits(z, y)`, when the
        sigmoid is written in the call itself (one held in a variable may be used elsewhere)."""
        op = self.model.call_op(call)
        inner = self.model.call_op(inp)
        if inp is not sigmoid or op is None or op.name != "binary_cross_entropy" \
                or inner is None or inner.subject is None:
            return None
        func, imports = call.func, ()
        if isinstance(func, cst.Attribute):
            func = func.with_changes(attr=cst.Name("binary_cross_entropy_with_logits"))
        else:
            func, imports = self.spell("torch.nn.functional.binary_cross_entropy_with_logits")
        args = [a.with_changes(value=inner.subject) if a.value is inp else a for a in call.args]
        return Fix(call, call.with_changes(func=func, args=args), imports)
