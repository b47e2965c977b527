"""NAN103: `log(sigmoid(x))` and `log(1 - sigmoid(x))` instead of `logsigmoid`."""
from typing import Optional

import libcst as cst

from .. import vocab
from .base import Fix, Rule


class LogOfSigmoid(Rule):
    code = "NAN103"
    summary = "log of a sigmoid (or of 1 - sigmoid) instead of logsigmoid"
    why = (
        "In float32 `torch.sigmoid(x)` is exactly 0 from x = -89 on, and `1 - "
        "torch.sigmoid(x)` is exactly 0 from x = 17 on: the log of either is -inf and its "
        "gradient NaN. A classifier only has to be confident for that to happen. Measured: "
        "`torch.log(1 - torch.sigmoid(torch.tensor(20.)))` is -inf, `F.logsigmoid(-x)` at "
        "the same x is -20.")
    bad = """\
import torch
x = torch.tensor([20.0, -200.0])
out = torch.log(1 - torch.sigmoid(x)) + torch.log(torch.sigmoid(x))
"""
    good = """\
import torch
import torch.nn.functional as F
x = torch.tensor([20.0, -200.0])
out = F.logsigmoid(-x) + F.logsigmoid(x)
"""
    fix = ("`log(sigmoid(x))` is `F.logsigmoid(x)` and `log(1 - sigmoid(x))` is "
           "`F.logsigmoid(-x)`; a hand-written binary cross-entropy built from both is "
           "`F.binary_cross_entropy_with_logits(x, y)`.")
    fix_safety = "safe"
    references = ("torch.nn.functional.logsigmoid documentation",
                  "torch.nn.BCEWithLogitsLoss documentation: more numerically stable than "
                  "a Sigmoid followed by BCELoss")
    triggers = (frozenset(vocab.LOG_OPS), frozenset({"sigmoid", "Sigmoid", "expit"}))
    own_triggers = (triggers[0],)  # the log is in the statement; the sigmoid may be bound before it

    def visit_Call(self, node: cst.Call) -> None:
        op = self.model.call_op(node)
        if op is None or op.name not in vocab.LOG_OPS or op.subject is None:
            return
        origin = self.model.origin(op.subject)
        if origin is None:
            return
        base = "" if op.name == "log" else f" / math.log({op.name[3:]})"
        if origin.kind == "sigmoid":
            x = self._logit(origin.node)
            logit = self._logit_node(origin.node) if origin.node is op.subject else None
            use = self.suggest("logsigmoid", (origin.node, node), x=x)
            self.report(node, f"{op.name} of a sigmoid is -inf once the sigmoid underflows to 0 "
                              f"(NaN gradients); use {use}{base}",
                        self._fix(node, op.name, logit))
        elif origin.kind == "one_minus" and origin.inner == "sigmoid":
            right = self.model.origin(origin.node.right)
            x = self._logit_node(right.node if right is not None else None)
            minus_x = "-logits" if x is None else self.negated(x)
            inline = origin.node is op.subject and right is not None and \
                right.node is origin.node.right
            if isinstance(x, cst.UnaryOperation) and isinstance(x.operator, cst.Minus):
                negated = x.expression if inline else None  # -(-x) is x
            else:
                negated = None if x is None or not inline else cst.UnaryOperation(
                    operator=cst.Minus(), expression=x if isinstance(x, (cst.Name, cst.Attribute, cst.Call))
                    else x.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]))
            use = self.suggest("logsigmoid", (right.node if right else None, node), x=minus_x)
            self.report(node, f"{op.name} of 1 - sigmoid is -inf once the sigmoid rounds to 1 "
                              f"(NaN gradients); use {use}{base}",
                        self._fix(node, op.name, negated))

    def _fix(self, call: cst.Call, name: str, argument):
        """`log(sigmoid(x))` -> `F.logsigmoid(x)` where the sigmoid is written in the log."""
        if argument is None or name != "log":
            return None
        func, imports = self.spell("torch.nn.functional.logsigmoid")
        return Fix(call, cst.Call(func=func, args=[cst.Arg(argument)],
                                  lpar=call.lpar, rpar=call.rpar), imports)

    def _logit_node(self, sigmoid) -> Optional[cst.BaseExpression]:
        op = self.model.call_op(sigmoid) if sigmoid is not None else None
        if op is None or op.subject is None or op.name != "sigmoid":
            return None
        if op.method and self.model.self_class(op.call.func.value) is not None:
            return None
        return op.subject

    def _logit(self, sigmoid) -> str:
        x = self._logit_node(sigmoid)
        return "logits" if x is None else self.short(x)
