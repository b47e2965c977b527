"""The shared semantic model: names, constants and value origins.

The model is the first visitor of the batched traversal.  It keeps a stack
of scopes and records each binding when the binding statement is *left*, so
a rule looking at `p = torch.log(p)` still sees the `p` from before.  Rules
never re-derive any of this: they ask `qualname`, `call_op`, `const` and
`origin`.

Where a value cannot be resolved the answer is None, and rules that depend
on origins stay silent.
"""
from __future__ import annotations

import builtins
import inspect
from collections import deque
from dataclasses import dataclass, replace
from typing import Optional, Sequence

import libcst as cst

from . import traverse, vocab

_BUILTINS = frozenset(dir(builtins))
# Identifiers that name a numerical guard whose value is set elsewhere
# (a config, a caller): `x + self.eps` is treated as guarded.
_GUARD_WORDS = ("eps", "epsilon", "tiny", "smooth", "delta")
_MAX_DEPTH = 25


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
class Fact:
    qualname: Optional[str] = None
    const: Optional[Const] = None
    origin: Optional[Origin] = None

    def key(self):
        o = self.origin
        return (self.qualname, self.const and self.const.value,
                o and (o.kind, o.positive, o.inner, o.node if o.kind == "self" else None))


UNKNOWN = Fact()


class Scope:
    __slots__ = ("kind", "names", "parent", "attrs", "name", "returns")

    def __init__(self, kind: str, parent: Optional["Scope"], name: str = ""):
        self.kind = kind
        self.names: dict[str, Fact] = {}
        self.parent = parent
        self.attrs: dict[str, Fact] = {}  # class scopes: self.<attr> set in __init__
        self.name = name
        # function scopes: the origins of the `return` values seen so far; None once the
        # function is known to give something else (a bare return, a yield)
        self.returns: Optional[list] = []


class _Frame:
    """Bindings made inside one conditional construct (if/for/while/try)."""
    __slots__ = ("scope", "before", "facts")

    def __init__(self, scope: Scope):
        self.scope = scope
        self.before: dict[str, Optional[Fact]] = {}
        self.facts: dict[str, list[Fact]] = {}


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
    per class instead of once per file as `get_visitors` would."""
    return tuple(name for name, fn in inspect.getmembers(cls, inspect.isfunction)
                 if name.startswith(("visit_", "leave_")) and not getattr(fn, "_is_no_op", False))


class Model(cst.BatchableCSTVisitor):
    def get_visitors(self):
        names = Model.__dict__.get("_names") or _cache_names(Model)
        return {name: getattr(self, name) for name in names}

    def __init__(self, prescan: bool = False, stack: Sequence[Scope] = (),
                 frameworks: Optional[set] = None):
        super().__init__()
        self.stack: list[Scope] = list(stack) or [Scope("module", None)]
        # the frameworks some import names, in any scope (shared with the models of
        # methods read ahead): with none but PyTorch, no call can be another's
        self.frameworks: set[str] = set() if frameworks is None else frameworks
        self.frames: list[_Frame] = []
        self.prescan = prescan  # recording self.<attr> bindings of one __init__
        # (id(expr), depth) -> origin and (id(call), -1) -> operation, valid until the next
        # binding or scope change: an origin asks for its operands' several times over,
        # which compounds with nesting
        self._memo: dict[tuple[int, int], tuple[cst.CSTNode, object]] = {}

    # ---------------------------------------------------------------- scopes
    @property
    def scope(self) -> Scope:
        return self.stack[-1]

    def lookup(self, name: str) -> Optional[Fact]:
        scope: Optional[Scope] = self.scope
        first = True
        while scope is not None:
            # a class body's names are not visible from the methods inside it
            if first or scope.kind != "class":
                fact = scope.names.get(name)
                if fact is not None:
                    return fact
            first = False
            scope = scope.parent
        if name in _BUILTINS:
            return Fact(qualname=f"builtins.{name}")
        return None

    def bind(self, name: str, fact: Fact) -> None:
        scope = self.scope
        for frame in self.frames:
            if frame.scope is scope:
                frame.before.setdefault(name, scope.names.get(name))
                frame.facts.setdefault(name, []).append(fact)
        scope.names[name] = fact
        self._memo.clear()
        if fact.qualname is not None:
            found = vocab.framework(fact.qualname)
            if found:
                self.frameworks.add(found)

    def _push(self, kind: str, name: str = "") -> Scope:
        scope = Scope(kind, self.scope, name)
        self.stack.append(scope)
        self._memo.clear()
        return scope

    def _pop(self, *_args) -> None:
        self.stack.pop()
        self._memo.clear()

    def _bind_targets(self, target: cst.CSTNode, fact: Fact = UNKNOWN) -> None:
        if isinstance(target, cst.Name):
            self.bind(target.value, fact)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for i, el in enumerate(target.elements):
                self._bind_targets(el.value, self._element(fact, i))
        elif isinstance(target, cst.StarredElement):
            self._bind_targets(target.value)
        elif isinstance(target, cst.Attribute) and self.prescan:
            owner = self.self_class(target.value)
            if owner is not None:
                attr = target.attr.value
                old = owner.attrs.get(attr)
                owner.attrs[attr] = fact if old is None or old.key() == fact.key() else UNKNOWN
                self._memo.clear()

    # -------------------------------------------------------------- visitors
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted(alias.name)
            if alias.asname is not None:
                self._bind_targets(alias.asname.name, Fact(qualname=full))
            else:
                head = full.split(".", 1)[0]
                self.bind(head, Fact(qualname=head))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        module = None if node.relative else dotted(node.module) if node.module else None
        for alias in node.names:
            name = alias.name.value if isinstance(alias.name, cst.Name) else dotted(alias.name)
            fact = Fact(qualname=f"{module}.{name}") if module else UNKNOWN
            target = alias.asname.name if alias.asname is not None else alias.name
            self._bind_targets(target, fact)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.bind(node.name.value, UNKNOWN)
        outer = self.scope
        scope = self._push("function", node.name.value)
        params = node.params
        ordered = [*params.posonly_params, *params.params]
        static = any(dotted(d.decorator) in ("staticmethod", "classmethod") for d in node.decorators)
        for i, p in enumerate([*ordered, *params.kwonly_params]):
            fact = UNKNOWN
            if i == 0 and outer.kind == "class" and not static and p in ordered:
                fact = Fact(origin=Origin("self", node=outer))
            elif p.default is not None:
                c = self._const_in(p.default, outer)
                if c is not None:
                    fact = Fact(const=Const(c.value, f"default of parameter {p.name.value} "
                                                     f"in {node.name.value}()"))
            scope.names[p.name.value] = fact
        for p in (params.star_arg, params.star_kwarg):
            if isinstance(p, cst.Param):
                scope.names[p.name.value] = UNKNOWN

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._leave_definition(node, "function", self._returned)

    def _leave_definition(self, node, kind: str, output) -> None:
        """Bind a function or class to what calling it (or its instances) returns."""
        scope = self.scope
        self._pop()
        returned = output(node, scope)
        if returned is not None:
            self.bind(node.name.value, Fact(origin=Origin(kind, node=returned, inner=returned.kind)))

    def visit_Lambda(self, node: cst.Lambda) -> None:
        scope = self._push("function")
        p = node.params
        for param in (*p.posonly_params, *p.params, *p.kwonly_params, p.star_arg, p.star_kwarg):
            if isinstance(param, cst.Param):
                scope.names[param.name.value] = UNKNOWN

    leave_Lambda = _pop

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.bind(node.name.value, UNKNOWN)
        self._push("class", node.name.value)
        if self.prescan:
            return
        for stmt in node.body.body if isinstance(node.body, cst.IndentedBlock) else ():
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value == "__init__":
                sub = Model(prescan=True, stack=self.stack, frameworks=self.frameworks)
                traverse.visit(stmt, [sub])
            elif isinstance(stmt, cst.FunctionDef) and _returns_at_end(stmt):
                # a method called from one defined before it: its return value is known
                traverse.visit(stmt, [Model(stack=self.stack, frameworks=self.frameworks)])
        self._memo.clear()  # what they bound in the class scope

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._leave_definition(node, "module_class", self._module_class_output)

    def _visit_comp(self, node) -> None:
        # The element is visited before the `for` clauses that bind its names.
        self._push("function")
        comp = node.for_in
        while comp is not None:
            self._bind_targets(comp.target)
            comp = comp.inner_for_in

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comp
    leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = _pop

    def visit_For(self, node: cst.For) -> None:
        self._open_frame(node)
        self._bind_targets(node.target)

    def _open_frame(self, node) -> None:
        self.frames.append(_Frame(self.scope))

    visit_If = visit_While = visit_Try = visit_TryStar = visit_Match = _open_frame

    def _close_frame(self, node) -> None:
        frame = self.frames.pop()
        for name, facts in frame.facts.items():
            before = frame.before.get(name)
            candidates = facts + ([before] if before is not None else [])
            if len({f.key() for f in candidates}) > 1:
                frame.scope.names[name] = UNKNOWN
        self._memo.clear()

    leave_If = leave_For = leave_While = leave_Try = leave_TryStar = leave_Match = _close_frame

    def leave_Assign(self, node: cst.Assign) -> None:
        fact = self.fact(node.value)
        for t in node.targets:
            self._bind_targets(t.target, self._named(t.target, fact))

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            fact = self.fact(node.value)
            self._bind_targets(node.target, self._named(node.target, fact))

    def leave_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind_targets(node.target)
        if isinstance(node.target, cst.Attribute) and self.prescan:
            self._bind_targets(node.target, Fact(origin=Origin("reassigned")))

    def leave_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_targets(node.target, self.fact(node.value))

    def leave_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_targets(node.asname.name)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind_targets(node.name.name)

    def _named(self, target: cst.CSTNode, fact: Fact) -> Fact:
        """Record in a constant where it was bound, for messages."""
        if fact.const is None:
            return fact
        text = dotted(target)
        if text is None:
            return fact
        where = "" if self.scope.kind == "function" else f" at {self.scope.kind} level"
        source = f"{text} = {fmt(fact.const.value)}{where}"
        if fact.const.source:
            source += f", from the {fact.const.source}"
        return replace(fact, const=Const(fact.const.value, source))

    # --------------------------------------------------------------- queries
    def spelling(self, qualname: str) -> tuple[str, tuple[str, ...]]:
        """How this module can name `qualname`, and the import that needs, if any."""
        best = None
        for name, fact in self.stack[0].names.items():
            q = fact.qualname
            if q and (qualname == q or qualname.startswith(q + ".")):
                if best is None or len(q) > len(best[1]):
                    best = (name, q)
        if best is not None:
            return best[0] + qualname[len(best[1]):], ()
        module, _, attr = qualname.rpartition(".")
        alias = _IMPORT_ALIASES.get(module)
        if alias and alias not in self.stack[0].names:
            return f"{alias}.{attr}", (f"import {module} as {alias}",)
        head = qualname.split(".", 1)[0]
        return qualname, (f"import {head}",)

    def fact(self, expr: cst.BaseExpression) -> Fact:
        return Fact(self.qualname(expr), self.const(expr), self.origin(expr))

    def self_class(self, expr: cst.CSTNode) -> Optional[Scope]:
        """The class scope when `expr` is the `self` of a method."""
        if isinstance(expr, cst.Name):
            fact = self.lookup(expr.value)
            if fact is not None and fact.origin is not None and fact.origin.kind == "self":
                return fact.origin.node
        return None

    def _attr_fact(self, expr: cst.Attribute) -> Optional[Fact]:
        owner = self.self_class(expr.value)
        if owner is None:
            return None
        attr = expr.attr.value
        return owner.attrs.get(attr) or owner.names.get(attr)

    def _name_fact(self, expr: cst.CSTNode) -> Optional[Fact]:
        if isinstance(expr, cst.Name):
            return self.lookup(expr.value)
        if isinstance(expr, cst.Attribute):
            return self._attr_fact(expr)
        return None

    def qualname(self, expr: cst.CSTNode) -> Optional[str]:
        if isinstance(expr, cst.Name):
            fact = self.lookup(expr.value)
            return fact.qualname if fact is not None else None
        if isinstance(expr, cst.Attribute):
            head = self.qualname(expr.value)
            if head is not None:
                return f"{head}.{expr.attr.value}"
            fact = self._attr_fact(expr)
            return fact.qualname if fact is not None else None
        return None

    def call_op(self, call: cst.CSTNode) -> Optional[Op]:
        if not isinstance(call, cst.Call):
            return None
        key = (id(call), -1)  # rules ask it of the same call many times over
        hit = self._memo.get(key)
        if hit is not None and hit[0] is call:
            return hit[1]
        found = self._call_op(call)
        self._memo[key] = (call, found)
        return found

    def _call_op(self, call: cst.Call) -> Optional[Op]:
        func = call.func
        qn = self.qualname(func)
        if qn is not None:
            name = vocab.FUNCTIONS.get(qn)
            return Op(name, call, method=False) if name else None
        if isinstance(func, cst.Attribute):
            attr = func.attr.value
            if attr in vocab.SHAPE_METHODS:
                return Op("shape", call, method=True)
            entry = vocab.METHODS.get(attr)
            if entry is not None and len(positional(call)) <= entry[1] and not has_star(call) \
                    and self.self_class(func.value) is None:
                return Op(entry[0], call, method=True)
        return None

    def const(self, expr: cst.CSTNode) -> Optional[Const]:
        return self._const(expr, 0)

    def _const_in(self, expr: cst.CSTNode, scope: Scope) -> Optional[Const]:
        saved, self.stack = self.stack, self.stack[: self.stack.index(scope) + 1]
        try:
            return self.const(expr)
        finally:
            self.stack = saved

    def _const(self, expr: cst.CSTNode, depth: int) -> Optional[Const]:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, (cst.Integer, cst.Float)):
            value = _literal(expr)
            return None if value is None else Const(value)
        if isinstance(expr, cst.UnaryOperation):
            inner = self._const(expr.expression, depth + 1)
            if inner is None:
                return None
            if isinstance(expr.operator, cst.Minus):
                return Const(-inner.value, inner.source)
            return inner if isinstance(expr.operator, cst.Plus) else None
        if isinstance(expr, cst.BinaryOperation):
            left = self._const(expr.left, depth + 1)
            right = left and self._const(expr.right, depth + 1)
            if right is None:
                return None
            try:
                value = _ARITH[type(expr.operator)](left.value, right.value)
            except (KeyError, ArithmeticError, ValueError):
                return None
            return Const(float(value), left.source or right.source)
        fact = self._name_fact(expr)
        return fact.const if fact is not None else None

    def is_guard_name(self, expr: cst.CSTNode) -> bool:
        """`eps`, `self.eps`, `cfg.smooth`: a guard whose value is set elsewhere."""
        name = expr.value if isinstance(expr, cst.Name) else \
            expr.attr.value if isinstance(expr, cst.Attribute) else None
        return name is not None and any(w in name.lower() for w in _GUARD_WORDS)

    def positive(self, expr: cst.CSTNode) -> bool:
        o = self.origin(expr)
        return o is not None and o.positive

    def _floor_positive(self, expr: Optional[cst.CSTNode], depth: int) -> bool:
        if expr is None:
            return False
        c = self._const(expr, depth + 1)
        if c is not None:
            return c.value > 0
        return self.is_guard_name(expr) or self._positive(expr, depth + 1)

    def _positive(self, expr: cst.CSTNode, depth: int) -> bool:
        o = self._origin(expr, depth)
        return o is not None and o.positive

    def origin(self, expr: cst.CSTNode) -> Optional[Origin]:
        return self._origin(expr, 0)

    def _origin(self, expr: cst.CSTNode, depth: int) -> Optional[Origin]:
        key = (id(expr), depth)
        hit = self._memo.get(key)
        if hit is not None and hit[0] is expr:  # not a node since freed whose id is reused
            return hit[1]
        found = self._compute_origin(expr, depth)
        self._memo[key] = (expr, found)
        return found

    def _compute_origin(self, expr: cst.CSTNode, depth: int) -> Optional[Origin]:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, (cst.Name, cst.Attribute)) and self.qualname(expr) in vocab.INF_NAMES:
            return _INF
        if isinstance(expr, cst.Attribute) and expr.attr.value in vocab.SHAPE_ATTRIBUTES:
            return self._origin(expr.value, depth + 1)
        if isinstance(expr, (cst.Name, cst.Attribute)):
            fact = self._name_fact(expr)
            if fact is None:
                return None
            if fact.origin is None and fact.const is not None and fact.const.value > 0:
                return _POSITIVE_CONST
            return fact.origin
        if isinstance(expr, (cst.Integer, cst.Float)):
            value = _literal(expr)
            return _POSITIVE_CONST if value is not None and value > 0 else None
        if isinstance(expr, cst.Subscript):
            return self._origin(expr.value, depth + 1)
        if isinstance(expr, cst.Comparison) or (
                isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, (cst.Not, cst.BitInvert))):
            return _BOOL
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
            # -inf stays an infinity; -(t * logp) is arithmetic over a log
            return _NEGATED.get(self._origin(expr.expression, depth + 1)) or \
                self._neg_expm1_origin(expr, depth) or self._arith_origin(expr, depth)
        if isinstance(expr, cst.BinaryOperation):
            return self._binary_origin(expr, depth)
        if isinstance(expr, cst.Call):
            return self._call_origin(expr, depth)
        return None

    def _binary_origin(self, expr: cst.BinaryOperation, depth: int) -> Optional[Origin]:
        op = expr.operator
        if isinstance(op, cst.Add):
            if self._floor_positive(expr.right, depth) or self._floor_positive(expr.left, depth):
                return Origin("guard", positive=True)
        elif isinstance(op, (cst.Multiply, cst.Divide)):
            if self._positive(expr.left, depth + 1) and self._positive(expr.right, depth + 1):
                return Origin("product", positive=True)
        elif isinstance(op, (cst.BitAnd, cst.BitOr)):
            left = self._origin(expr.left, depth + 1)
            if left is not None and left.kind == "bool":
                return _BOOL
        found = self._value_binary_origin(expr, depth)
        if found is None or found.kind == "product":  # arithmetic over a log or a division says more
            return self._open_binary_origin(expr, depth) or found
        return found

    def _call_origin(self, call: cst.Call, depth: int) -> Optional[Origin]:
        op = self.call_op(call)
        if op is None:
            return self._constructor_origin(call)
        name = op.name
        if name == "shape":
            subject = op.subject
            return subject is not None and self._origin(subject, depth + 1) or None
        if name == "arange":  # `torch.arange(1, n + 1)`: positive when it starts at 1 or more
            start = op.args[0] if len(op.args) > 1 else None
            c = start is not None and self._const(start, depth + 1)
            return Origin("arange", positive=bool(c) and c.value >= 1, node=call)
        if name == "exp" or name == "ones" or name == "ones_like":
            return Origin(name, positive=True, node=call)
        if name in ("clamp", "clamp_min"):
            return Origin("clamp", positive=self._floor_positive(op.arg(1, "min"), depth)
                          or self._clamp_keeps_positive(op, depth), node=call)
        if name == "maximum":
            pos = any(self._floor_positive(op.arg(i, n), depth) for i, n in ((0, "input"), (1, "other")))
            return Origin("maximum", positive=pos, node=call)
        if name == "tensor":
            c = op.subject is not None and self._const(op.subject, depth + 1)
            return Origin("tensor", positive=bool(c) and c.value > 0, node=call)
        if name == "sum":
            inner = op.subject is not None and self._origin(op.subject, depth + 1) or None
            if inner is not None and inner.kind in ("bool", "count"):
                return Origin("count", node=call)
            return Origin("sum", positive=_sum_positive(inner), node=call,
                          inner=inner.kind if inner is not None and inner.kind in _SUMMED else None)
        if name == "count_nonzero":
            return Origin("count", node=call)
        if name in vocab.LOG_OPS:
            inner = op.subject is not None and self._origin(op.subject, depth + 1) or None
            return Origin("log", node=call, inner=inner.kind if inner else None)
        return self._value_call_origin(op, depth) or self._positive_call_origin(op, depth) or \
            Origin(name, node=call)

    def _constructor_origin(self, call: cst.Call) -> Optional[Origin]:
        func = call.func
        qn = self.qualname(func)
        if isinstance(func, cst.Attribute) and func.attr.value == "from_pretrained":
            qn = self.qualname(func.value)
        if qn is not None and vocab.is_hf_model_class(qn):
            return Origin("hf_model", node=call)
        if qn == "builtins.max":
            if any(self._floor_positive(a, 0) for a in positional(call)):
                return Origin("maximum", positive=True, node=call)
        return self._defined_call_origin(call, qn) or self._instance_call_origin(call, qn) or \
            self._module_origin(call, qn) or self._keras_origin(call, qn)

    # ------------------------------------------- origins of values and layers
    # Squares and their sums, norms and the values they bound to [-1, 1], masked
    # writes, infinities, and what a layer instance returns.
    def _value_binary_origin(self, expr: cst.BinaryOperation, depth: int) -> Optional[Origin]:
        op = expr.operator
        if isinstance(op, cst.Power):
            exponent = self._const(expr.right, depth + 1)
            if exponent is None or exponent.value != 2:
                return None
            return Origin("square", positive=self._positive(expr.left, depth + 1), node=expr)
        if isinstance(op, cst.Multiply) and expr.left.deep_equals(expr.right):
            return Origin("square", node=expr)
        if not isinstance(op, (cst.Multiply, cst.Divide, cst.MatrixMultiply)):
            return None
        left = self._origin(expr.left, depth + 1)
        right = self._origin(expr.right, depth + 1)
        if isinstance(op, cst.Divide):
            norm = self._norm_call(right, depth)
            if norm is None:
                return None
            if _dot(left):  # a.b / (|a| |b|)
                return Origin("cosine", node=expr)
            norm_op = self.call_op(norm) if isinstance(norm, cst.Call) else None
            subject = norm_op and norm_op.subject
            return Origin("unit", node=expr) if subject and subject.deep_equals(expr.left) else None
        if isinstance(op, cst.Multiply):
            if left and right and left.kind == right.kind == "norm":
                return Origin("norm", node=expr)
            if _bounded(left) and _bounded(right):
                return Origin("cosine_product", node=expr)
            return Origin("product", node=expr)
        return Origin("cosine" if _bounded(left) and _bounded(right) else "matmul", node=expr)

    def _norm_call(self, origin: Optional[Origin], depth: int) -> Optional[cst.CSTNode]:
        """The node that computes a norm (or a product of norms), clamped away from 0 or not."""
        if origin is not None and origin.kind in ("clamp", "maximum"):
            op = self.call_op(origin.node)
            origin = op and op.subject is not None and self._origin(op.subject, depth + 1)
        return origin.node if origin and origin.kind == "norm" else None

    def _value_call_origin(self, op: Op, depth: int) -> Optional[Origin]:
        name, call = op.name, op.call
        if name == "pow":
            exponent = op.arg(1, "exponent")
            c = exponent is not None and self._const(exponent, depth + 1)
            if not c or c.value != 2 or op.subject is None:
                return None
            return Origin("square", positive=self._positive(op.subject, depth + 1), node=call)
        if name == "mean":
            inner = op.subject is not None and self._origin(op.subject, depth + 1) or None
            return Origin("mean", positive=bool(inner and inner.positive), node=call,
                          inner=inner.kind if inner and inner.kind in _SUMMED else None)
        if name in ("matmul", "mm", "bmm", "dot") and len(op.args) == 2:
            if all(_bounded(self._origin(a, depth + 1)) for a in op.args):
                return Origin("cosine", node=call)
            return None
        if name == "masked_fill":
            value = op.arg(2, "value")
            inner = value is not None and self._origin(value, depth + 1) or None
            return Origin("masked_fill", node=call, inner=inner and inner.kind)
        if name == "where":
            return self._where_origin(op, depth)
        return None

    # ------------------------------------------- origins of the NAN1xx/2xx/7xx rules
    def _open_binary_origin(self, expr: cst.BinaryOperation, depth: int) -> Optional[Origin]:
        """What `_binary_origin` leaves open: `1 - p` ("one_minus", inner: p's kind),
        a division that is not provably positive ("div"), and arithmetic over the
        output of a log or a division ("arith", see `_arith_origin`)."""
        op = expr.operator
        if isinstance(op, cst.Subtract):
            one = self._const(expr.left, depth + 1)
            if one is not None and one.value == 1:
                right = self._origin(expr.right, depth + 1)
                if right is not None:
                    return Origin("one_minus", node=expr, inner=right.kind)
        if isinstance(op, cst.Divide):
            return Origin("div", node=expr)
        if isinstance(op, (cst.Add, cst.Subtract, cst.Multiply)):
            return self._arith_origin(expr, depth)
        if isinstance(op, cst.Power):
            return self._power_origin(expr, depth)
        return None

    def _arith_origin(self, expr: cst.BaseExpression, depth: int) -> Optional[Origin]:
        """`-(t * logp)`, `a / b + c`: "arith", inner "log" or "div", node the expression."""
        source = self._arith_source(expr, depth)
        return Origin("arith", node=expr, inner=source) if source else None

    def _arith_source(self, expr: cst.BaseExpression, depth: int) -> Optional[str]:
        # Structural walk: computing the full origin of every operand again would
        # make long sums cost exponential time.
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, cst.BinaryOperation) and isinstance(
                expr.operator, (cst.Add, cst.Subtract, cst.Multiply)):
            return self._arith_source(expr.left, depth + 1) or self._arith_source(expr.right, depth + 1)
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
            return self._arith_source(expr.expression, depth + 1)
        o = self._origin(expr, depth + 1)
        if o is None:
            return None
        return o.inner if o.kind == "arith" else o.kind if o.kind in ("log", "div") else None

    def _module_origin(self, call: cst.Call, qn: Optional[str]) -> Optional[Origin]:
        """`nn.Softmax(dim=-1)` ("module", inner "softmax"), a call of such an instance
        ("softmax"), and `float("nan")` ("nan")."""
        if qn in vocab.MODULES:
            return Origin("module", node=call, inner=vocab.MODULES[qn])
        if qn == "builtins.float":
            pos = positional(call)
            if len(pos) == 1 and isinstance(pos[0], cst.SimpleString) and \
                    str(pos[0].evaluated_value).strip().lower().lstrip("+-") == "nan":
                return Origin("nan", node=call)
            return None
        fact = self._name_fact(call.func)
        if fact is not None and fact.origin is not None and fact.origin.kind == "module":
            return Origin(fact.origin.inner, node=call)
        return None

    def _where_origin(self, op: Op, depth: int) -> Optional[Origin]:
        """`torch.where(x > 0, x, 1)` is positive: each branch is positive where it is chosen."""
        cond, a, b = where_parts(op)
        if cond is None or a is None or b is None:
            return None
        branches = [(self._origin(v, depth + 1), v, chosen) for v, chosen in ((a, True), (b, False))]
        positive = all((o is not None and o.positive) or self._implies_positive(cond, v, chosen, depth)
                       for o, v, chosen in branches)
        neg_inf = any(o == _NEG_INF for o, _, _ in branches)
        return Origin("where", positive=positive, node=op.call, inner="neg_inf" if neg_inf else None)

    def _implies_positive(self, cond: cst.BaseExpression, value: cst.BaseExpression,
                          holds: bool, depth: int) -> bool:
        """Whether `cond` being `holds` proves `value` > 0 (`x > 0`, `x >= eps`, `x <= 0` false)."""
        if isinstance(cond, cst.BinaryOperation) and isinstance(cond.operator, (cst.BitAnd, cst.BitOr)):
            splits = isinstance(cond.operator, cst.BitAnd) == holds  # one side of it decides
            sides = [self._implies_positive(c, value, holds, depth) for c in (cond.left, cond.right)]
            return any(sides) if splits else all(sides)
        if not isinstance(cond, cst.Comparison) or len(cond.comparisons) != 1:
            return False
        target = cond.comparisons[0]
        op, other = type(target.operator), target.comparator
        if value.deep_equals(target.comparator):  # `0 < x` reads as `x > 0`
            op, other = _MIRROR.get(op), cond.left
        elif not value.deep_equals(cond.left):
            return False
        if not holds:
            op = _NEGATE.get(op)
        c = self._const(other, depth + 1)
        floor = c.value if c is not None else 1.0 if self._floor_positive(other, depth) else None
        return floor is not None and (op is cst.GreaterThan and floor >= 0
                                      or op is cst.GreaterThanEqual and floor > 0)

    def _instance_call_origin(self, call: cst.Call, qn: Optional[str]) -> Optional[Origin]:
        """`float("-inf")`, and what calling an `nn.Softmax()` or `nn.CosineSimilarity()` gives."""
        if qn == "builtins.float":
            args = positional(call)
            if len(args) == 1 and isinstance(args[0], cst.SimpleString):
                text = args[0].evaluated_value
                return _INF_TEXT.get(text.strip().lower()) if isinstance(text, str) else None
            return None
        if qn is not None:
            return None
        layer = self._origin(call.func, 1)
        output = layer is not None and vocab.MODULE_OUTPUTS.get(layer.kind)
        return Origin(output, node=call) if output else None

    def leave_Expr(self, node: cst.Expr) -> None:
        """`self.register_buffer("mask", value)` in `__init__` binds `self.mask`."""
        call = node.value
        if not self.prescan or not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            return
        args = positional(call)
        if call.func.attr.value in ("register_buffer", "register_parameter") and len(args) >= 2 \
                and isinstance(args[0], cst.SimpleString):
            name = args[0].evaluated_value
            if isinstance(name, str) and name.isidentifier():
                target = cst.Attribute(value=call.func.value, attr=cst.Name(name))
                self._bind_targets(target, self.fact(args[1]))

    # ------------------------------------------- values through same-file definitions
    # A function or method whose every return has the same origin hands that origin to
    # its calls; an `nn.Module` class whose `forward` does, and an `nn.Sequential` whose
    # last layer is a known layer, hand it to calls of their instances.
    def leave_Return(self, node: cst.Return) -> None:
        scope = self.scope
        if scope.kind != "function" or scope.returns is None:
            return
        if node.value is None:
            scope.returns = None
        else:
            scope.returns.append(self.origin(node.value))

    def _no_value(self, node) -> None:
        if self.scope.kind == "function":
            self.scope.returns = None

    visit_Yield = visit_Await = _no_value

    def _returned(self, node: cst.FunctionDef, scope: Scope) -> Optional[Origin]:
        """The origin every return of a function agrees on, if it keeps its value."""
        returns = scope.returns
        if not returns or node.asynchronous is not None or any(o is None for o in returns):
            return None
        if any(self._decorator_name(d.decorator) not in vocab.TRANSPARENT_DECORATORS
               for d in node.decorators):
            return None
        if len({(o.kind, o.positive, o.inner) for o in returns}) != 1:
            return None
        first = returns[0]
        # positivity crosses a call where a guard in the function makes it (a clamp, + eps),
        # not where it rests on the model's reading of an operation such as exp
        return first if first.kind in _GUARD_KINDS or not first.positive else replace(first, positive=False)

    def _decorator_name(self, decorator: cst.BaseExpression) -> Optional[str]:
        if isinstance(decorator, cst.Call):
            decorator = decorator.func
        return self.qualname(decorator)

    def _module_class_output(self, node: cst.ClassDef, scope: Scope) -> Optional[Origin]:
        """What calling an instance of a same-file `nn.Module` class returns."""
        forward = scope.names.get("forward")
        if forward is None or forward.origin is None or forward.origin.kind != "function":
            return None
        for base in node.bases:
            qn = self.qualname(base.value)
            fact = self._name_fact(base.value) if qn is None else None
            if qn in vocab.MODULE_BASES or (
                    fact is not None and fact.origin is not None and fact.origin.kind == "module_class"):
                return forward.origin.node
        return None

    def _defined_call_origin(self, call: cst.Call, qn: Optional[str]) -> Optional[Origin]:
        """A call of a same-file function, or of a class or container whose instances
        apply a known layer."""
        if qn in vocab.SEQUENTIAL:
            layers = positional(call)
            if len(layers) == 1 and isinstance(layers[0], (cst.List, cst.Tuple)):  # Keras
                elements = layers[0].elements
                layers = [] if any(isinstance(e, cst.StarredElement) for e in elements) else \
                    [e.value for e in elements]
            last = layers and not has_star(call) and self._origin(layers[-1], 1)
            output = last and (last.inner if last.kind == "module" else vocab.MODULE_OUTPUTS.get(last.kind))
            return Origin("module", node=call, inner=output) if output else None
        fact = self._name_fact(call.func) if qn is None else None
        if fact is None or fact.origin is None:
            return None
        if fact.origin.kind == "function":
            return fact.origin.node
        if fact.origin.kind == "module_class":
            return Origin("module", node=call, inner=fact.origin.inner)
        return None

    # ------------------------------------------------------------- frameworks
    def framework(self, node: Optional[cst.CSTNode]) -> str:
        """"torch", "numpy", "jax" or "tf" for a call of a known framework's function,
        "" for anything else (a method call, a same-file function)."""
        qn = self.qualname(node.func) if isinstance(node, cst.Call) else None
        return vocab.framework(qn) if qn else ""

    def foreign(self, node: cst.CSTNode) -> bool:
        """Whether `node` calls a function of a framework other than PyTorch or names a value
        one produced, or the module does not import torch: a rewrite in PyTorch's spelling
        would not fit it."""
        if "torch" not in self.frameworks:
            return True
        if len(self.frameworks) == 1:
            return False
        made = [o.node for o in map(self.origin, _names_read(node)) if o is not None]
        return any(found != "torch" for n in (node, *made) if isinstance(n, cst.CSTNode)
                   for found in self._frameworks_in(n))

    def _frameworks_in(self, node: Optional[cst.CSTNode]):
        """The frameworks of the known functions called in `node`, outermost first."""
        todo = deque([node] if node is not None else [])
        while todo:
            n = todo.popleft()
            found = self.framework(n) if isinstance(n, cst.Call) else ""
            if found:
                yield found
            todo.extend(traverse.children(n))

    def framework_of(self, *nodes: Optional[cst.CSTNode]) -> str:
        """The framework whose spelling a fix for `nodes` should use: that of the outermost
        known function called in the first of them that calls one (`np.log(p)`), else the
        module's (`mask.sum()` in a module that imports only NumPy), else "torch"."""
        if self.frameworks <= {"torch"}:
            return "torch"
        for node in nodes:
            for found in self._frameworks_in(node):
                return found
        imported = {vocab.framework(f.qualname) for f in self.stack[0].names.values() if f.qualname}
        return next((f for f in _FRAMEWORK_ORDER if f in imported), "torch")

    # ------------------------------------------------------------------- Keras
    def _keras_origin(self, call: cst.Call, qn: Optional[str]) -> Optional[Origin]:
        """A Keras layer that applies a softmax or sigmoid (`Dense(10, activation="softmax")`,
        `Activation("sigmoid")`), a functional `keras.Model(inputs, outputs)`, what a layer
        called where it is built returns (`Dense(3, activation="softmax")(h)`), and what a
        model's `predict` returns."""
        if qn in vocab.KERAS_ACTIVATED:
            index = vocab.KERAS_ACTIVATED[qn]
            given = argument(call, index, "activation") if index is not None else \
                keyword(call, "activation")
            output = given is not None and self._activation(given)
            return Origin("module", node=call, inner=output) if output else None
        if qn in vocab.KERAS_MODELS:
            outputs = argument(call, 1, "outputs")
            output = outputs is not None and self._origin(outputs, 1)
            if output and output.kind in vocab.KERAS_ACTIVATIONS.values():
                return Origin("module", node=call, inner=output.kind)
            return None
        func = call.func
        if isinstance(func, cst.Call):
            model = self._origin(func, 1)
        elif qn is None and isinstance(func, cst.Attribute) and func.attr.value in vocab.PREDICT_METHODS:
            model = self._origin(func.value, 1)
        else:
            return None
        return Origin(model.inner, node=call) if model and model.kind == "module" and model.inner else None

    def _activation(self, expr: cst.BaseExpression) -> Optional[str]:
        """"softmax" for `"softmax"`, `tf.nn.softmax`, `keras.activations.softmax`."""
        if isinstance(expr, cst.SimpleString):
            name = expr.evaluated_value
            return vocab.KERAS_ACTIVATIONS.get(name) if isinstance(name, str) else None
        qn = self.qualname(expr)
        op = vocab.FUNCTIONS.get(qn) if qn else None
        return op if op in vocab.KERAS_ACTIVATIONS.values() else None

    # ------------------------------------------------- values known to be positive
    # Guards written as a lower bound, random draws above a positive bound, and the
    # top values of a softmax: what NAN101 and NAN201 need to stay silent on.

    def _clamp_keeps_positive(self, op: Op, depth: int) -> bool:
        """`torch.exp(x).clamp(min=floor)`: raising a positive value to any floor keeps it
        positive, whatever the floor; a ceiling must be positive too."""
        if op.subject is None or not self._positive(op.subject, depth + 1):
            return False
        ceiling = op.arg(2, "max") if op.name == "clamp" else None
        return ceiling is None or self._floor_positive(ceiling, depth)

    def _neg_expm1_origin(self, expr: cst.UnaryOperation, depth: int) -> Optional[Origin]:
        """`-torch.expm1(-x)` = 1 - exp(-x), positive for a positive x (an inverse softplus)."""
        op = self.call_op(expr.expression)
        inner = op.subject if op is not None and op.name == "expm1" else None
        if isinstance(inner, cst.UnaryOperation) and isinstance(inner.operator, cst.Minus) \
                and self._positive(inner.expression, depth + 1):
            return Origin("neg_expm1", positive=True, node=expr)
        return None

    def _power_origin(self, expr: cst.BinaryOperation, depth: int) -> Optional[Origin]:
        """`10000 ** (2 * i / d)`: a positive constant raised to any power."""
        base = self._const(expr.left, depth + 1)
        return Origin("power", positive=True, node=expr) if base is not None and base.value > 0 else None

    def _positive_call_origin(self, op: Op, depth: int) -> Optional[Origin]:
        """`t.uniform_(a, b)` and `init.uniform_(t, a=a)` with a > 0, `torch.full(size, c)`,
        `full_like` and `new_full` with c > 0: positive.  `torch.topk(p, k)`: "topk"
        with the kind of p."""
        name, call = op.name, op.call
        if name == "uniform":
            low = keyword(call, "a")
            if low is None and len(op.args) > 1:
                low = op.args[1]
            c = low is not None and self._const(low, depth + 1)
            return Origin("uniform", positive=bool(c) and c.value > 0, node=call)
        if name in ("full", "full_like", "new_full"):
            value = op.arg(1, "fill_value") if name == "full_like" else \
                op.arg(2, "fill_value") if name == "new_full" else argument(call, 1, "fill_value")
            c = value is not None and self._const(value, depth + 1)
            return Origin(name, positive=bool(c) and c.value > 0, node=call)
        if name == "topk":
            inner = op.subject is not None and self._origin(op.subject, depth + 1) or None
            return Origin("topk", positive=bool(inner and inner.positive), node=call,
                          inner=inner.kind if inner is not None else None)
        return None

    def _element(self, fact: Fact, index: int) -> Fact:
        """What an element of an unpacked value is: `values, indices = torch.topk(p, k)`
        gives the values the kind "topk_values"; everything else is unknown."""
        o = fact.origin
        if index == 0 and o is not None and o.kind == "topk":
            return Fact(origin=Origin("topk_values", positive=o.positive, node=o.node, inner=o.inner))
        return UNKNOWN


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
}


def _cache_names(cls):
    cls._names = visitor_names(cls)
    return cls._names
