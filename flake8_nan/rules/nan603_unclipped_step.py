import libcst as cst

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


class UnclippedStep(Rule):
    code = "NAN603"
    summary = "optimizer step without gradient clipping after backward"
    default_enabled = False
    why = (
        "Opinionated, off by default. One batch with a huge gradient (an outlier, a loss "
        "spike, a nearly singular layer) moves the weights so far that the next forward pass "
        "overflows, and from then on every loss is inf or NaN. Runs that go NaN only after "
        "many epochs are often cured by bounding the update: clip the gradient norm between "
        "`backward()` and `step()` (after `scaler.unscale_(optimizer)` under AMP).")
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
                  "PyTorch AMP examples: gradient clipping with unscale_")
    scope = "function"
    triggers = (frozenset(_BACKWARDS), frozenset({"step"}))
    context = frozenset({"gradient_clip_val", "gradient_clip_algorithm"})

    def __init__(self, model, options):
        super().__init__(model, options)
        self.events: list[list] = [[]]  # per function: ("backward" | "clip" | "step", call)
        self.pending: list[cst.Call] = []
        self.framework_clips = False  # e.g. Trainer(gradient_clip_val=...)

    def visit_FunctionDef(self, node) -> None:
        self.events.append([])

    def leave_FunctionDef(self, node) -> None:
        self._judge(self.events.pop())

    def leave_Module(self, node) -> None:
        self._judge(self.events.pop())
        if not self.framework_clips:
            for call in self.pending:
                self.report(call, "optimizer step after backward() with no gradient clipping in "
                                  "between: one huge gradient can push the weights to inf/NaN; "
                                  "call torch.nn.utils.clip_grad_norm_(params, max_norm) first")

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None and node.keyword.value.startswith("gradient_clip"):
            self.framework_clips = True

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        name = func.attr.value if isinstance(func, cst.Attribute) else \
            func.value if isinstance(func, cst.Name) else ""
        if name in _CLIPS:
            self.events[-1].append(("clip", node))
        elif name in _BACKWARDS:
            self.events[-1].append(("backward", node))
        elif name == "step" and isinstance(func, cst.Attribute):
            args = [a.value for a in node.args]
            if (not args and _is_optimizer(func.value)) or \
                    (len(args) == 1 and "scaler" in _receiver_name(node) and _is_optimizer(args[0])):
                self.events[-1].append(("step", node))

    def _judge(self, events) -> None:
        last = None
        for kind, call in events:
            if kind == "step" and last == "backward":
                self.pending.append(call)
            if kind != "step":
                last = kind
