"""NAN502: `torch.where` does not stop the gradient of the branch it does not choose.

A branch is reported where it is infinite, or has an infinite gradient, on the values
the where does not choose it for: singular there (a log, a root, a division by the
value tested) or overflowing there (an exp of the value tested, where the test leaves
it unbounded above).  The functions here also let NAN101, NAN501 and NAN503 leave a
singular node to this rule, so one hazard gets one report.
"""
import math
from typing import Iterator, Optional

import libcst as cst

from .. import traverse, vocab
from ..words import POWER_IN_WHERE, SINGULAR_IN_WHERE, SINGULAR_VALUE
from ..model import Model, positional, where_parts
from .base import Rule

_SINGULAR = frozenset({*vocab.LOG_OPS, "sqrt", "rsqrt", "acos", "asin"})
_BOUNDED_DOMAIN = frozenset({"acos", "asin"})  # a positive operand does not help these
_NO_GRADIENT = frozenset({"bool", "count"})  # comparisons and their sums
_F32_MAX = 3.4028234663852886e38
_ACOSH_MAX = math.acosh(_F32_MAX)  # 89.4: cosh and sinh overflow float32 beyond it
# Functions that grow without bound, with the inverse of each: exp(x) = v at x = log(v).
_GROWTH = {"exp": math.log, "expm1": math.log1p}
_LINEAR = (cst.Multiply, cst.Divide, cst.Add, cst.Subtract)


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
        if op is None or op.subject is None:
            return None
        value = model.unwrapped(model.bound_value(node) or node)
        if value is not origin.node:
            # made by a same-file function (`lx = _log(x)`): its operand is the callee's
            # parameter, known here only as the call's one argument
            args = positional(value) if isinstance(value, cst.Call) else []
            return (origin.kind, args[0]) if len(args) == 1 and len(value.args) == 1 else None
        return origin.kind, op.subject
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


def unselected_hazards(model: Model, node: cst.CSTNode) -> list[tuple[cst.CSTNode, str, cst.CSTNode, bool]]:
    """For `torch.where(cond, a, b)`: each (node, operation, operand, chosen) in a or b that
    is singular in an operand the condition tests; `chosen` is the value of the condition
    where its branch is chosen (True for a)."""
    key = (id(node), "where")  # in the model's memo: every rule that defers to NAN502 asks
    hit = model._memo.get(key)
    if hit is not None and hit[0] is node:
        return hit[1]
    found = _unselected_hazards(model, node)
    model._memo[key] = (node, found)
    return found


def _where(model: Model, node: cst.CSTNode) -> tuple:
    """(condition, ((branch, the condition's value where it is chosen), ...)) of a
    `where` call; (None, ()) for another call."""
    op = model.call_op(node)
    cond, a, b = where_parts(op) if op is not None and op.name == "where" else (None, None, None)
    return (cond, tuple((branch, chosen) for branch, chosen in ((a, True), (b, False))
                        if branch is not None)) if cond is not None else (None, ())


def _unselected_hazards(model: Model, node: cst.CSTNode) -> list:
    cond, branches = _where(model, node)
    if cond is None:
        return []
    tested = [n for n in _walk(cond) if isinstance(n, (cst.Name, cst.Attribute, cst.Subscript, cst.Call))]
    found = []
    for branch, chosen in branches:
        for inner in _walk(branch):
            hit = singular_operand(model, inner)
            if hit is None:
                continue
            name, operand = hit
            if any(operand.deep_equals(t) for t in tested) and (
                    name in _BOUNDED_DOMAIN or not model.positive(operand) and not (
                        # a divisor made nonzero before (`d = torch.where(d == 0, 1, d)`)
                        name in ("division", "div") and model.value_range(operand).nonzero)):
                found.append((inner, name, operand, chosen))
    return found


def overflow_hazard(model: Model, cond: cst.BaseExpression, node: cst.CSTNode,
                    chosen: bool) -> Optional[tuple]:
    """For `node` in the branch of `where(cond, ...)` chosen where `cond` is `chosen`:
    (call, x, way, at, both) where the branch overflows float32 on values the where does
    not choose it for: `call` is the function that overflows, `x` the value tested, `way` 1
    where it overflows for a large x (-1: for a very negative x), `at` the x it overflows
    at (None where a scale of unknown size hides it), `both` whether it overflows on both
    sides (cosh, sinh).  None where the test bounds x short of that where the branch is
    not chosen, or x is bounded before (a clamp with a max, `-x.abs()`, a probability)."""
    hit = _overflowing(model, node)
    if hit is None:
        return None
    call, argument, limits = hit
    found = _monotone(model, argument, cond, 0)
    if found is None:
        return None
    x, sign, inverse = found
    lo, hi = model.interval(cond, x, not chosen)
    r = model.value_range(x)
    for direction, limit in limits:
        way = direction * sign
        at = inverse(limit) if inverse is not None else None
        at = at if at is not None and math.isfinite(at) else None
        if way > 0:
            top = math.inf if hi is None else hi.value
            if r.unit:
                top = min(top, 1.0) if top is not None else 1.0
            reaches = not model.bounded_above(x) and top is not None and (
                top == math.inf or at is not None and top > at)
        else:
            bottom = -math.inf if lo is None else lo.value
            if r.positive or r.unit or r.count or r.mask or (r.zero and not r.negative):
                bottom = max(bottom, 0.0) if bottom is not None else 0.0
            reaches = bottom is not None and (bottom == -math.inf or at is not None and bottom < at)
        if reaches:
            return call, x, way, at, len(limits) > 1
    return None


def _overflowing(model: Model, node: cst.CSTNode) -> Optional[tuple]:
    """(call, argument, limits) where `node` overflows float32 for some value of its
    argument: exp, expm1, exp2, cosh, sinh, a constant raised to it (`10 ** x`,
    `torch.pow(2, x)`), or a name bound to one of those calls; limits as in overflow_hazard,
    (direction, argument) pairs."""
    call = node
    if isinstance(node, cst.Name):  # `e = torch.exp(x)` computed before the where
        origin = model.origin(node)
        if origin is None or origin.kind not in (*_GROWTH, "cosh", "sinh", "pow") or \
                model.unwrapped(model.bound_value(node) or node) is not origin.node:
            return None
        call = origin.node
    op = model.call_op(call)
    if op is not None and op.name in ("cosh", "sinh") and op.subject is not None:
        return call, op.subject, ((1, _ACOSH_MAX), (-1, -_ACOSH_MAX))
    grows = _growth(model, call)
    if grows is None:
        return None
    argument, sign, step = grows
    return call, argument, ((sign, step(_F32_MAX)),)


def _growth(model: Model, expr: cst.CSTNode) -> Optional[tuple]:
    """(argument, sign, step) where `expr` is a function of its argument that grows without
    bound: exp, expm1, exp2, a positive constant other than 1 raised to it; sign -1 for
    one that grows as the argument falls (`0.5 ** x`), and step(v) the argument at which
    it is v."""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Power):
        base, argument = expr.left, expr.right
    else:
        op = model.call_op(expr)
        if op is None or op.subject is None:
            return None
        if op.name in _GROWTH:
            step = math.log2 if op.name == "exp" and _called(expr).endswith("exp2") else _GROWTH[op.name]
            return op.subject, 1, step
        if op.name != "pow":
            return None
        base, argument = op.subject, op.arg(1, "exponent")
    c = model.const(base) if argument is not None else None
    if c is None or c.value <= 0 or c.value == 1:
        return None  # `x ** 2`: a power of the value, not of a constant
    ln = math.log(c.value)
    return argument, 1 if ln > 0 else -1, lambda v: math.log(v) / ln


def _called(call: cst.Call) -> str:
    func = call.func
    return func.attr.value if isinstance(func, cst.Attribute) else func.value if \
        isinstance(func, cst.Name) else ""


def _monotone(model: Model, expr: cst.BaseExpression, cond: cst.BaseExpression, depth: int):
    """(x, sign, inverse) where `expr` is the value x that `cond` compares, or a monotone
    function of it: increasing (sign 1) or decreasing (-1), with inverse(v) the x at which
    expr is v, or None where a scale or shift of unknown size (`x / alpha`) hides it.  The
    functions: a negation, a scale or shift by a constant or a named value, and what
    `_growth` reads (`10 ** exp(x)`).  None for anything else (`x.clamp(max=t)`,
    `torch.where(c, x, 0)`, `x - x.max()`: bounded before)."""
    if depth > 8 or model.const(expr) is not None:  # (a constant is no value tested)
        return None
    if model.interval(cond, expr, True) is not None:
        return expr, 1, lambda v: v
    expr = model.unwrapped(expr)
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        return _then(_monotone(model, expr.expression, cond, depth + 1), -1, lambda v: -v)
    grows = _growth(model, expr)
    if grows is not None:
        argument, sign, step = grows
        return _then(_monotone(model, argument, cond, depth + 1), sign, step)
    if not isinstance(expr, cst.BinaryOperation) or not isinstance(expr.operator, _LINEAR):
        return None
    op = expr.operator
    for inner, other in ((expr.left, expr.right), (expr.right, expr.left)):
        if isinstance(op, cst.Divide) and inner is expr.right:
            break  # `k / x` falls as x grows, and has a pole
        c = model.const(other)
        if c is None and not isinstance(other, (cst.Name, cst.Attribute)):
            continue  # a tensor, a call: not a scale or a shift
        found = _monotone(model, inner, cond, depth + 1)
        if found is None:
            continue
        k = c.value if c is not None else None  # a named one: a positive hyperparameter
        if isinstance(op, (cst.Multiply, cst.Divide)):
            if k == 0:
                return None
            step = None if k is None else (lambda v, k=k: v / k) if isinstance(op, cst.Multiply) \
                else (lambda v, k=k: v * k)
            return _then(found, 1 if k is None or k > 0 else -1, step)
        if isinstance(op, cst.Add):
            return _then(found, 1, None if k is None else lambda v, k=k: v - k)
        if inner is expr.right:  # c - x
            return _then(found, -1, None if k is None else lambda v, k=k: k - v)
        return _then(found, 1, None if k is None else lambda v, k=k: v + k)
    return None


def _then(found, sign: int, step):
    """`found` (the map of an inner value) seen through one more monotone step: its sign
    times `sign`, and the inverse of the step applied before the inner inverse (None
    outside the step's domain: the log of a value not above 0)."""
    if found is None:
        return None
    x, inner_sign, inverse = found
    if inverse is None or step is None:
        return x, inner_sign * sign, None

    def composed(v):
        try:
            w = step(v)
        except (ValueError, OverflowError, ZeroDivisionError):
            return None
        return None if w is None else inverse(w)
    return x, inner_sign * sign, composed


class DefersToWhere:
    """For rules whose node may sit in a `torch.where` branch that NAN502 reports."""

    def left_to_where(self, node: cst.CSTNode) -> bool:
        """Whether NAN502 reports `node`.  Call it first thing in `visit_Call`: it notes each
        `where` call on the way in, before the nodes inside it are visited."""
        owned = self.__dict__.setdefault("_where_owned", set())
        owned.update(id(hazard[0]) for hazard in unselected_hazards(self.model, node))
        return id(node) in owned


class WhereGradient(Rule):
    code = "NAN502"
    summary = "torch.where guards the value of a singular or overflowing branch, not its gradient"
    why = (
        "`torch.where(x > 0, torch.log(x), 0)` computes `log(x)` for every element, "
        "chosen or not. Where the condition is False the branch is -inf (or inf, NaN), and in "
        "the backward pass its gradient `1/x = inf` is multiplied by the 0 that `where` sends "
        "there: inf * 0 = NaN, which reaches `x`. Measured on CPU: the gradient of "
        "`torch.where(x > 0, torch.log(x), 0)` at x = [0, 2] is [nan, 0.5]; with the operand "
        "made safe first it is [0, 0.5]. The same holds for sqrt, rsqrt, a division by x, "
        "a fractional power, acos and asin. "
        "It holds as well for a branch that overflows where it is not chosen: "
        "`torch.where(y <= 10, torch.exp(y), 1)` computes `exp(y)` for y = 100 too, where it "
        "is inf and its gradient inf: the gradient at y = [1, 100] is [2.72, nan], and "
        "[2.72, 0] with `torch.exp(y.clamp(max=10))`. Reported for exp, expm1, exp2, cosh, "
        "sinh and a constant raised to the power (`10 ** y`) of the value the test compares, "
        "or of a scaling or shift of it (`y / alpha`), where the test leaves the value "
        "unbounded on the side where that branch is not chosen (`torch.where(y > 20, y, "
        "torch.log(1 + torch.exp(y)))`), or bounded beyond where the branch overflows float32 "
        "(`tf.where(a < 15, a, tf.math.pow(10.0, tf.math.exp(a)))` overflows from a = 3.7); "
        "not where the argument is bounded first (a clamp with a max, `-y.abs()`, "
        "`y - y.max()`, a `where` that substitutes a safe value). "
        "Not reported where no gradient flows: under "
        "`@torch.no_grad()`, `@torch.inference_mode()`, `with torch.no_grad():`, in a "
        "helper the module calls only there, in inference code (a function named for "
        "prediction, post-processing, tracking or generation, a metric or tracker class), or in a "
        "module's `__init__` (buffers built once), for NumPy (no gradients), and for an "
        "operand no gradient reaches: a "
        "count of booleans (`(logits > 0).sum(-1)`), an integer cast, a `.detach()`ed value, "
        "or a new tensor (`torch.zeros(n)`, `torch.arange(n)`) made without `requires_grad`.")
    bad = """\
import torch
x = torch.tensor([0.0, 2.0], requires_grad=True)
torch.where(x > 0, torch.log(x), 0.0).sum().backward()
y = torch.tensor([1.0, 100.0], requires_grad=True)
torch.where(y <= 10, torch.exp(y), 1.0).sum().backward()
out = x.grad, y.grad
"""
    good = """\
import torch
x = torch.tensor([0.0, 2.0], requires_grad=True)
safe = torch.where(x > 0, x, 1.0)
torch.where(x > 0, torch.log(safe), 0.0).sum().backward()
y = torch.tensor([1.0, 100.0], requires_grad=True)
torch.where(y <= 10, torch.exp(y.clamp(max=10)), 1.0).sum().backward()
out = x.grad, y.grad
"""
    fix = ("Make the operand harmless where it is not chosen, then select: "
           "`safe = torch.where(cond, x, 1)` and `torch.where(cond, torch.log(safe), 0)` "
           "(0 is the harmless value for acos and asin). For an overflow, clamp the argument "
           "to the bound of the test first: `torch.where(y <= t, torch.exp(y.clamp(max=t)), "
           "1)`, or substitute a safe value for it the same way (`safe = torch.where(cond, 0, "
           "y)`).")
    fix_safety = None  # guidance only: no automatic rewrite yet
    references = ("torch.where documentation",
                  "JAX FAQ: gradients contain NaN where using where (the same mechanism)",
                  "PyTorch issue 156212: torch.where with exp gives NaN gradients")
    # What a branch computes, in the `where` itself or bound to a name it reads
    # (`lx = torch.log(x)`: a local's origin is the call it is bound to): a singular
    # function, or one that overflows.
    triggers = (frozenset({"where"}), frozenset({
        SINGULAR_IN_WHERE, SINGULAR_VALUE, POWER_IN_WHERE, "exp", "exp2", "expm1", "cosh",
        "sinh", "pow", "pow_"}))
    own_triggers = (triggers[0],)  # the where is in the statement; a branch may be bound before it

    def visit_Call(self, node: cst.Call) -> None:
        if self.model.framework(node) in vocab.NO_AUTOGRAD or self.model.gradient_off():
            return  # no gradient flows through `np.where`, nor under `torch.no_grad()`
        for inner, name, operand, chosen in unselected_hazards(self.model, node):
            if not self._gradient_reaches(operand):
                continue  # a count of booleans, a detached or new tensor
            x = self.snippet(operand, 20)
            what = {"division": f"1/{x}", "power": f"a root of {x}", "pow": f"a root of {x}",
                    "div": f"1/{x}"}.get(name, f"{name}({x})")
            harmless = 0 if name in _BOUNDED_DOMAIN else 1
            where = self.suggest("where", node)
            safe = f"{where}(cond, {x}, {harmless})" if chosen else f"{where}(cond, {harmless}, {x})"
            self.report(inner, f"{where} still computes {what} where the condition is "
                               f"{not chosen}: its inf gradient times 0 gives NaN; compute it on "
                               f"safe = {safe}")
        self._overflows(node)

    def _gradient_reaches(self, value: cst.CSTNode) -> bool:
        origin = self.model.origin(value)
        return not (origin is not None and origin.kind in _NO_GRADIENT or
                    self.model.value_range(value).constant)

    def _overflows(self, node: cst.Call) -> None:
        cond, branches = _where(self.model, node)
        # a node in nested wheres is reported once, and a branch once (its outermost
        # overflow): one safe value fixes every overflow in it
        done = self.__dict__.setdefault("_overflow_reported", set())
        for branch, chosen in branches:
            for inner in _walk(branch):
                hit = overflow_hazard(self.model, cond, inner, chosen)
                if hit is not None:
                    if id(inner) not in done and self._gradient_reaches(hit[1]):
                        done.add(id(inner))
                        self._report_overflow(node, cond, inner, chosen, *hit)
                    break

    def _report_overflow(self, node, cond, inner, chosen: bool, call, x, way: int,
                         at: Optional[float], both: bool) -> None:
        where = self.suggest("where", node)
        name = self.snippet(x, 20)
        if both:
            reach = f"for {name} beyond ±{abs(at):.3g}" if at is not None else \
                f"for a large {name} of either sign"
        elif at is None:
            reach = f"for a large {name}" if way > 0 else f"for a large negative {name}"
        else:
            reach = f"for {name} {'above' if way > 0 else 'below'} {at:.3g}"
        lo, hi = self.model.interval(cond, x, chosen)
        edge = None if both else hi if way > 0 else lo  # (one clamp for cosh: a safe value)
        if edge is not None:
            clamp = self.suggest("clamp_max", node, x=x, cap=edge.node) if way > 0 else \
                self.suggest("clamp_min", node, x=x, floor=edge.node)
            fix = f"clamp the argument first, {self._with(call, x, clamp)}"
        else:
            safe = f"{where}(cond, {name}, 0.0)" if chosen else f"{where}(cond, 0.0, {name})"
            fix = f"compute it on safe = {safe}"
        self.report(inner, f"{where} still computes {self.snippet(call, 40)} where the condition "
                           f"is {not chosen}, and it overflows to inf there ({reach}): its "
                           f"gradient 0 * inf is NaN; {fix}")

    def _with(self, call: cst.CSTNode, x: cst.CSTNode, clamp: str) -> str:
        """`call` with `x` replaced by `clamp`, where that reads short; else `clamp`."""
        try:
            text = self.snippet(call.deep_replace(x, cst.parse_expression(clamp)), 60)
        except Exception:  # noqa: BLE001 - a suggestion that does not parse: said alone
            return clamp
        return clamp if text.endswith("...") else text
