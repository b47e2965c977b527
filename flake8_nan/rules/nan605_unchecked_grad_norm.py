from typing import Iterator

import libcst as cst

from .. import traverse, vocab
from ..model import dotted, keyword
from .base import Rule
from .nan603_unclipped_step import optimizer_step

# a test of a value for NaN/inf, or a replacement of its NaN/inf values
_TESTS = frozenset({*vocab.NONFINITE_TESTS, "nan_to_num", "nan_to_num_"})


class UncheckedGradNorm(Rule):
    code = "NAN605"
    summary = "optimizer step after clip_grad_norm_ whose returned norm is never checked"
    default_enabled = False
    why = (
        "Off by default. `clip_grad_norm_` returns the total norm of the gradients. Where a "
        "gradient holds NaN or inf (a log of 0, a sqrt at 0, an overflow in one batch), the "
        "norm is NaN or inf too, and clipping cannot rescale it: a NaN norm multiplies every "
        "gradient by NaN, an inf one multiplies them by 0, and 0 * inf is NaN. "
        "`optimizer.step()` then writes NaN into the parameters (into every one of them for a "
        "NaN gradient), the next forward pass spreads it, and the run trains on, saving "
        "checkpoints of NaN. Measured on CPU: a finite loss (the sqrt of a value that reaches "
        "0) has an inf gradient, and after clipping and one SGD step the weights are NaN; one "
        "NaN gradient entry made every parameter NaN after an Adam step. A `GradScaler` skips "
        "such steps itself (`scaler.step(optimizer)` is not reported), and "
        "`clip_grad_norm_(..., error_if_nonfinite=True)` raises instead; the rule is also "
        "silent where the function tests the returned norm (or a value computed from it, or "
        "the gradients) for NaN/inf: `torch.isfinite(norm)`, `norm.isfinite()`, "
        "`math.isfinite(norm.item())`, `torch.isnan`, `norm != norm`, `nan_to_num_` of the "
        "gradients. Why it is off: on the twelve pinned corpora it made 3 reports, the float32 "
        "training steps of open_clip's `train_one_epoch` and of sentence-transformers' two "
        "`fit` loops. Each is the hazard as described, but becomes a NaN model only once "
        "something else makes a gradient non-finite, which the code does not show: all 3 "
        "judged debatable, none real or safe.")
    bad = """\
import torch
w = torch.nn.Parameter(torch.tensor([3.0, 4.0]))
optimizer = torch.optim.SGD([w], lr=0.1)
loss = torch.sqrt((w ** 2).sum() - 25.0)
loss.backward()
torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
optimizer.step()
out = w.detach()
"""
    good = """\
import torch
w = torch.nn.Parameter(torch.tensor([3.0, 4.0]))
optimizer = torch.optim.SGD([w], lr=0.1)
loss = torch.sqrt((w ** 2).sum() - 25.0)
loss.backward()
norm = torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
if torch.isfinite(norm):
    optimizer.step()
optimizer.zero_grad()
out = w.detach()
"""
    fix = ("Keep the returned norm and skip the step where it is not finite: "
           "`norm = clip_grad_norm_(params, max_norm)`, then `if not torch.isfinite(norm): "
           "optimizer.zero_grad(); continue` (log it, and stop the run if it repeats); or pass "
           "`error_if_nonfinite=True`, or step through a `GradScaler`.")
    references = ("torch.nn.utils.clip_grad_norm_ documentation: the return value and "
                  "error_if_nonfinite",
                  "torch.amp.GradScaler.step documentation: steps with inf/NaN gradients are "
                  "skipped")
    scope = "function"
    triggers = (frozenset({"clip_grad_norm_", "clip_grad_norm"}), frozenset({"step"}))

    def __init__(self, model, options) -> None:
        super().__init__(model, options)
        # per function: its events in order, ("clip" | "step", call, the branches it lies
        # in) and ("test", call or comparison, None)
        self.events: list[list] = [[]]
        self.norms: list[set[str]] = [set()]  # per function: the names holding a norm
        self.targets: list[list[str]] = []  # the names the enclosing assignments bind
        # the enclosing `if` blocks, each with the branch being read (0 body, 1 else)
        self.branches: list[list] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.events.append([])
        self.norms.append(set())

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._judge(self.events.pop(), self.norms.pop())

    def leave_Module(self, node: cst.Module) -> None:
        self._judge(self.events.pop(), self.norms.pop())

    # the names a value is assigned to: `norm = clip_grad_norm_(...)`, `gn = norm.item()`
    def visit_Assign(self, node: cst.Assign) -> None:
        self.targets.append([t for a in node.targets for t in _names(a.target)])

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.targets.append(list(_names(node.target)))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.targets.append(list(_names(node.target)))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.targets.append(list(_names(node.target)))

    def _leave_assignment(self, node) -> None:
        targets = self.targets.pop()
        value = node.value
        if value is not None and targets and self.norms[-1] and \
                not self.norms[-1].isdisjoint(_read(value)):
            self.norms[-1].update(targets)  # a value computed from the norm

    leave_Assign = leave_AnnAssign = leave_AugAssign = leave_NamedExpr = _leave_assignment

    # an `else` (or `elif`) branch runs where its `if` block does not: a clip in one and a
    # step in the other are not one path
    def visit_If(self, node: cst.If) -> None:
        if self.branches and self.branches[-1][0].orelse is node:  # an `elif`
            self.branches[-1][1] = 1
        self.branches.append([node, 0])

    def leave_If(self, node: cst.If) -> None:
        self.branches.pop()

    def visit_Else(self, node: cst.Else) -> None:
        if self.branches:
            self.branches[-1][1] = 1

    def _path(self) -> dict:
        return {id(node): branch for node, branch in self.branches}

    def visit_Call(self, node: cst.Call) -> None:
        events = self.events[-1]
        if self.model.qualname(node.func) in vocab.GRAD_NORM_CLIPS:
            if not _raises_on_nonfinite(node):
                events.append(("clip", node, self._path()))
            if self.targets:
                self.norms[-1].update(self.targets[-1])
            return
        func = node.func
        name = func.attr.value if isinstance(func, cst.Attribute) else \
            func.value if isinstance(func, cst.Name) else ""
        if name in _TESTS:
            events.append(("test", node, None))
        elif name == "step" and not node.args and optimizer_step(self, node) is not None:
            events.append(("step", node, self._path()))

    def visit_Comparison(self, node: cst.Comparison) -> None:
        # `norm != norm`: true for NaN only
        if len(node.comparisons) == 1 and node.left.deep_equals(node.comparisons[0].comparator):
            self.events[-1].append(("test", node, None))

    def _judge(self, events, norms: set[str]) -> None:
        if any(kind == "test" and self._tests_gradients(node, norms) for kind, node, _ in events):
            return
        clips = []  # the paths of the clips met so far
        for kind, node, path in events:
            if kind == "clip":
                clips.append(path)
            elif kind == "step" and any(_one_path(clip, path) for clip in clips):
                self.report(node, "optimizer step after clip_grad_norm_ whose returned norm is "
                                  "never checked: a NaN/inf gradient has a NaN/inf norm that "
                                  "clipping cannot rescale, and the step writes NaN into the "
                                  "weights; skip the step where not torch.isfinite(norm)")

    def _tests_gradients(self, test: cst.CSTNode, norms: set[str]) -> bool:
        """Whether a NaN/inf test reads the clipped norm (or a value computed from it), a
        clip call itself, or a gradient (`p.grad`)."""
        if isinstance(test, cst.Comparison):
            operands = [test.left]
        else:
            operands = [a.value for a in test.args]
            if isinstance(test.func, cst.Attribute):
                operands.append(test.func.value)  # `norm.isfinite()`
        for operand in operands:
            if not norms.isdisjoint(_read(operand)):
                return True
            for n in _nodes(operand):
                if isinstance(n, cst.Attribute) and n.attr.value == "grad" or \
                        isinstance(n, cst.Call) and self.model.qualname(n.func) in vocab.GRAD_NORM_CLIPS:
                    return True
        return False


def _one_path(a: dict, b: dict) -> bool:
    """Whether two places can be on one path: no `if` holds them in different branches."""
    return all(b.get(node, branch) == branch for node, branch in a.items())


def _names(target: cst.BaseExpression) -> Iterator[str]:
    """The names and dotted attributes (`self.grad_norm`) an assignment target binds."""
    if isinstance(target, (cst.Tuple, cst.List)):
        for el in target.elements:
            yield from _names(el.value)
    elif isinstance(target, cst.StarredElement):
        yield from _names(target.value)
    else:
        text = dotted(target)
        if text is not None:
            yield text


def _read(expr: cst.CSTNode) -> set[str]:
    """The names and dotted attributes an expression reads."""
    found = set()
    for n in _nodes(expr):
        if isinstance(n, (cst.Name, cst.Attribute)):
            text = dotted(n)
            if text is not None:
                found.add(text)
    return found


def _nodes(expr: cst.CSTNode, limit: int = 200) -> Iterator[cst.CSTNode]:
    todo = [expr]
    for _ in range(limit):
        if not todo:
            return
        n = todo.pop()
        yield n
        todo.extend(traverse.children(n))


def _raises_on_nonfinite(call: cst.Call) -> bool:
    """`clip_grad_norm_(..., error_if_nonfinite=True)`: a NaN/inf norm raises."""
    value = keyword(call, "error_if_nonfinite")
    return isinstance(value, cst.Name) and value.value == "True"
