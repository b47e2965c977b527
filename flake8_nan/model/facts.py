"""What the model records of names and values: constants, origins, facts, scopes,
operations, and the helpers that read calls."""
from __future__ import annotations

import builtins
import inspect
from dataclasses import dataclass
from typing import Optional

import libcst as cst

from .. import traverse, vocab
from ..ranges import Range


_BUILTINS = frozenset(dir(builtins))
# Identifiers that name a numerical guard whose value is set elsewhere
# (a config, a caller): `x + self.eps` is treated as guarded.
_GUARD_WORDS = ("eps", "epsilon", "tiny", "smooth", "delta")
_MAX_DEPTH = 25
# The node types the model tells expressions apart by, compared exactly (`type(expr) is`,
# `in`): an isinstance that fails on a libcst node runs ABCMeta's check in Python, and the
# model makes millions of them.  None of these types has a subclass.
NAMES = frozenset({cst.Name, cst.Attribute})
NUMBERS = frozenset({cst.Integer, cst.Float})


@dataclass(frozen=True)
class Const:
    value: float
    source: str = ""  # where the value came from, for messages


@dataclass(frozen=True)
class Origin:
    kind: str  # the operation that produced the value: "softmax", "sum", "count", ...
    positive: bool = False  # provably > 0
    node: object = None  # the producing call (or, for "self", the class scope)
    inner: Optional[str] = None  # for "log": the origin kind of its argument
    # (for "one_minus", of the value subtracted from 1; for "arith", "log" or "div";
    # for "module", the operation an instance applies when called)


@dataclass(frozen=True)
class Fill:
    """A -inf written into a tensor (model.fills): `x.masked_fill(m, -inf)`,
    `torch.where(m, x, -inf)`, `x[m] = -inf`, `x + torch.full(..., -inf)`."""
    value: cst.BaseExpression  # the -inf written: where a report points
    mask: Optional[cst.BaseExpression] = None  # what selects the entries filled, where known
    node: Optional[cst.CSTNode] = None  # the call or the statement that writes it


@dataclass(frozen=True)
class Fact:
    qualname: Optional[str] = None
    const: Optional[Const] = None
    origin: Optional[Origin] = None
    range: Optional[Range] = None  # what the value was when bound (model.values)
    value: Optional[cst.CSTNode] = None  # the expression it was bound to, where one was
    fill: Optional[Fill] = None  # a -inf written into it, on some path since it was made

    def key(self):
        o = self.origin
        return (self.qualname, self.const and self.const.value,
                o and (o.kind, o.positive, o.inner, o.node if o.kind == "self" else None), self.range,
                self.fill is not None)


UNKNOWN = Fact()


class Scope:
    __slots__ = ("kind", "names", "parent", "attrs", "name", "returns", "return_ranges",
                 "guards", "classes", "role")

    def __init__(self, kind: str, parent: Optional["Scope"], name: str = ""):
        self.kind = kind
        self.names: dict[str, Fact] = {}
        self.parent = parent
        self.attrs: dict[str, Fact] = {}  # class scopes: self.<attr> set in __init__
        self.name = name
        # class scopes: a metric or a tracker by its name or a base's (callers.INFERENCE_CLASS),
        # whose methods take no gradient
        self.role = False
        # function scopes: the origins of the `return` values seen so far; None once the
        # function is known to give something else (a bare return, a yield)
        self.returns: Optional[list] = []
        self.return_ranges: list = []  # function scopes: the ranges of those values
        # (test, whether it holds) known for the rest of the scope: `if d == 0: return`
        # leaves (d == 0, False); `assert d > 0` leaves (d > 0, True)
        self.guards: list[tuple[cst.BaseExpression, bool]] = []
        self.classes: set[str] = set()  # the classes defined in the scope's own body


class _Frame:
    """Bindings made inside one conditional construct (if/for/while/try)."""
    __slots__ = ("scope", "before", "facts", "node", "done")

    def __init__(self, scope: Scope, node: Optional[cst.CSTNode] = None):
        self.scope = scope
        self.node = node
        self.before: dict[str, Optional[Fact]] = {}
        self.facts: dict[str, list[Fact]] = {}
        # of an `if` or `match`: what each branch left, once the next branch starts
        self.done: dict[str, list[Fact]] = {}


def dotted(node: cst.CSTNode) -> Optional[str]:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted(node.value)
        return head and f"{head}.{node.attr.value}"
    return None


def fmt(value: float) -> str:
    return f"{value:g}"


def positional(call: cst.Call) -> list[cst.BaseExpression]:
    return [a.value for a in call.args if a.keyword is None and not a.star]


def keyword(call: cst.Call, name: str) -> Optional[cst.BaseExpression]:
    for a in call.args:
        if a.keyword is not None and a.keyword.value == name:
            return a.value
    return None


def has_star(call: cst.Call) -> bool:
    return any(a.star for a in call.args)


def argument(call: cst.Call, index: int, name: str) -> Optional[cst.BaseExpression]:
    """The argument bound to parameter `name` at positional slot `index`."""
    pos = positional(call)
    return pos[index] if index < len(pos) else keyword(call, name)


class Op:
    """A call resolved to an operation.  `args` are the operation's operands:
    for `x.clamp(min=1)` and `torch.clamp(x, min=1)` alike, args[0] is x."""
    __slots__ = ("name", "call", "args", "method")

    def __init__(self, name: str, call: cst.Call, method: bool):
        self.name = name
        self.call = call
        self.method = method
        pos = positional(call)
        self.args = [call.func.value, *pos] if method else pos

    def arg(self, index: int, keyword_name: str) -> Optional[cst.BaseExpression]:
        if index < len(self.args):
            return self.args[index]
        found = keyword(self.call, keyword_name)
        for alias in vocab.KEYWORD_ALIASES.get(keyword_name, ()) if found is None else ():
            found = found or keyword(self.call, alias)  # `np.clip(p, a_min=eps)`
        return found

    @property
    def subject(self) -> Optional[cst.BaseExpression]:
        return self.arg(0, "input")


_CONDITIONAL = ("If", "For", "While", "Try", "TryStar", "Match")
_COMPREHENSIONS = ("ListComp", "SetComp", "DictComp", "GeneratorExp")


def visitor_names(cls) -> tuple[str, ...]:
    """The visit_/leave_ methods a batchable visitor class defines, found once
    per class instead of once per file as `get_visitors` would.  libcst's own classes
    define only no-op ones, some 800: they are not read (`inspect.getmembers` over
    them cost 2 ms a class, a tenth of the plugin's start-up)."""
    names = {name for klass in cls.__mro__ if not klass.__module__.startswith("libcst")
             for name, fn in vars(klass).items()
             if name.startswith(("visit_", "leave_")) and inspect.isfunction(fn)}
    return tuple(sorted(n for n in names if not getattr(getattr(cls, n), "_is_no_op", False)))


def _names_read(node: cst.CSTNode):
    """The names and attributes `node` reads (`p` and `self.eps`, not `log` in `torch.log`
    nor `dim` in `dim=1`)."""
    todo = [node]
    while todo:
        n = todo.pop()
        if isinstance(n, (cst.Name, cst.Attribute)):
            yield n
        if isinstance(n, cst.Attribute):
            todo.append(n.value)
        elif isinstance(n, cst.Arg):
            todo.append(n.value)
        else:
            todo.extend(traverse.children(n))


def _sum_positive(inner: Optional[Origin]) -> bool:
    """A sum of positive values; of a softmax (whose largest value in a row is at least
    1/n); of sigmoids (0 only where every term underflows, below -88 in float32); or of
    the top values of either."""
    if inner is None:
        return False
    if inner.kind == "topk_values":
        return inner.positive or inner.inner in _NORMALISED
    return inner.positive or inner.kind in _NORMALISED


_NORMALISED = frozenset({"softmax", "sigmoid"})


def _returns_at_end(node: cst.FunctionDef) -> bool:
    """Whether a function's body ends with `return <value>` (a cheap test for a pre-scan)."""
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    last = body[-1] if body else None
    return isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], cst.Return) \
        and last.body[-1].value is not None


def where_parts(op: Op) -> tuple:
    """(condition, chosen where true, chosen where false) of `torch.where` or `x.where`."""
    if op.method:  # x.where(condition, y)
        return op.arg(1, "condition"), op.subject, op.arg(2, "other")
    return op.arg(0, "condition"), op.arg(1, "input"), op.arg(2, "other")


def _dot(origin: Optional[Origin]) -> bool:
    return origin is not None and (origin.kind in ("dot", "matmul", "mm", "bmm")
                                   or origin.kind == "sum" and origin.inner == "product")


_BOUNDED_KINDS = frozenset({"unit", "cosine", "cosine_product"})


def _bounded(origin: Optional[Origin]) -> bool:
    """Values within [-1, 1] by construction (up to rounding)."""
    return origin is not None and (origin.kind in _BOUNDED_KINDS or origin.kind == "sum"
                                   and origin.inner == "cosine_product")


_MIRROR = {cst.GreaterThan: cst.LessThan, cst.LessThan: cst.GreaterThan,
           cst.GreaterThanEqual: cst.LessThanEqual, cst.LessThanEqual: cst.GreaterThanEqual}
_NEGATE = {cst.GreaterThan: cst.LessThanEqual, cst.LessThanEqual: cst.GreaterThan,
           cst.GreaterThanEqual: cst.LessThan, cst.LessThan: cst.GreaterThanEqual}


def _literal(node) -> Optional[float]:
    """A numeric literal's value; None for one no float can hold (`10**400` written out)."""
    try:
        return float(node.evaluated_value)
    except (OverflowError, ValueError):
        return None


_IMPORT_ALIASES = {"torch.nn.functional": "F", "torch.nn": "nn"}
# Which framework's spelling a module that imports several without PyTorch reads in.
_FRAMEWORK_ORDER = ("torch", "tf", "jax", "numpy")
_POSITIVE_CONST = Origin("const", positive=True)
_BOOL = Origin("bool")
_INF = Origin("inf", positive=True)
_NEG_INF = Origin("neg_inf")
_NEGATED = {_INF: _NEG_INF, _NEG_INF: _INF}
_GUARD_KINDS = frozenset({"clamp", "maximum", "guard", "const"})
_SUMMED = frozenset({"square", "product", "cosine_product"})  # sums whose terms the model keeps apart
_INF_TEXT = {"inf": _INF, "+inf": _INF, "infinity": _INF, "-inf": _NEG_INF, "-infinity": _NEG_INF}
_ARITH = {
    cst.Add: lambda a, b: a + b,
    cst.Subtract: lambda a, b: a - b,
    cst.Multiply: lambda a, b: a * b,
    cst.Divide: lambda a, b: a / b,
    cst.Power: lambda a, b: a ** b,
    cst.LeftShift: lambda a, b: _shift(a, b),
}


def _shift(a: float, b: float) -> int:
    if not (a.is_integer() and b.is_integer() and 0 <= b <= 1024):  # a bounded result
        raise ValueError("not a whole shift")
    return int(a) << int(b)
