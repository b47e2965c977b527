from typing import Optional

import libcst as cst

from .. import vocab
from .base import Rule

_CLIPS = frozenset({"clip_grad_norm_", "clip_grad_value_", "clip_grad_norm", "clip_grad_value"})
_BACKWARDS = frozenset({"backward", "manual_backward"})


def _receiver_name(call: cst.Call) -> str:
    func = call.func
    value = func.value if isinstance(func, cst.Attribute) else None
    while isinstance(value, (cst.Attribute, cst.Subscript, cst.Call)):
        value = value.attr if isinstance(value, cst.Attribute) else \
            value.value if isinstance(value, cst.Subscript) else value.func
    return value.value.lower() if isinstance(value, cst.Name) else ""


def _is_optimizer(expr) -> bool:
    name = _receiver_name(cst.Call(func=cst.Attribute(value=expr, attr=cst.Name("x"))))
    return "opt" in name and "sched" not in name


def called_name(call: cst.Call) -> str:
    """`f` of `f(...)`, `obj.f(...)` and `self.f(...)`."""
    func = call.func
    return func.attr.value if isinstance(func, cst.Attribute) else \
        func.value if isinstance(func, cst.Name) else ""


def optimizer_step(rule: Rule, call: cst.Call) -> Optional[cst.BaseExpression]:
    """The optimizer that `call` steps: `optimizer.step()`, `self.optimizer.step()`,
    `scaler.step(optimizer)`; None for any other call."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "step"):
        return None
    args = [a.value for a in call.args]
    if not args and (_is_optimizer(func.value) or optimizer_class(rule, func.value) is not None):
        return func.value
    if len(args) == 1 and "scaler" in _receiver_name(call) and _is_optimizer(args[0]):
        return args[0]
    return None


def optimizer_class(rule: Rule, expr: cst.BaseExpression) -> Optional[bool]:
    """Whether the optimizer `expr` is bound to bounds its steps (see
    vocab.optimizer_bounded); None where the model does not know it as the construction
    of an optimizer class (a parameter, `self.optimizers()`, a factory)."""
    value = rule.model.bound_value(expr)
    if isinstance(value, cst.Call):
        return vocab.optimizer_bounded(rule.model.qualname(value.func))
    return None


class UnclippedStep(Rule):
    code = "NAN603"
    summary = "SGD step without gradient clipping after backward"
    default_enabled = False
    why = (
        "Opinionated, off by default. An SGD step is the gradient times the learning rate: "
        "one batch with a huge gradient (an outlier, a loss spike, a nearly singular layer) "
        "moves the weights so far that the next forward pass overflows, and from then on "
        "every loss is inf or NaN. Runs that go NaN only after many epochs are often cured "
        "by bounding the update: clip the gradient norm between `backward()` and `step()` "
        "(after `scaler.unscale_(optimizer)` under AMP). Adam, AdamW, RMSprop, Adagrad, "
        "Adadelta, Adamax, NAdam, RAdam (after its first few steps, which are SGD-style), "
        "LAMB, Lion and their like bound the size of a step whatever the gradient: measured "
        "on CPU with lr 1e-2 and a gradient of 1e6, one step moved the weight by 1e4 with SGD "
        "and by at most 0.1 with Adam, NAdam, Adamax, Adagrad, Adadelta and RMSprop. So the "
        "rule reports only the steps of an optimizer that the module shows to be SGD-style "
        "(SGD, ASGD and their fused and weight-decay variants): the stepped name "
        "is bound to its construction, or it is a parameter (or comes from a factory, or from "
        "Lightning's `self.optimizers()`) and SGD-style optimizers are the only ones the module "
        "names. Where the class is unknown it is silent. Clipping counts where "
        "`clip_grad_norm_`/`clip_grad_value_` is called, or a function or method of the same "
        "module that calls one of them, or a Lightning `Trainer` is given `gradient_clip_val`. "
        "Before the rule read the optimizer's class, every sampled one of its 101 reports on "
        "research training scripts was safe: Adam-style steps, or clipping done in a helper.")
    bad = """\
import torch
w = torch.nn.Parameter(torch.tensor([1.0]))
optimizer = torch.optim.SGD([w], lr=1e-2)
for _ in range(30):
    optimizer.zero_grad()
    loss = 0.5e4 * (w ** 2).sum()
    loss.backward()
    optimizer.step()
out = w.detach()
"""
    good = """\
import torch
w = torch.nn.Parameter(torch.tensor([1.0]))
optimizer = torch.optim.SGD([w], lr=1e-2)
for _ in range(30):
    optimizer.zero_grad()
    loss = 0.5e4 * (w ** 2).sum()
    loss.backward()
    torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
    optimizer.step()
out = w.detach()
"""
    fix = ("Clip between backward and step: "
           "`torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)`; with a GradScaler, "
           "call `scaler.unscale_(optimizer)` first.")
    references = ("torch.nn.utils.clip_grad_norm_ documentation",
                  "PyTorch AMP examples: gradient clipping with unscale_",
                  "torch.optim.Adam documentation: the update m / (sqrt(v) + eps)")
    scope = "function"
    triggers = (frozenset(_BACKWARDS), frozenset({"step"}))
    # a Trainer that clips; the functions that clip (helpers called in a step) and the
    # optimizers the module names, wherever they are
    context = frozenset({"gradient_clip_val", "gradient_clip_algorithm", "clip_grad",
                         *vocab.OPTIMIZER_WORDS})

    def __init__(self, model, options):
        super().__init__(model, options)
        # per function: its name (`.name` for a method) and its ("backward" | "clip" |
        # "step" | "call", call, whether the optimizer stepped bounds its steps | the name
        # called, `.name` for a method call)
        self.functions: list[tuple[str, list]] = [("", [])]
        self.done: list[tuple[str, list]] = []
        self.in_class: list[bool] = [False]  # per enclosing class or function: a class
        self.named: set[Optional[bool]] = set()  # the kinds of optimizer the module names
        self.framework_clips = False  # e.g. Trainer(gradient_clip_val=...)

    def visit_ClassDef(self, node) -> None:
        self.in_class.append(True)

    def leave_ClassDef(self, node) -> None:
        self.in_class.pop()

    def visit_FunctionDef(self, node) -> None:
        method = "." if self.in_class[-1] else ""
        self.functions.append((method + node.name.value, []))
        self.in_class.append(False)

    def leave_FunctionDef(self, node) -> None:
        self.in_class.pop()
        self.done.append(self.functions.pop())

    def leave_Module(self, node) -> None:
        self.done.append(self.functions.pop())
        if self.framework_clips:
            return
        # functions and methods of the module that clip: a call of one clips
        helpers = {name for name, events in self.done if any(e[0] == "clip" for e in events)}
        for _name, events in self.done:
            self._judge(events, helpers)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None and node.keyword.value.startswith("gradient_clip"):
            self.framework_clips = True

    def visit_Name(self, node: cst.Name) -> None:
        if vocab.may_name_optimizer(node.value):
            self._named(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if vocab.may_name_optimizer(node.attr.value):
            self._named(node)

    def _named(self, node) -> None:
        kind = vocab.optimizer_bounded(self.model.qualname(node))
        if kind is not None:
            self.named.add(kind)

    def visit_Call(self, node: cst.Call) -> None:
        name = called_name(node)
        events = self.functions[-1][1]
        if name in _CLIPS:
            events.append(("clip", node, None))
        elif name in _BACKWARDS:
            events.append(("backward", node, None))
        elif name:
            optimizer = optimizer_step(self, node)
            if optimizer is not None:
                events.append(("step", node, optimizer_class(self, optimizer)))
            else:  # `clip(model)` may call a function, `self.clip()` a method
                events.append(("call", node, "." + name if isinstance(node.func, cst.Attribute) else name))

    def _judge(self, events, helpers) -> None:
        last = None
        for kind, call, detail in events:
            if kind == "call":
                if detail not in helpers:
                    continue
                kind = "clip"
            if kind == "step" and last == "backward" and self._unbounded(detail):
                self.report(call, "SGD-style step after backward() with no gradient clipping in "
                                  "between: its step is the gradient times the learning rate, so "
                                  "one huge gradient can push the weights to inf/NaN; call "
                                  "torch.nn.utils.clip_grad_norm_(params, max_norm) first")
            if kind != "step":
                last = kind

    def _unbounded(self, bounded: Optional[bool]) -> bool:
        """An optimizer known to be SGD-style, or of unknown class where the module names
        optimizers of that kind only."""
        return bounded is False or (bounded is None and self.named == {False})
