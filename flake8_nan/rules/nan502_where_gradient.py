"""NAN502: `torch.where` does not stop the gradient of the branch it does not choose.

The functions here also let NAN101, NAN501 and NAN503 leave such a node to this
rule, so one hazard gets one report.
"""
from typing import Iterator, Optional

import libcst as cst

from .. import traverse, vocab
from ..words import SINGULAR_IN_WHERE, SINGULAR_VALUE
from ..model import Model, where_parts
from .base import Rule

_SINGULAR = frozenset({*vocab.LOG_OPS, "sqrt", "rsqrt", "acos", "asin"})
_BOUNDED_DOMAIN = frozenset({"acos", "asin"})  # a positive operand does not help these
_NO_GRADIENT = frozenset({"bool", "count"})  # comparisons and their sums


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    yield node
    for child in traverse.children(node):
        yield from _walk(child)


def _singular_power(model: Model, exponent: Optional[cst.BaseExpression]) -> bool:
    """`** 0.5`, `** -1`: a power whose derivative is infinite at 0."""
    c = exponent is not None and model.const(exponent)
    return bool(c) and c.value < 1 and c.value != 0


def singular_operand(model: Model, node: cst.CSTNode) -> Optional[tuple[str, cst.BaseExpression]]:
    """(operation, operand) when `node` is infinite, or has an infinite gradient, at some
    value of its operand: log, sqrt, rsqrt, acos, asin, a division by it, a root of it; or a
    local name bound to one of those calls."""
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Divide):
            return "division", node.right
        if isinstance(node.operator, cst.Power) and _singular_power(model, node.right):
            return "power", node.left
        return None
    if isinstance(node, cst.Name):  # `lx = torch.log(x)` computed before the where
        origin = model.origin(node)
        if origin is None or origin.kind not in _SINGULAR or not isinstance(origin.node, cst.Call):
            return None
        op = model.call_op(origin.node)
        return (origin.kind, op.subject) if op is not None and op.subject is not None else None
    op = model.call_op(node)
    if op is None:
        return None
    if op.name in _SINGULAR:
        operand = op.subject
    elif op.name == "div":
        operand = op.arg(1, "other")
    elif op.name == "pow" and _singular_power(model, op.arg(1, "exponent")):
        operand = op.subject
    else:
        return None
    return (op.name, operand) if operand is not None else None


def unselected_hazards(model: Model, node: cst.CSTNode) -> list[tuple[cst.CSTNode, str, cst.CSTNode]]:
    """For `torch.where(cond, a, b)`: each (node, operation, operand) in a or b that is
    singular in an operand the condition tests."""
    key = (id(node), "where")  # in the model's memo: every rule that defers to NAN502 asks
    hit = model._memo.get(key)
    if hit is not None and hit[0] is node:
        return hit[1]
    found = _unselected_hazards(model, node)
    model._memo[key] = (node, found)
    return found


def _unselected_hazards(model: Model, node: cst.CSTNode) -> list:
    op = model.call_op(node)
    if op is None or op.name != "where":
        return []
    cond, a, b = where_parts(op)
    if cond is None:
        return []
    tested = [n for n in _walk(cond) if isinstance(n, (cst.Name, cst.Attribute, cst.Subscript, cst.Call))]
    found = []
    for branch in (a, b):
        for inner in _walk(branch) if branch is not None else ():
            hit = singular_operand(model, inner)
            if hit is None:
                continue
            name, operand = hit
            if any(operand.deep_equals(t) for t in tested) and (
                    name in _BOUNDED_DOMAIN or not model.positive(operand)):
                found.append((inner, name, operand))
    return found


class DefersToWhere:
    """For rules whose node may sit in a `torch.where` branch that NAN502 reports."""

    def left_to_where(self, node: cst.CSTNode) -> bool:
        """Whether NAN502 reports `node`.  Call it first thing in `visit_Call`: it notes each
        `where` call on the way in, before the nodes inside it are visited."""
        owned = self.__dict__.setdefault("_where_owned", set())
        owned.update(id(n) for n, _, _ in unselected_hazards(self.model, node))
        return id(node) in owned


class WhereGradient(Rule):
    code = "NAN502"
    summary = "torch.where guards the value of a singular branch, not its gradient"
    why = (
        "`torch.where(x > 0, torch.log(x), 0)` computes `log(x)` for every element, "
        "chosen or not. Where the condition is False the branch is -inf (or inf, NaN), and in "
        "the backward pass its gradient `1/x = inf` is multiplied by the 0 that `where` sends "
        "there: inf * 0 = NaN, which reaches `x`. Measured on CPU: the gradient of "
        "`torch.where(x > 0, torch.log(x), 0)` at x = [0, 2] is [nan, 0.5]; with the operand "
        "made safe first it is [0, 0.5]. The same holds for sqrt, rsqrt, a division by x, "
        "a fractional power, acos and asin. Not reported where no gradient flows: under "
        "`@torch.no_grad()`, `@torch.inference_mode()`, `with torch.no_grad():` or in a "
        "module's `__init__` (buffers built once), and for an operand no gradient reaches: a "
        "count of booleans (`(logits > 0).sum(-1)`), an integer cast, a `.detach()`ed value, "
        "or a new tensor (`torch.zeros(n)`, `torch.arange(n)`) made without `requires_grad`.")
    bad = """\
import torch
x = torch.tensor([0.0, 2.0], requires_grad=True)
torch.where(x > 0, torch.log(x), 0.0).sum().backward()
out = x.grad
"""
    good = """\
import torch
x = torch.tensor([0.0, 2.0], requires_grad=True)
safe = torch.where(x > 0, x, 1.0)
torch.where(x > 0, torch.log(safe), 0.0).sum().backward()
out = x.grad
"""
    fix = ("Make the operand harmless where it is not chosen, then select: "
           "`safe = torch.where(cond, x, 1)` and `torch.where(cond, torch.log(safe), 0)` "
           "(0 is the harmless value for acos and asin).")
    fix_safety = None  # guidance only: no automatic rewrite yet
    references = ("torch.where documentation",
                  "JAX FAQ: gradients contain NaN where using where (the same mechanism)")
    # What a branch computes, in the `where` itself or bound to a name it reads
    # (`lx = torch.log(x)`: a local's origin is the call it is bound to).
    triggers = (frozenset({"where"}), frozenset({SINGULAR_IN_WHERE, SINGULAR_VALUE}))

    def visit_Call(self, node: cst.Call) -> None:
        if self.model.framework(node) in vocab.NO_AUTOGRAD or self.model.gradient_off():
            return  # no gradient flows through `np.where`, nor under `torch.no_grad()`
        for inner, name, operand in unselected_hazards(self.model, node):
            origin = self.model.origin(operand)
            if origin is not None and origin.kind in _NO_GRADIENT or \
                    self.model.value_range(operand).constant:
                continue  # a count of booleans, a detached or new tensor: no gradient reaches it
            x = self.snippet(operand, 20)
            what = {"division": f"1/{x}", "power": f"a root of {x}", "pow": f"a root of {x}",
                    "div": f"1/{x}"}.get(name, f"{name}({x})")
            harmless = 0 if name in _BOUNDED_DOMAIN else 1
            where = self.suggest("where", node)
            self.report(inner, f"{where} still computes {what} where the condition is False: "
                               "its inf gradient times 0 gives NaN; compute it on "
                               f"safe = {where}(cond, {x}, {harmless})")
