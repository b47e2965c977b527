"""Values through same-file definitions: a function or method whose every return has
the same origin hands it to its calls; an `nn.Module` class whose `forward` does, and
an `nn.Sequential` whose last layer is a known layer, hand it to calls of their
instances."""
from __future__ import annotations

import collections
import re
from dataclasses import replace
from typing import Optional

import libcst as cst

from .. import ranges, traverse, vocab
from ..callers import INFERENCE_CLASS, INFERENCE_DEF
from ..prefilter import INSTANCE_KINDS, instance_names
from ..ranges import Range
from .sites import overriding
from .facts import (
    Const, Fact, Origin, Scope, UNKNOWN, _GUARD_KINDS, _returns_at_end, dotted, has_star,
    positional)


_WORD = re.compile(r"[^\W\d]\w*")
_TENSOR_PARAM = Fact(range=Range(host="tensor"))
_NUMBER_PARAM = Fact(range=Range(host="python", constant=True))
# a default below 1e-6 may be an eps that NAN301 reads: only for such a default are the
# module's calls indexed, to see what they pass
_SMALL = 1e-6


class Definitions:
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.bind(node.name.value, UNKNOWN)
        self.functions.append(node)
        outer = self.scope
        scope = self._push("function", node.name.value)
        params = node.params
        ordered = [*params.posonly_params, *params.params]
        static = any(dotted(d.decorator) in ("staticmethod", "classmethod") for d in node.decorators)
        # a module's `__init__` builds its buffers once: no backward pass goes through them
        # a helper the module calls only in such a context runs in it
        # and inference code is gradient-free by its role (callers.py)
        self.no_grad.append(any(self._turns_gradient_off(d.decorator) for d in node.decorators)
                            or node.name.value == "__init__" and outer.kind == "class"
                            or node.name.value in self.precision.no_grad_callees
                            or INFERENCE_DEF.fullmatch(node.name.value) is not None
                            or outer.kind == "class" and outer.role)
        self.autocast_off.append(any(self._turns_autocast_off(d.decorator) for d in node.decorators)
                                 or self.full_precision()
                                 or node.name.value in self.precision.autocast_off_callees)
        for i, p in enumerate([*ordered, *params.kwonly_params]):
            fact = _TENSOR_PARAM if self._annotated_tensor(p) else \
                _NUMBER_PARAM if self._annotated_number(p) else self._instance_param(p, outer)
            if i == 0 and outer.kind == "class" and not static and p in ordered:
                fact = Fact(origin=Origin("self", node=outer))
            elif p.default is not None:
                c = self._const_in(p.default, outer)
                if c is not None:
                    fact = Fact(const=Const(c.value, f"default of parameter {p.name.value} "
                                                     f"in {node.name.value}()"))
                    if 0 < c.value < _SMALL and self.sites is not None:
                        # a default every call of the module overrides is not what runs
                        slot = i - (outer.kind == "class" and not static) if p in ordered else None
                        fact = overriding(self.sites, node, outer, p.name.value, slot, fact)
                elif self.qualname(p.default) in vocab.WIDE_DTYPES:
                    # `compute_dtype=torch.float32`: a dtype asked for by name, as the default
                    fact = Fact(qualname=self.qualname(p.default))
            scope.names[p.name.value] = fact
        for p in (params.star_arg, params.star_kwarg):
            if isinstance(p, cst.Param):
                scope.names[p.name.value] = UNKNOWN
        if self.given is not None and len(self.functions) == 1:
            scope.names.update((name, Fact(range=r)) for name, r in self.given.items())

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.pop()
        self.no_grad.pop()
        self.autocast_off.pop()
        self._leave_definition(node, "function", self._returned)

    def _annotated_tensor(self, param: cst.Param) -> bool:
        """`x: Tensor`, `x: torch.Tensor`: a parameter known to be a tensor."""
        ann = param.annotation.annotation if param.annotation is not None else None
        return ann is not None and (self.qualname(ann) or "").endswith("Tensor") and \
            (self.qualname(ann) or "").startswith("torch")

    def _annotated_number(self, param: cst.Param) -> bool:
        """`cutoff: float`, `n: int`: a Python number, which carries no gradient."""
        ann = param.annotation.annotation if param.annotation is not None else None
        return isinstance(ann, cst.Name) and ann.value in ("float", "int", "bool") and \
            self.qualname(ann) in (None, f"builtins.{ann.value}")

    def _instance_param(self, param: cst.Param, outer: Scope) -> Fact:
        """A parameter that holds an instance of a same-file `nn.Module` class: annotated
        with it (`head: AuxHead`), or named as the class or its last word (`head`,
        `aux_head`), where a single class of the module answers to that name."""
        if param.default is not None or outer.kind == "class":
            return UNKNOWN
        ann = param.annotation.annotation if param.annotation is not None else None
        name = param.name.value
        module = self.stack[0]
        found = [cls for cls in module.classes if (
            ann.value == cls if isinstance(ann, cst.Name) else ann is None and name in instance_names(cls))]
        fact = module.names.get(found[0]) if len(found) == 1 else None
        if fact is None or fact.origin is None or fact.origin.kind != "module_class" or \
                fact.origin.inner not in INSTANCE_KINDS:
            return UNKNOWN
        return Fact(origin=Origin("module", node=param, inner=fact.origin.inner))

    def _leave_definition(self, node, kind: str, output) -> None:
        """Bind a function or class to what calling it (or its instances) returns."""
        scope = self.scope
        self._pop()
        returned = output(node, scope)
        # a function's range is what a call of it gives: what its returns agree on
        given = None
        if kind == "function" and scope.return_ranges and scope.returns and \
                self._transparent(node):
            given = scope.return_ranges[0]
            for r in scope.return_ranges[1:]:
                given = ranges.join(given, r)
            if returned is None:  # returns of different kinds: only their dtype is shared
                given = Range(host=given.host, wide=given.wide) if given.wide else None
            elif not returned.positive:  # as for origins: only a guard's positivity crosses
                given = replace(given, positive=False, nonzero=False)
        # a same-file function is bound even where its returns say nothing: a call of it
        # still computes in the dtype of what it is given
        if returned is not None or given is not None or kind == "function" and \
                self._transparent(node):
            casts = kind == "function" and id(node) in self.casts_down
            self.bind(node.name.value, Fact(origin=Origin(kind, node=returned, inner=(
                                                              returned and returned.kind) or
                                                          ("casts" if casts else None)),
                                            range=given))

    def visit_Lambda(self, node: cst.Lambda) -> None:
        scope = self._push("function")
        p = node.params
        for param in (*p.posonly_params, *p.params, *p.kwonly_params, p.star_arg, p.star_kwarg):
            if isinstance(param, cst.Param):
                scope.names[param.name.value] = UNKNOWN

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self._pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.bind(node.name.value, UNKNOWN)
        self.scope.classes.add(node.name.value)
        scope = self._push("class", node.name.value)
        # `class MeanIoU(Metric)` is a metric as `class IoUMetric` is
        names = [node.name.value, *((dotted(b.value) or "").rsplit(".", 1)[-1] for b in node.bases)]
        scope.role = any(INFERENCE_CLASS.fullmatch(n) for n in names)
        if self.prescan:
            return
        for stmt in node.body.body if isinstance(node.body, cst.IndentedBlock) else ():
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value == "__init__":
                sub = type(self)(prescan=True, stack=self.stack, frameworks=self.frameworks,
                                 precision=self.precision, sites=self.sites)
                traverse.visit(stmt, [sub])
            elif isinstance(stmt, cst.FunctionDef) and _returns_at_end(stmt):
                # a method called from one defined before it: its return value is known
                traverse.visit(stmt, [type(self)(stack=self.stack, frameworks=self.frameworks,
                                                   precision=self.precision, sites=self.sites)])
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value != "__init__":
                lazy = _lazily_set(stmt)
                if lazy:  # `if self.m is None: self.m = torch.zeros(...)`: what m is when read
                    sub = type(self)(prescan=lazy, stack=self.stack, frameworks=self.frameworks,
                                     precision=self.precision, sites=self.sites)
                    traverse.visit(stmt, [sub])
        self._memo.clear()  # what they bound in the class scope

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._leave_definition(node, "module_class", self._module_class_output)

    # ------------------------------------------- values through same-file definitions
    # A function or method whose every return has the same origin hands that origin to
    # its calls; an `nn.Module` class whose `forward` does, and an `nn.Sequential` whose
    # last layer is a known layer, hand it to calls of their instances.
    def leave_Return(self, node: cst.Return) -> None:
        scope = self.scope
        if scope.kind != "function" or scope.returns is None:
            return
        if node.value is None or not self._called_later(scope):
            scope.returns = None
        else:
            scope.returns.append(self.origin(node.value))
            scope.return_ranges.append(self.value_range(node.value))

    def _called_later(self, scope: Scope) -> bool:
        """Whether what a function returns can matter: it is a method (`forward` serves
        calls of the instance), or its name is written again somewhere in the module.
        Reading each return is the model's dearest step on code made of loss functions."""
        if self.text is None or scope.parent is None or scope.parent.kind == "class":
            return True
        words = self.__dict__.get("_words")
        if words is None:
            words = self._words = collections.Counter(_WORD.findall(self.text))
        return words[scope.name] > 1

    def _no_value(self, node) -> None:
        if self.scope.kind == "function":
            self.scope.returns = None

    visit_Yield = visit_Await = _no_value

    def _returned(self, node: cst.FunctionDef, scope: Scope) -> Optional[Origin]:
        """The origin every return of a function agrees on, if it keeps its value."""
        returns = scope.returns
        if not returns or any(o is None for o in returns) or not self._transparent(node):
            return None
        if len({(o.kind, o.positive, o.inner) for o in returns}) != 1:
            return None
        first = returns[0]
        # positivity crosses a call where a guard in the function makes it (a clamp, + eps),
        # not where it rests on the model's reading of an operation such as exp
        return first if first.kind in _GUARD_KINDS or not first.positive else replace(first, positive=False)

    def _transparent(self, node: cst.FunctionDef) -> bool:
        """Whether a call of the function gives what its `return`s do: not a coroutine, and
        no decorator that wraps what it gives."""
        return node.asynchronous is None and all(
            self._decorator_name(d.decorator) in vocab.TRANSPARENT_DECORATORS for d in node.decorators)

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
        if fact.origin.kind == "self":  # `self(x)` in a method runs the class's forward
            forward = fact.origin.node.names.get("forward")
            if forward is not None and forward.origin is not None and forward.origin.kind == "function":
                return forward.origin.node
        return None


def _lazily_set(method: cst.FunctionDef) -> frozenset:
    """The attributes a method sets when they are still None, at the top of its body:
    `if self.matrix is None: self.matrix = torch.zeros(..., dtype=torch.float32)`."""
    body = method.body.body if isinstance(method.body, cst.IndentedBlock) else ()
    found = set()
    for stmt in body:
        test = stmt.test if isinstance(stmt, cst.If) else None
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and \
                isinstance(test.comparisons[0].operator, cst.Is) and \
                isinstance(test.comparisons[0].comparator, cst.Name) and \
                test.comparisons[0].comparator.value == "None" and \
                isinstance(test.left, cst.Attribute) and isinstance(test.left.value, cst.Name) and \
                test.left.value.value == "self":
            found.add(test.left.attr.value)
    return frozenset(found)
