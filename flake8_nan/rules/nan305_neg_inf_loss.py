"""NAN305: a -inf fill that reaches a loss weighting every class: 0 * -inf is NaN."""
from __future__ import annotations

from typing import NamedTuple, Optional

import libcst as cst

from .. import traverse
from ..model import Fill, Model, argument, keyword, positional
from ..words import INF
from .base import Example, Rule
from .nan4xx_kl_div import kl_div_call

_ZEROING = frozenset({"masked_fill", "where", "nan_to_num"})
_NAN_REDUCTIONS = frozenset({"nansum", "nanmean"})  # they leave the NaN entries out
_REDUCTIONS = frozenset({"sum", "mean"})
# Losses that take probabilities as targets by definition (optax's): every class weighted.
_SOFT_TARGET_LOSSES = frozenset({"optax.softmax_cross_entropy", "optax.losses.softmax_cross_entropy"})
LOSS_WORDS = frozenset({"log_softmax", "LogSoftmax", "kl_div", "KLDivLoss", "cross_entropy",
                        "CrossEntropyLoss"})


class Loss(NamedTuple):
    """A loss that weights every class, as a message names it."""
    what: str  # the loss
    result: str  # what a -inf does to it
    smoothing: bool = False  # label smoothing: a finite fill does not make it finite


_NAN_AT_ZERO = "0 * -inf is NaN where the weight is 0"


class _Frame:
    """One function: the -inf fills that reach a loss, the losses zeroed afterwards, its
    parameters (what a loss on a given value reads) and the fills it returns."""
    __slots__ = ("sinks", "zeroed", "params", "returned")

    def __init__(self, params: frozenset = frozenset()):
        self.sinks: list[tuple[Fill, cst.CSTNode, "Loss"]] = []
        self.zeroed: set[int] = set()
        self.params = params
        self.returned: list[Fill] = []


class LossSinks:
    """Where -inf fills reach a loss that weights every class of a row, function by
    function: `target * log_softmax(x)` (soft or smoothed targets, a distillation), a sum
    or mean of a log_softmax (label smoothing by hand), `kl_div` of a log_softmax,
    `cross_entropy` with `label_smoothing` or probability targets, `optax.softmax_cross_
    entropy`.  A loss whose entries are zeroed afterwards (`where(t == 0, 0, t * logp)`,
    `masked_fill`, `nan_to_num`) is safe.  NAN305 reports these; NAN303 leaves them to it.
    Feed it `visit_FunctionDef`, `leave_FunctionDef`, `visit_BinaryOperation`, `visit_Call`
    and `visit_Return`."""

    def __init__(self, model: Model, strict: bool = False):
        self.model = model
        self.strict = strict
        self.frames = [_Frame()]
        # losses on log-probabilities of a value a function is given
        self.open: list[tuple[cst.CSTNode, Loss]] = []

    def enter(self) -> None:
        params = frozenset(self.model.scope.names)  # the model bound the parameters first
        self.frames.append(_Frame(params))

    def leave(self) -> _Frame:
        return self.frames.pop()

    @staticmethod
    def reaching(frame: _Frame) -> list[tuple[Fill, Loss]]:
        """(fill, the loss it reaches) for each fill of `frame` that reaches a loss not
        zeroed afterwards, once per fill."""
        seen, out = set(), []
        for fill, sink, loss in frame.sinks:
            if id(sink) not in frame.zeroed and id(fill.value) not in seen:
                seen.add(id(fill.value))
                out.append((fill, loss))
        return out

    # ------------------------------------------------------------------- visits
    def binary(self, node: cst.BinaryOperation) -> None:
        if not isinstance(node.operator, cst.Multiply):
            return
        for factor, weight in ((node.right, node.left), (node.left, node.right)):
            if self._log_prob(factor) is not None:
                self._sink(factor, node, Loss(f"{_code(weight, 'target')} * log_softmax(...)",
                                              _NAN_AT_ZERO), self._distribution(weight))
                return

    def call(self, node: cst.Call) -> None:
        model = self.model
        op = model.call_op(node)
        if op is not None and op.name in _ZEROING:
            self._zeroing(op.args)
            return
        func = node.func
        name = func.attr.value if isinstance(func, cst.Attribute) else \
            func.value if isinstance(func, cst.Name) else None
        if name in _NAN_REDUCTIONS:
            self._zeroing([func.value] if isinstance(func, cst.Attribute) and op is None and
                          model.qualname(func) is None else [a.value for a in node.args])
            return
        if op is not None and op.name in _REDUCTIONS and op.subject is not None and \
                self._log_prob(op.subject) is not None:
            self._sink(op.subject, node, Loss(f"a {op.name} of log_softmax(...) (label smoothing)",
                                              "the loss is inf", smoothing=True))
            return
        kl = kl_div_call(model, node)
        if kl is not None:
            if kl.input is not None:
                self._sink(kl.input, node, Loss("kl_div(log_softmax(...), target)",
                                                "target * (log(target) + inf) is NaN where the "
                                                "target is 0"), self._distribution(kl.target))
            return
        self._cross_entropy(node, op)

    def returned(self, value: Optional[cst.BaseExpression]) -> None:
        fill = self.model.neg_inf_fill(value) if value is not None else None
        if fill is not None and len(self.frames) > 1:
            self.frames[-1].returned.append(fill)

    # ------------------------------------------------------------------- losses
    def _cross_entropy(self, node: cst.Call, op) -> None:
        """`cross_entropy` with label smoothing (a constant above 0, or under nan-strict
        one set elsewhere) or with a softmax as target; optax's softmax cross entropy."""
        model = self.model
        if op is not None and op.name == "cross_entropy":
            qualname = model.qualname(node.func) or ""
            if qualname in _SOFT_TARGET_LOSSES:
                self._sink(op.arg(0, "logits"), node, Loss(
                    f"{qualname.rsplit('.', 1)[-1]}(logits, labels)",
                    "0 * -inf is NaN where a label is 0"))
                return
            if not qualname.startswith("torch."):
                return
            inp, target, smoothing = op.arg(0, "input"), op.arg(1, "target"), keyword(node, "label_smoothing")
        else:
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value == "forward":
                func = func.value
            layer = model.origin(func)
            if layer is None or layer.kind != "CrossEntropyLoss" or not isinstance(layer.node, cst.Call):
                return
            inp, target = argument(node, 0, "input"), argument(node, 1, "target")
            smoothing = keyword(layer.node, "label_smoothing")
        if inp is None:
            return
        if smoothing is not None and self._smoothed(smoothing):
            self._sink(inp, node, Loss("cross_entropy with label_smoothing",
                                       "the smoothing sums every class's log-probability: the "
                                       "loss is inf", smoothing=True))
        elif target is not None:
            made = model.origin(target)
            if made is not None and made.kind == "softmax":
                self._sink(inp, node, Loss("cross_entropy with a softmax as target",
                                           "0 * -inf is NaN where the target is 0"), True)

    def _smoothed(self, smoothing: cst.BaseExpression) -> bool:
        c = self.model.const(smoothing)
        return c.value > 0 if c is not None else self.strict

    def _sink(self, value: Optional[cst.BaseExpression], node: cst.CSTNode, loss: Loss,
              distributions: bool = False) -> None:
        """`value` (logits or log-probabilities) reaches `loss`, which weights every class;
        `distributions`: the loss compares two distributions (a softmax for weights), as a
        distillation does."""
        if value is None:
            return
        fill = self.model.neg_inf_fill(value)
        frame = self.frames[-1]
        if fill is not None:
            frame.sinks.append((fill, node, loss))
        elif distributions and self._given(value, frame):
            self.open.append((node, loss))

    def _distribution(self, weight: Optional[cst.BaseExpression]) -> bool:
        made = self.model.origin(weight) if weight is not None else None
        return made is not None and made.kind == "softmax"

    def _log_prob(self, expr: cst.BaseExpression) -> Optional[cst.Call]:
        """The log_softmax call `expr` is (through a sign, shape methods, subscripts and
        names): `F.log_softmax(x, -1)`, `x.log_softmax(-1)`, an `nn.LogSoftmax()` call."""
        while isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
            expr = expr.expression
        made = self.model.origin(expr)
        return made.node if made is not None and made.kind == "log_softmax" and \
            isinstance(made.node, cst.Call) else None

    def _given(self, value: cst.BaseExpression, frame: _Frame) -> bool:
        """Whether `value` is computed from a parameter of its function, the logits it is
        given: through a log_softmax, a sign, shape methods, subscripts, a scale or a
        temperature (`F.log_softmax(logits_s / T, -1)`)."""
        model = self.model
        for _ in range(12):
            if isinstance(value, cst.Name):
                if value.value in frame.params:
                    return True
                made = model.origin(value)
                if made is None or not isinstance(made.node, cst.Call) or made.kind != "log_softmax":
                    return False
                value = made.node
            elif isinstance(value, cst.Subscript):
                value = value.value
            elif isinstance(value, cst.UnaryOperation):
                value = value.expression
            elif isinstance(value, cst.BinaryOperation) and isinstance(
                    value.operator, (cst.Divide, cst.Multiply)):
                value = value.left
            elif isinstance(value, cst.Call):
                op = model.call_op(value)
                if op is not None and op.name in ("shape", "log_softmax"):
                    value = op.subject
                else:
                    made = model.origin(value) if op is None else None
                    args = positional(value)
                    if made is None or made.kind != "log_softmax" or not args:
                        return False
                    value = args[0]
            else:
                return False
            if value is None:
                return False
        return False

    def _zeroing(self, args) -> None:
        """The losses whose entries a `where`, `masked_fill` or `nan_to_num` replaces, or a
        `nansum` leaves out: the products and calls its arguments are made of (through
        names)."""
        zeroed = self.frames[-1].zeroed
        todo, seen = list(args), 0
        while todo and seen < 200:
            n = todo.pop()
            seen += 1
            if isinstance(n, (cst.BinaryOperation, cst.Call)):
                zeroed.add(id(n))
            if isinstance(n, cst.Name):
                fact = self.model.lookup(n.value)
                if fact is not None and fact.value is not None and fact.value is not n:
                    todo.append(fact.value)
            elif isinstance(n, (cst.BinaryOperation, cst.UnaryOperation, cst.Subscript, cst.Call,
                                cst.Arg, cst.Attribute)):
                todo.extend(c for c in traverse.children(n) if isinstance(c, (cst.BaseExpression, cst.Arg)))


def _code(node: cst.CSTNode, fallback: str) -> str:
    text = " ".join(cst.Module(body=[]).code_for_node(node).split())
    return text if len(text) <= 30 else fallback


class NegInfIntoLoss(Rule):
    code = "NAN305"
    summary = "-inf fill reaching a loss that weights every class: 0 * -inf is NaN"
    why = (
        "Logits filled with -inf (`masked_fill(mask, float('-inf'))`, `logits[..., n:] = "
        "-inf`, `jnp.where(valid, logits, -jnp.inf)`, an additive mask made with "
        "`torch.full(..., -inf)`) have a log_softmax of -inf there. A loss that multiplies "
        "log-probabilities by a weight for every class then computes 0 * -inf = NaN where "
        "the weight is 0 and -inf where it is not: soft or smoothed targets "
        "`-(t * F.log_softmax(z, -1)).sum(-1)`, a distillation `-(F.softmax(t, -1) * "
        "F.log_softmax(s, -1)).sum()`, `F.kl_div(F.log_softmax(s, -1), p)`, "
        "`F.cross_entropy(z, y, label_smoothing=0.1)` (the smoothing puts weight on every "
        "class), `F.cross_entropy(z, F.softmax(t, -1))`, `optax.softmax_cross_entropy`. "
        "Measured on CPU (torch 2.13): soft targets times the log_softmax of masked logits "
        "give a NaN loss, label smoothing an inf loss, kl_div a NaN loss; the gradient "
        "into the masked logits stays finite, but one into a weight that is trained (a "
        "teacher distilled jointly, a learned target) is NaN. With `torch.finfo(z.dtype)"
        ".min` as the fill the soft-target loss is finite and the same. Hard targets are "
        "not reported: `cross_entropy(z, y)` picks the target's log-probability only, and "
        "rows filled with -inf whose target is `ignore_index` gave a finite loss and "
        "gradients of 0 (torch 2.13). A fill in a function that returns the filled logits "
        "is reported where the same file compares two distributions on logits a function "
        "is given (a softmax times a log_softmax, `kl_div` or `cross_entropy` against a "
        "softmax), as a distillation loss does. A loss whose entries are replaced "
        "afterwards (`where(t == 0, 0, t * logp)`) is not reported. JAX and optax alike "
        "(jax 0.10.2, optax 0.2.8: NaN). On by default: it reports only where a fill meets "
        "such a loss, and it made no report on the 10 judged corpora (timm, transformers, "
        "diffusers and 7 more) nor on the rest of the 12 pinned ones: none there to judge "
        "safe, and none real either.")
    bad = """\
import torch
import torch.nn.functional as F
logits = torch.tensor([[2.0, 1.0, 0.5], [0.3, 1.5, -1.0]])
pad = torch.tensor([[False, False, True], [False, True, False]])
target = torch.tensor([[0.9, 0.1, 0.0], [0.8, 0.0, 0.2]])
masked = logits.masked_fill(pad, float("-inf"))
out = -(target * F.log_softmax(masked, dim=-1)).sum(-1).mean()
"""
    good = """\
import torch
import torch.nn.functional as F
logits = torch.tensor([[2.0, 1.0, 0.5], [0.3, 1.5, -1.0]])
pad = torch.tensor([[False, False, True], [False, True, False]])
target = torch.tensor([[0.9, 0.1, 0.0], [0.8, 0.0, 0.2]])
masked = logits.masked_fill(pad, torch.finfo(logits.dtype).min)
out = -(target * F.log_softmax(masked, dim=-1)).sum(-1).mean()
"""
    more = (
        Example(
            "cross_entropy with label smoothing on logits with a -inf column: inf (with "
            "finfo.min as the fill too, once the batch's smoothing terms are summed; leave "
            "the padded classes out instead)",
            """\
import torch
import torch.nn.functional as F
logits = torch.tensor([[2.0, 1.0, 0.5, 0.0], [0.3, 1.5, -1.0, 0.0]])
y = torch.tensor([0, 1])
n = 3  # real classes; the last column pads the vocabulary
logits[:, n:] = float("-inf")
out = F.cross_entropy(logits, y, label_smoothing=0.1)
""",
            """\
import torch
import torch.nn.functional as F
logits = torch.tensor([[2.0, 1.0, 0.5, 0.0], [0.3, 1.5, -1.0, 0.0]])
y = torch.tensor([0, 1])
n = 3  # real classes; the last column pads the vocabulary
out = F.cross_entropy(logits[:, :n], y, label_smoothing=0.1)
"""),
        Example(
            "a distillation loss whose student and teacher logits pad the vocabulary with "
            "-inf: the teacher's 0 times the student's -inf",
            """\
import torch
import torch.nn.functional as F
student = torch.tensor([[2.0, 1.0, 0.5, 0.0]])
teacher = torch.tensor([[1.0, 2.0, 0.0, 0.0]])
student[..., 3:] = float("-inf")
teacher[..., 3:] = float("-inf")
prob_t = F.softmax(teacher, dim=-1)
out = -(prob_t * F.log_softmax(student, dim=-1)).sum(-1).mean()
""",
            """\
import torch
import torch.nn.functional as F
student = torch.tensor([[2.0, 1.0, 0.5, 0.0]])
teacher = torch.tensor([[1.0, 2.0, 0.0, 0.0]])
student[..., 3:] = torch.finfo(student.dtype).min
teacher[..., 3:] = torch.finfo(teacher.dtype).min
prob_t = F.softmax(teacher, dim=-1)
out = -(prob_t * F.log_softmax(student, dim=-1)).sum(-1).mean()
"""),
        Example(
            "kl_div of the log_softmax of logits filled with -inf",
            """\
import torch
import torch.nn.functional as F
logits = torch.tensor([[2.0, 1.0, 0.5], [0.3, 1.5, -1.0]])
pad = torch.tensor([[False, False, True], [False, True, False]])
p = torch.tensor([[0.9, 0.1, 0.0], [0.8, 0.0, 0.2]])
logp = F.log_softmax(logits.masked_fill(pad, float("-inf")), dim=-1)
out = F.kl_div(logp, p, reduction="batchmean")
""",
            """\
import torch
import torch.nn.functional as F
logits = torch.tensor([[2.0, 1.0, 0.5], [0.3, 1.5, -1.0]])
pad = torch.tensor([[False, False, True], [False, True, False]])
p = torch.tensor([[0.9, 0.1, 0.0], [0.8, 0.0, 0.2]])
logp = F.log_softmax(logits.masked_fill(pad, torch.finfo(logits.dtype).min), dim=-1)
out = F.kl_div(logp, p, reduction="batchmean")
"""),
    )
    fix = ("Fill with `torch.finfo(logits.dtype).min` instead of -inf: a finite value whose "
           "softmax is exactly 0, and 0 times a finite log-probability is 0. With label "
           "smoothing, leave the masked classes out of the logits (slice the padding off) "
           "rather than fill them: the smoothing term sums the log-probabilities of every "
           "class. Or replace the loss's entries where the weight is 0 "
           "(`torch.where(t == 0, 0, t * logp)`).")
    fix_safety = None  # guidance only: the fill value is the caller's choice
    references = ("torch.nn.functional.cross_entropy documentation: label_smoothing",
                  "torch.finfo documentation")
    scope = "module"  # the fill may be in a function that returns the logits, the loss in another
    triggers = (frozenset({INF}), LOSS_WORDS)

    def __init__(self, model, options) -> None:
        super().__init__(model, options)
        self.sinks = LossSinks(model, strict=getattr(options, "strict", False))
        self.reported: set[int] = set()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.sinks.enter()

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        frame = self.sinks.leave()
        self._flush(frame)
        self.sinks.frames[0].returned.extend(frame.returned)

    def leave_Module(self, node: cst.Module) -> None:
        self._flush(self.sinks.frames[0])
        if self.sinks.open:  # a function returns filled logits; a loss here takes given ones
            _, loss = self.sinks.open[0]
            for fill in self.sinks.frames[0].returned:
                self._report(fill, loss, f"a loss of this file, {loss.what}, weights every class "
                                         f"of the logits it is given: given these, {loss.result}")

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        self.sinks.binary(node)

    def visit_Call(self, node: cst.Call) -> None:
        self.sinks.call(node)

    def visit_Return(self, node: cst.Return) -> None:
        self.sinks.returned(node.value)

    def _flush(self, frame: _Frame) -> None:
        for fill, loss in LossSinks.reaching(frame):
            self._report(fill, loss, f"it reaches {loss.what}, which weights every class: "
                                     f"{loss.result}")

    def _report(self, fill: Fill, loss: Loss, reason: str) -> None:
        if id(fill.value) in self.reported:
            return
        self.reported.add(id(fill.value))
        fix = "leave the masked classes out of the logits (slice the padding off) instead" \
            if loss.smoothing else f"fill with {self.suggest('limit_of', fill.node, end='min')}"
        self.report(fill.value, f"-inf fill: {reason}; {fix}")
