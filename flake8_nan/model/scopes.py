"""Scopes and bindings: what a name or `self.<attr>` refers to, what a constant is worth,
which operation a call is."""
from __future__ import annotations

import functools
import re
from dataclasses import replace
from typing import Optional

import libcst as cst

from .. import ranges, vocab
from ..ranges import Range
from .facts import (
    NUMBERS, Const, Fact, Op, Origin, Scope, UNKNOWN, _ARITH, _BUILTINS, _Frame, _GUARD_WORDS,
    _IMPORT_ALIASES, _MAX_DEPTH, _literal, dotted, fmt, has_star, positional)


# names of strides and sizes, positive by what they mean
_SIZE_NAME = re.compile(r"(?:\w+_)?(?:strides?|sizes?|scales?_factors?)", re.I)


class Scopes:
    # ---------------------------------------------------------------- scopes
    @property
    def scope(self) -> Scope:
        return self.stack[-1]

    def lookup(self, name: str) -> Optional[Fact]:
        scope: Optional[Scope] = self.stack[-1]  # (not the property: asked a million times)
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

    def in_loss(self) -> bool:
        """Whether the code here computes a loss: a function named for one (`gwd_loss`,
        `loss_fn`), or the `forward` of a class named for one (`ContrastiveLoss`).  A loss
        is differentiated, and training drives it to its minimum: a distance between a
        prediction and its target reaches 0 there."""
        for scope in reversed(self.stack):
            if scope.kind != "function":
                continue
            parent = scope.parent
            if ranges.names_loss(scope.name, parent.name if parent is not None and
                                 parent.kind == "class" else ""):
                return True
        return False

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
            if self.no_grad_blocks and self.no_grad[-1] and any(self.no_grad_blocks):
                # a local computed in a block that takes no gradient carries none where it
                # is read after the block (`with torch.no_grad(): w = f(x)`); in a function
                # that takes none, every reading is inside it already
                fact = replace(fact, range=replace(fact.range or Range(), constant=True))
            self.bind(target.value, fact)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for i, el in enumerate(target.elements):
                self._bind_targets(el.value, self._element(fact, i))
        elif isinstance(target, cst.StarredElement):
            self._bind_targets(target.value)
        elif isinstance(target, cst.Attribute) and self.prescan:
            owner = self.self_class(target.value)
            attr = target.attr.value
            if owner is not None and (self.prescan is True or attr in self.prescan):
                old = owner.attrs.get(attr)
                owner.attrs[attr] = fact if old is None or old.key() == fact.key() else \
                    _either([old, fact])
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
        self._bind_targets(node.target, self.unique_value(node.iter))

    def _open_frame(self, node) -> None:
        self.frames.append(_Frame(self.scope, node))

    visit_While = visit_Try = visit_TryStar = visit_Match = _open_frame

    def _sibling_branch(self, node, kind) -> None:
        """An `else`, an `elif` or a later `case` starts from what held before its `if` or
        `match`, not from what the branch before it bound."""
        frame = self.frames[-1] if self.frames else None
        owner = frame.node if frame is not None else None
        if not isinstance(owner, kind) or (kind is cst.If and owner.orelse is not node) or (
                kind is cst.Match and owner.cases[0] is node):
            return
        for name, before in frame.before.items():
            if before is None:
                frame.scope.names.pop(name, None)
            else:
                frame.scope.names[name] = before
        # a branch's value is what it bound last, not each step on the way
        for name, facts in frame.facts.items():
            if facts:
                frame.done.setdefault(name, []).append(facts[-1])
        frame.facts = {}
        self._memo.clear()

    def visit_Else(self, node: cst.Else) -> None:
        self._sibling_branch(node, cst.If)

    def visit_MatchCase(self, node) -> None:
        self._sibling_branch(node, cst.Match)

    def visit_If(self, node: cst.If) -> None:
        self._sibling_branch(node, cst.If)  # an `elif`
        self._open_frame(node)
        # inside the `if` block its test holds (`if d != 0: y = x / d`), and in its `else`
        # and `elif` branches it does not (`if n == 0: y = 0 else: y = x / n`)
        self.conditions.extend(((node.test, True, node.body), (node.test, False, node.orelse)))

    def _close_frame(self, node) -> None:
        frame = self.frames.pop()
        branches = isinstance(node, (cst.If, cst.Match))
        for name in {*frame.facts, *frame.done}:
            facts = frame.facts.get(name, [])
            if branches:  # the last binding of each branch; in a loop, every one
                facts = frame.done.get(name, []) + facts[-1:]
            before = frame.before.get(name)
            candidates = facts + ([before] if before is not None else [])
            if len({f.key() for f in candidates}) > 1:
                frame.scope.names[name] = _either(candidates)
        self._memo.clear()

    def _cast_when_narrow(self, node: cst.If) -> None:
        """`if x.dtype in (torch.float16, torch.bfloat16): x = x.float()`: a value whose
        dtype was tested and cast to float32 where it was narrower is float32 after the
        `if` on either path."""
        frame = self.frames[-1]
        if node.orelse is not None or not frame.facts:
            return
        test = node.test
        if not isinstance(test, cst.Comparison) or not isinstance(test.left, cst.Attribute) or \
                test.left.attr.value != "dtype" or not isinstance(test.left.value, cst.Name):
            return
        name = test.left.value.value
        facts, before = frame.facts.get(name), frame.before.get(name)
        if facts and before is not None and facts[-1].range is not None and facts[-1].range.wide:
            frame.facts[name] = [facts[-1]]
            frame.before[name] = facts[-1]

    leave_For = leave_While = leave_Try = leave_TryStar = leave_Match = _close_frame

    def leave_If(self, node: cst.If) -> None:
        del self.conditions[-2:]
        self._cast_when_narrow(node)
        self._close_frame(node)
        self._exit_guard(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        target = node.targets[0].target if len(node.targets) == 1 else None
        self.assigning.append(target.value if isinstance(target, cst.Name) else None)

    def assigned_name(self) -> Optional[str]:
        """The name the enclosing assignment binds (`scale` in `scale = bound / r`), where it
        binds one name."""
        return self.assigning[-1] if self.assigning else None

    def leave_Assign(self, node: cst.Assign) -> None:
        self.assigning.pop()
        value = node.value
        for t in node.targets:
            pairs = _pairs(t.target, value)
            if pairs:  # `lo, hi = x.min(), x.max()`: each name is its own value
                for target, part in pairs:
                    self._bind_targets(target, self._named(target, self.fact(part)))
                continue
            fact = self.fact(value)
            self._bind_targets(t.target, self._named(t.target, fact))
            if isinstance(t.target, cst.Subscript):
                self._mutated(t.target)
                self._subscript_fill(t.target, value, node)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            fact = self.fact(node.value)
            self._bind_targets(node.target, self._named(node.target, fact))

    def leave_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Subscript) and not self._rescaled(node):
            self._mutated(node.target)
        # `h /= h.sum(0)`: an in-place update keeps what the value is and its dtype, and
        # nothing of its sign
        target = node.target
        kept = self.value_range(target) if isinstance(target, (cst.Name, cst.Attribute)) else None
        dtype = Range(host=kept.host, wide=kept.wide) if kept is not None and (
            kept.host or kept.wide) else None
        # and the -inf of a fill: -inf plus, times or over a finite value stays infinite
        before = self._name_fact(target) if isinstance(target, (cst.Name, cst.Attribute)) else None
        fill = before.fill if before is not None else None
        if fill is None and isinstance(node.operator, (cst.AddAssign, cst.SubtractAssign)):
            fill = self.neg_inf_fill(node.value)  # `scores += mask`, an additive mask
        if isinstance(target, cst.Attribute):
            if self.prescan:
                self._bind_targets(target, Fact(origin=Origin("reassigned"), range=dtype, fill=fill))
        else:
            self._bind_targets(target, Fact(range=dtype, fill=fill) if dtype is not None or fill
                               else UNKNOWN)

    def _rescaled(self, node: cst.AugAssign) -> bool:
        """`strides[a:b] *= self.strides[lvl]`: part of a positive tensor scaled by a
        positive factor stays positive (a stride or a size is > 0 by what it means)."""
        if type(node.operator) not in (cst.MultiplyAssign, cst.DivideAssign):
            return False
        factor = node.value
        for _ in range(3):  # `self.strides[lvl]`, `cfg.strides[0]`: the table it is read from
            if type(factor) is not cst.Subscript:
                break
            factor = factor.value
        name = factor.value if type(factor) is cst.Name else \
            factor.attr.value if type(factor) is cst.Attribute else ""
        return bool(_SIZE_NAME.fullmatch(name)) or self._floor_positive(node.value, 0)

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
        return Fact(self.qualname(expr), self.const(expr), self.origin(expr),
                    self.value_range(expr), expr, self.neg_inf_fill(expr))

    def self_class(self, expr: cst.CSTNode) -> Optional[Scope]:
        """The class scope when `expr` is the `self` of a method."""
        if type(expr) is cst.Name:
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
        kind = type(expr)
        if kind is cst.Name:
            return self.lookup(expr.value)
        if kind is cst.Attribute:
            return self._attr_fact(expr)
        return None

    def qualname(self, expr: cst.CSTNode) -> Optional[str]:
        kind = type(expr)
        if kind is cst.Name:
            fact = self.lookup(expr.value)
            return fact.qualname if fact is not None else None
        if kind is cst.Attribute:
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
        kind = type(expr)
        if kind in NUMBERS:
            value = _literal(expr)
            return None if value is None else Const(value)
        if kind is cst.UnaryOperation:
            inner = self._const(expr.expression, depth + 1)
            if inner is None:
                return None
            if isinstance(expr.operator, cst.Minus):
                return Const(-inner.value, inner.source)
            return inner if isinstance(expr.operator, cst.Plus) else None
        if kind is cst.BinaryOperation:
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

    def leave_Expr(self, node: cst.Expr) -> None:
        """`self.register_buffer("mask", value)` in `__init__` binds `self.mask`; `x.add_(y)`
        changes the values of x."""
        call = node.value
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and \
                call.func.attr.value.endswith("_") and not call.func.attr.value.endswith("__"):
            self._mutated(call.func.value)
            self._method_fill(call)
        if not self.prescan or not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            return
        args = positional(call)
        if call.func.attr.value in ("register_buffer", "register_parameter") and len(args) >= 2 \
                and isinstance(args[0], cst.SimpleString):
            name = args[0].evaluated_value
            if isinstance(name, str) and name.isidentifier():
                target = cst.Attribute(value=call.func.value, attr=cst.Name(name))
                fact = self.fact(args[1])
                if fact.range is not None and fact.range.wide:
                    # a buffer follows the module's dtype: `model.half()` casts it
                    fact = replace(fact, range=replace(fact.range, wide=False))
                self._bind_targets(target, fact)


def _pairs(target: cst.BaseExpression, value: cst.BaseExpression) -> list:
    """(name, value) for `a, b = x, y` (same length, nothing starred); [] otherwise."""
    if not isinstance(target, (cst.Tuple, cst.List)) or not isinstance(value, (cst.Tuple, cst.List)):
        return []
    if len(target.elements) != len(value.elements) or any(
            isinstance(e, cst.StarredElement) for e in (*target.elements, *value.elements)):
        return []
    return [(t.value, v.value) for t, v in zip(target.elements, value.elements)]


def _either(facts: list) -> Fact:
    """A name bound to different values on different paths: what it is after them is what
    any of them can be (a cast to float32 on every path survives the `if`).  A `None` on
    one path is not arithmetic the value takes part in: `self.m = None` in `reset()`."""
    values = [f for f in facts if not (isinstance(f.value, cst.Name) and f.value.value == "None")]
    facts = values or facts
    if len(facts) == 1:
        return facts[0]
    # a -inf written on one path is there after them
    fill = next((f.fill for f in facts if f.fill is not None), None)
    known = [f.range for f in facts if f.range is not None]
    if len(known) < len(facts):
        return Fact(fill=fill) if fill is not None else UNKNOWN
    return Fact(range=functools.reduce(ranges.join, known), fill=fill)
