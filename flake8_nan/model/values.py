"""Value ranges, precision and gradient context: what a value can be, and why.

A value's range (ranges.Range) is read from its origin and its operands
(`sum` of a mask is a count that can be 0), from its name where nothing else is
known (`probs`), and from the guards the code has passed on the way to it: an
early `return` on its zero case, the `if` or conditional expression that tests
it, a `torch.where` that substitutes a safe value, a selection by its own test.
It also says whether the value is a tensor, a NumPy array or a Python number,
whether it was cast to float32/float64, and whether a gradient can flow
through it.  Names carry the range they were bound with.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import NamedTuple, Optional

import libcst as cst

from .. import ranges, traverse, vocab
from ..ranges import NONZERO, POSITIVE, UNKNOWN, Range
from .facts import NAMES, NUMBERS, _MAX_DEPTH, Fact, Op, Origin, keyword, positional, where_parts
from .facts import UNKNOWN as NOTHING_KNOWN
from .sites import float32_by_callers

_GRAD_OFF = frozenset({"torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad",
                       "torch.autograd.grad_mode.no_grad", "torch.autograd.grad_mode.inference_mode",
                       "torch.autograd.inference_mode"})
# a block that takes gradients again inside one that does not (a step of a search or an
# attack under an evaluation loop's no_grad)
_GRAD_ON = frozenset({"torch.enable_grad", "torch.autograd.enable_grad",
                      "torch.autograd.grad_mode.enable_grad"})
_NO_GRADIENT_KINDS = frozenset({"bool", "count"})
# methods whose receiver's gradient is never taken: what they return is out of the graph
_DETACHING = frozenset({"detach", "detach_", "item", "tolist"})
_PYTHON_CALLS = frozenset({"builtins.len", "builtins.float", "builtins.int", "builtins.sum",
                           "builtins.max", "builtins.min", "builtins.abs", "builtins.round"})
_INTEGER_CASTS = frozenset({"long", "int", "bool", "short", "byte"})
_PYTHON_METHODS = frozenset({"item", "tolist", "__len__", "size", "numel", "dim", "nelement"})
# Tensor factories: without a dtype they make float32 (the default dtype), and arithmetic
# with a float32 tensor promotes float16 operands to float32.
_FACTORIES = frozenset({"zeros", "ones", "ones_like", "rand", "randn", "arange", "full", "tensor",
                        "full_like", "linspace", "logspace", "empty"})
_EXITS = (cst.Return, cst.Raise, cst.Continue, cst.Break)
# What float16 autocast runs in float16 (operation names and qualified names), and the
# wrappers whose value follows the module's dtype (`model.half()` casts them).
_AUTOCAST_HALF = frozenset({"matmul", "mm", "bmm", "dot", "torch.einsum", "torch.addmm",
                            "torch.baddbmm", "torch.addbmm", "torch.nn.functional.linear",
                            "torch.nn.functional.conv1d", "torch.nn.functional.conv2d",
                            "torch.nn.functional.conv3d", "torch.nn.functional.bilinear"})
_MODULE_DTYPE = frozenset({"torch.nn.Parameter", "torch.nn.parameter.Parameter", "torch.nn.Buffer",
                           "torch.nn.parameter.Buffer"})


class Values:
    # ------------------------------------------------------------------ ranges
    def value_range(self, expr: cst.CSTNode) -> Range:
        """What `expr` can be here, and why (ranges.Range)."""
        return self._range(expr, 0)

    def _range(self, expr: cst.CSTNode, depth: int) -> Range:
        key = (id(expr), -2 - depth)
        hit = self._memo.get(key)
        if hit is not None and hit[0] is expr:
            return hit[1]
        found = self._compute_range(expr, depth) if depth <= _MAX_DEPTH else UNKNOWN
        # a guard is read for the value asked about (a denominator, what a name is bound
        # to), not for each of its operands
        if depth == 0 and not (found.positive or found.nonzero) and self._guarded(expr):
            found = replace(found, nonzero=True)
        self._memo[key] = (expr, found)
        return found

    def _compute_range(self, expr: cst.CSTNode, depth: int) -> Range:
        kind = type(expr)
        if kind in NAMES:
            return self._name_range(expr, depth)
        if kind in NUMBERS:
            c = self.const(expr)
            return replace(POSITIVE if c and c.value > 0 else UNKNOWN, host="python", constant=True)
        if kind is cst.Subscript:
            return self._subscript_range(expr, depth)
        if kind is cst.BinaryOperation:
            return self._binary_range(expr, depth)
        if kind is cst.UnaryOperation and isinstance(expr.operator, cst.Minus):
            inner = self._range(expr.expression, depth + 1)
            # the sign flips: what was below 0 is above, and the reason to reach 0 stays
            return Range(zero=inner.zero, negative="a negated positive value" if inner.positive else None,
                         host=inner.host, wide=inner.wide, constant=inner.constant,
                         capped=inner.nonnegative)
        if kind is cst.Call:
            return self._call_range(expr, depth)
        if kind is cst.IfExp:  # either branch, as an `if` statement's bindings
            return ranges.join(self._range(expr.body, depth + 1), self._range(expr.orelse, depth + 1))
        return self._origin_range(expr)

    def _origin_range(self, expr: cst.CSTNode) -> Range:
        o = self.origin(expr)
        if o is None:
            return UNKNOWN
        return ranges.of_origin(o.kind, o.positive, self.precision)

    def _name_range(self, expr, depth: int) -> Range:
        fact = self._name_fact(expr)
        if fact is not None and fact.range is not None and fact.range.signed:
            return fact.range
        if isinstance(expr, cst.Attribute) and expr.attr.value in vocab.SHAPE_ATTRIBUTES:
            return self._range(expr.value, depth + 1)
        found = self._origin_range(expr)
        if not found.known:
            name = expr.value if isinstance(expr, cst.Name) else expr.attr.value
            found = ranges.of_name(name)
        if fact is not None and fact.range is not None:
            found = replace(found, host=fact.range.host or found.host,
                            wide=fact.range.wide or found.wide, constant=fact.range.constant)
        return found

    def _subscript_range(self, expr: cst.Subscript, depth: int) -> Range:
        base = self._range(expr.value, depth + 1)
        # `d[m]` with `m = d > 0`: the selection keeps only what its own test let through
        # (`d[m, None]` too: a new axis or a whole one after it selects nothing more)
        index = expr.slice[0].slice if all(_whole_axis(e.slice) for e in expr.slice[1:]) else None
        if isinstance(index, cst.Index):
            test, holds = self._test_of(index.value)
            if test is not None and self._implies(test, expr.value, holds, positive=True):
                return replace(base, positive=True, nonzero=True, zero=None, negative=None)
            if test is not None and self._implies(test, expr.value, holds):
                # `w[~(w >= 0)]`: below 0, so nonzero (and its absolute value positive)
                return replace(base, nonzero=True, zero=None)
        return base

    def _test_of(self, expr: cst.BaseExpression) -> tuple[Optional[cst.BaseExpression], bool]:
        """The comparison a mask was made from, and whether the mask holds where it does:
        `d > 0` itself, the value of `m` in `m = d > 0`, and `~m` of either (False)."""
        holds = True
        for _ in range(4):  # `neg = ~pos` with `pos = w >= 0`: through a name or two
            if isinstance(expr, cst.Comparison):
                return expr, holds
            if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.BitInvert):
                expr, holds = expr.expression, not holds
                continue
            value = self.bound_value(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
            if value is None:
                return None, holds
            expr = value
        return None, holds

    def _binary_range(self, expr: cst.BinaryOperation, depth: int) -> Range:
        op = expr.operator
        origin = self.origin(expr)
        left, right = self._range(expr.left, depth + 1), self._range(expr.right, depth + 1)
        host = _host(left, right)
        wide = (left.wide or right.wide) and not (
            isinstance(op, cst.MatrixMultiply) and self._autocast_half("matmul"))
        constant = left.constant and right.constant
        if origin is not None and origin.positive:
            return replace(POSITIVE, host=host, wide=wide, constant=constant)
        one = isinstance(op, cst.Subtract) and self.const(expr.left)
        one_minus = origin is not None and origin.kind == "one_minus" or one and one.value == 1
        cap = self._cap_below_one(expr.right) if one_minus else None
        if cap is not None:
            # float32's spacing below 1 is 6e-8 (float16's 4.9e-4): a cap closer to 1 than
            # half of it rounds to 1
            rounds = 1 - cap < (2 ** -12 if self.precision.float16 else 2 ** -25)
            found = Range(zero="1 - p of a value capped at 1 - eps with eps below the float "
                               "spacing under 1, so the cap rounds to 1 and 1 - p is 0") \
                if rounds else POSITIVE
        elif one_minus:
            found = ranges.one_minus(right)
        elif origin is not None and origin.kind in ("difference", "minmax"):
            found = ranges.of_origin(origin.kind)
        elif isinstance(op, cst.Multiply) and (left.mask or right.mask):
            # a masked value is 0 where its mask is: hard zeros, not an underflow
            mask = left if left.mask else right
            found = Range(zero=mask.zero and f"a value masked by {ranges.noun(mask.zero)}, 0 "
                                             "where the mask is")
        elif isinstance(op, (cst.Multiply, cst.Divide)) and \
                (scaled := self._scaled(expr)) is not None:
            # `2 * sigma ** 2`, `x / 2`: a positive constant factor keeps the sign
            found = replace(self._range(scaled, depth + 1), unit=False, count=False, mask=False)
        elif isinstance(op, (cst.Multiply, cst.Divide)):
            # (a ratio of two differences, box widths, is positive where each is: no sign
            # evidence crosses a product or a quotient)
            zero = left.reaches_zero if isinstance(op, cst.Divide) else None
            found = Range(zero=zero and f"a quotient of {ranges.noun(zero)}, 0 where it is",
                          # at most 0 times at least 0: `-x ** 2 / (2 * s ** 2)`
                          capped=left.capped and right.nonnegative or
                          isinstance(op, cst.Multiply) and right.capped and left.nonnegative)
        elif isinstance(op, cst.Power):
            found = ranges.of_origin(origin.kind) if origin is not None else UNKNOWN
        else:
            found = self._origin_range(expr)
        # `x - x.max(dim)[0]`: at most 0
        capped = found.capped or isinstance(op, cst.Subtract) and self._is_max(expr.right)
        return replace(found, host=host, wide=wide, constant=constant, capped=capped)

    def _scaled(self, expr: cst.BinaryOperation) -> Optional[cst.BaseExpression]:
        """x of `c * x`, `x * c` or `x / c` with c a positive constant."""
        for const, other in ((expr.left, expr.right), (expr.right, expr.left)):
            if const is expr.left and isinstance(expr.operator, cst.Divide):
                continue  # `c / x` flips the size
            c = self.const(const)
            if c is not None and c.value > 0:
                return other
        return None

    def _call_range(self, call: cst.Call, depth: int) -> Range:
        op = self.call_op(call)
        qn = self.qualname(call.func)
        if op is None:
            if qn in _PYTHON_CALLS:
                return Range(host="python", constant=True,
                             positive=qn == "builtins.len" and False)
            if isinstance(call.func, cst.Attribute) and call.func.attr.value in _PYTHON_METHODS:
                return Range(host="python", constant=True)
            if isinstance(call.func, cst.Attribute) and call.func.attr.value in _INTEGER_CASTS \
                    and not call.args:
                return Range(host="tensor", constant=True)  # no gradient reaches integers
            fact = self._name_fact(call.func)
            first = positional(call)[:1]
            defined = fact is not None and fact.origin is not None and fact.origin.kind == "function"
            if defined and fact.origin.inner != "casts" or \
                    fact is None and qn is None and type(call.func) is cst.Name:
                # `rescale(self.betas)` of float32 betas: a same-file helper (one the pre-filter
                # left out is not bound at all) computes in the dtype of the tensor it is given
                if defined and fact.range is not None:  # what the function's returns agree on
                    return fact.range
                if first and self._range(first[0], depth + 1).wide:
                    return Range(host="tensor", wide=True)
            found = self._origin_range(call)
            # `torch.fft.fftfreq(n, dtype=torch.float32)`: any call told to make float32;
            # a method of a float32 tensor (`freqs.pow(e)`) keeps its dtype unless it casts
            # and a torch function of a float32 tensor (`F.linear(h.float(), w)`) computes in
            # float32, but for a parameter (it follows the module's dtype) and an operation
            # that autocast runs in float16 where autocast can be on; a module or a helper
            # called on it computes in the dtype of its own weights
            factory = qn is not None and qn.startswith("torch.") and qn[6:] in _FACTORIES
            wide = found.wide or _wide_dtype(self, call) or factory and _factory_dtype(
                self, call, qn[6:]) or (
                isinstance(call.func, cst.Attribute) and call.func.attr.value not in _CASTS and
                self._range(call.func.value, depth + 1).wide) or (
                bool(first) and (qn is not None and qn.startswith("torch.") or
                                 _activation(self, call.func)) and
                qn not in _MODULE_DTYPE and not self._autocast_half(qn) and
                self._range(first[0], depth + 1).wide)
            return replace(found, host=_framework_host(self.framework(call)) or found.host, wide=wide)
        subject = op.subject
        inner = self._range(subject, depth + 1) if subject is not None else UNKNOWN
        host = _framework_host(self.framework(call)) or (
            "tensor" if op.method and (call.func.attr.value in vocab.TORCH_ONLY_METHODS or
                                       _has_keyword(call, "dim")) else inner.host)
        if op.name == "shape":
            attr = call.func.attr.value if isinstance(call.func, cst.Attribute) else ""
            # bfloat16 keeps float32's exponent: an eps or a -1e9 fits in it as in float32
            wide = inner.wide or attr in vocab.WIDE_CASTS or attr == "bfloat16" or \
                _wide_dtype(self, call)
            if attr == "half" or attr in _CASTS and _cast_elsewhere(self, call):
                wide = False
            if self.integer_cast_subject(call) is not None:  # `sf.view(torch.int32)`: bits
                return replace(inner, host=host or inner.host, wide=False, count=True, constant=True)
            return replace(inner, host=host or inner.host, wide=wide,
                           constant=inner.constant or attr in ("detach", "detach_"))
        if op.name in ("sum", "mean", "nanmean", "count_nonzero"):
            origin = self.origin(call)
            if origin is not None and origin.positive:
                found = POSITIVE
            elif op.name == "count_nonzero":
                found = ranges.summed(replace(inner, mask=True))
            else:
                found = ranges.summed(inner, "sum" if op.name == "sum" else "mean")
            # a count is an integer: arithmetic with a float gives float32, not float16
            return replace(found, host=host, wide=inner.wide or found.count or _wide_dtype(self, call),
                           constant=inner.constant or found.count)
        if op.name == "where":
            return replace(self._where_range(op, depth), host=host)
        if op.name == "uniform":
            low = keyword(call, "a") or (op.args[1] if len(op.args) > 1 else None)
            c = self.const(low) if low is not None else None
            if c is not None and c.value <= 0:
                return Range(zero=f"a uniform random value from {c.value:g}, which can be 0",
                             negative=c.value < 0 and "a uniform random value below 0" or None,
                             host=host)
        found = self._origin_range(call)
        if op.name == "abs" and inner.nonzero:  # the absolute value of a nonzero value
            return replace(POSITIVE, host=host, wide=inner.wide, constant=inner.constant)
        if op.name == "exp" and _negated_loss(self, subject):
            # `pt = torch.exp(-ce)`: the probability a loss gave the target (a focal loss)
            return Range(unit=True, zero="the probability exp(-loss) of the target, which "
                         "reaches 1 for a confident prediction", host=host)
        if op.name in _FACTORIES or op.name in ("zeros", "randn"):
            # a new tensor is a leaf without a gradient unless it asks for one
            grad = keyword(call, "requires_grad")
            found = replace(found, wide=_factory_dtype(self, call, op.name),
                            constant=grad is None or isinstance(grad, cst.Name) and
                            grad.value == "False")
            return replace(found, host=host)
        if op.name in ("clamp", "clamp_min", "maximum") and not found.positive:
            floor = op.arg(1, "min") if op.name != "maximum" else op.arg(1, "other")
            c = self.const(floor) if floor is not None else None
            at_zero = c is not None and c.value == 0 and ranges.of_origin("clamped_at_0").zero
            # a floor of unknown value (`clamp(min=threshold)`) is written as a guard: what
            # the value was before says nothing more
            kept = inner.zero if floor is None or (c is not None and c.value <= 0) else None
            found = replace(found, zero=at_zero or found.zero or kept,
                            negative=None if floor is not None else inner.negative)
        # `torch.matmul(w, h)` with h float32: the operands share a dtype, or promote to it
        wide = not self._autocast_half(op.name) and (inner.wide or _wide_dtype(self, call) or (
            not op.method and any(self._range(a, depth + 1).wide for a in positional(call)[1:2])))
        return replace(found, host=host, wide=wide, constant=inner.constant or found.mask)

    def _cap_below_one(self, expr: cst.BaseExpression) -> Optional[float]:
        """The cap of `p = torch.clamp(p, eps, 1 - eps)`, where it is a constant below 1."""
        value = self.bound_value(expr) if isinstance(expr, cst.Name) else expr
        if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
            return self._affine_cap(value)
        op = self.call_op(value) if isinstance(value, cst.Call) else None
        if op is None or op.name not in ("clamp", "clamp_max"):
            return None
        cap = op.arg(2, "max") if op.name == "clamp" else op.arg(1, "max")
        c = self.const(cap) if cap is not None else None
        return c.value if c is not None and 0 < c.value < 1 else None

    def _affine_cap(self, value: cst.BinaryOperation) -> Optional[float]:
        """`0.99 * p + 0.005` of a probability p: at most a + b, a cap below 1 where that is."""
        for scaled, shift in ((value.left, value.right), (value.right, value.left)):
            b = self.const(shift)
            a, p = 1.0, scaled
            if isinstance(scaled, cst.BinaryOperation) and isinstance(scaled.operator, cst.Multiply):
                for k, v in ((scaled.left, scaled.right), (scaled.right, scaled.left)):
                    c = self.const(k)
                    if c is not None:
                        a, p = c.value, v
                        break
            if b is not None and a >= 0 and b.value >= 0 and 0 < a + b.value < 1 and \
                    self.value_range(p).unit:
                return a + b.value
        return None

    def _autocast_half(self, name: Optional[str]) -> bool:
        """Whether float16 autocast, where the module can use it, runs this operation in
        float16 whatever its inputs are (a matmul after `.float()` is half)."""
        return self.precision.float16 and name in _AUTOCAST_HALF

    def _where_range(self, op: Op, depth: int) -> Range:
        """`torch.where(d == 0, 1, d)`: each branch safe where it is chosen."""
        cond, a, b = where_parts(op)
        origin = self.origin(op.call)
        if origin is not None and origin.positive:
            return POSITIVE
        if cond is None or a is None or b is None:
            return UNKNOWN
        branches = [(self._range(v, depth + 1), v, chosen) for v, chosen in ((a, True), (b, False))]
        if all(r.positive or r.nonzero or self._implies(cond, v, chosen) for r, v, chosen in branches):
            return NONZERO
        if not traverse.names(cond).isdisjoint(traverse.names(a) | traverse.names(b)):
            return UNKNOWN  # the test picks each branch where it holds: not read further
        return ranges.join(branches[0][0], branches[1][0])

    def unwrapped(self, expr: cst.BaseExpression) -> cst.BaseExpression:
        """`mask` of `mask.float().unsqueeze(1)`: the value under shape-only methods."""
        for _ in range(8):  # a handful of methods at most
            op = self.call_op(expr)
            if op is None or op.name != "shape" or op.subject is None:
                break
            expr = op.subject
        return expr

    def length_mask(self, expr: cst.BaseExpression) -> bool:
        """Whether `expr` is a mask made from sequence lengths (`length_to_mask(lens)`,
        `compute_length_mask(x, lens).bool()`, `tf.sequence_mask`), through casts, shape
        methods and names: it keeps each sequence's first positions, and is empty only for a
        sequence of length 0."""
        for _ in range(6):  # a few casts and names
            expr = self.unwrapped(expr)
            if type(expr) is cst.Call and type(expr.func) is cst.Attribute and \
                    expr.func.attr.value in ("bool", "float", "long", "int") and not expr.args:
                expr = expr.func.value
                continue
            if type(expr) is cst.Call:
                func = expr.func
                name = func.attr.value if type(func) is cst.Attribute else \
                    func.value if type(func) is cst.Name else ""
                return _LENGTH_MASK.search(name) is not None
            value = self.bound_value(expr) if type(expr) in (cst.Name, cst.Attribute) else None
            if value is None:
                return False
            expr = value
        return False

    def unique_value(self, values: cst.BaseExpression) -> Fact:
        """What the variable of `for c in values:` is: for `torch.unique(y)`, `y.unique()`
        or `np.unique(y)` (through a name and `.tolist()`), a value y holds somewhere."""
        if isinstance(values, cst.Name):
            values = self.bound_value(values) or values
        while isinstance(values, cst.Call) and isinstance(values.func, cst.Attribute) and \
                values.func.attr.value in ("tolist", "cpu", "numpy") and not values.args:
            values = values.func.value
        if not isinstance(values, cst.Call) or not isinstance(values.func, cst.Attribute) or \
                values.func.attr.value != "unique" or any(
                    a.keyword is not None and a.keyword.value.startswith("return_") for a in values.args):
            return NOTHING_KNOWN  # (with `return_counts=True` it gives a tuple of tensors)
        if self.qualname(values.func) in ("torch.unique", "numpy.unique"):
            held = values.args[0].value if values.args else None
        else:
            held = values.func.value
        return Fact(origin=Origin("unique_value", node=held)) if held is not None else NOTHING_KNOWN

    def group_mask(self, expr: cst.BaseExpression) -> bool:
        """Whether `expr` is `y == c` (or a name bound to it) with c a value y holds
        (`for c in torch.unique(y):`): it selects at least one element."""
        if isinstance(expr, cst.Name):
            expr = self.bound_value(expr) or expr
        if not isinstance(expr, cst.Comparison) or len(expr.comparisons) != 1 or \
                not isinstance(expr.comparisons[0].operator, cst.Equal):
            return False
        a, b = expr.left, expr.comparisons[0].comparator
        for c, y in ((a, b), (b, a)):
            fact = self.lookup(c.value) if isinstance(c, cst.Name) else None
            if fact is not None and fact.origin is not None and \
                    fact.origin.kind == "unique_value" and y.deep_equals(fact.origin.node):
                return True
        return False

    def sequence_mask(self, expr: cst.BaseExpression) -> bool:
        """Whether `expr` is, or is made from, a mask of a sequence's real tokens (or
        pixels) as a tokenizer or a padding step makes it (`attention_mask`,
        `mask_float = attention_mask.float()`): every row holds at least one."""
        places = [expr, *self.made_of(expr)]
        value = self.bound_value(expr)
        if value is not None:
            places.append(value)
        for place in places:
            text = place.value if type(place) is cst.Name else cst.Module([]).code_for_node(place)
            if _SEQUENCE_MASK.search(text):
                return True
        return False

    def tested(self) -> set[str]:
        """The names the tests of the enclosing `if`s, conditional expressions and the guards
        passed in this function read (`if len(adv) > 1:`)."""
        found: set[str] = set()
        for test, _holds, _region in self.conditions:
            found |= traverse.names(test)
        for scope in reversed(self.stack):
            for test, _holds in scope.guards:
                found |= traverse.names(test)
            if scope.kind == "function":
                break
        return found

    def bound_value(self, expr: cst.CSTNode) -> Optional[cst.CSTNode]:
        """The expression the name `expr` was bound to, where it was bound to one."""
        fact = self._name_fact(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
        return fact.value if fact is not None else None

    def made_of(self, expr: cst.CSTNode) -> list:
        """What `expr` and the names it reads were computed from: the nodes of their
        origins (one binding deep)."""
        out = []
        for name in (expr, *name_nodes(expr)):
            o = self.origin(name)
            if o is not None and isinstance(o.node, cst.CSTNode) and o.node is not expr:
                out.append(o.node)
        return out

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        kind = type(func)
        name = func.attr.value if kind is cst.Attribute else func.value if kind is cst.Name else None
        if self.functions and (name in _DOWN_CASTS or any(
                type(a.value) is cst.Attribute and a.value.attr.value in _DOWN_CASTS
                for a in node.args)):
            self.casts_down.add(id(self.functions[-1]))  # `x.half()`, `x.to(torch.float16)`
        if name in _DETACHING and kind is cst.Attribute and not node.args:
            self.detached += 1
        if name in vocab.NONFINITE_FILTERS and self.functions:
            # `torch.isfinite(scale)`, `scale.isnan()`, `np.nan_to_num(v)`: a test of a name
            tested = self.nonfinite_tests.setdefault(id(self.functions[-1]), set())
            for x in (node.args[0].value if node.args else None,
                      func.value if kind is cst.Attribute else None):
                if type(x) is cst.Name:
                    tested.add(x.value)

    def leave_Call(self, node: cst.Call) -> None:
        func = node.func
        if type(func) is cst.Attribute and func.attr.value in _DETACHING and not node.args:
            self.detached -= 1

    def integer_cast_subject(self, call: cst.Call) -> Optional[cst.BaseExpression]:
        """The value that `x.long()`, `x.to(torch.long)`, `x.view(torch.int32)`,
        `x.type(torch.int32)` or `int(x)` casts to an integer; None for any other call."""
        func = call.func
        if type(func) is cst.Attribute:
            if func.attr.value in vocab.INTEGER_CAST_METHODS and not call.args:
                return func.value
            if func.attr.value in ("to", "type", "view") and any(
                    self.qualname(a.value) in vocab.INTEGER_DTYPES for a in call.args
                    if a.keyword is None or a.keyword.value == "dtype"):
                return func.value
            return None
        if self.qualname(func) == "builtins.int" and len(call.args) == 1 and call.args[0].keyword is None:
            return call.args[0].value
        return None

    def tested_for_nonfinite(self, function: cst.FunctionDef) -> frozenset:
        """The names `function` tests for NaN/inf anywhere in its body: code that resets the
        non-finite entries a division makes.  Complete once the function is left."""
        return self.nonfinite_tests.get(id(function), frozenset())

    def contains(self, region: cst.CSTNode, value: cst.CSTNode, limit: int = 400) -> bool:
        """Whether `region` holds an expression equal to `value` (within `limit` nodes)."""
        todo = [region]
        for _ in range(limit):
            if not todo:
                return False
            n = todo.pop()
            if type(n) is type(value) and n.deep_equals(value):
                return True
            todo.extend(traverse.children(n))
        return False

    # ----------------------------------------------------------------- mutation
    def _mutated(self, target: cst.BaseExpression) -> None:
        """`x[i] = v`, `x += v`, `x.index_add_(...)`: the values of `x` are no longer what
        it was bound to (a tensor of zeros filled in place), though its origin stays."""
        for _ in range(8):  # `x[i][j]`, `x.data[i]`: to the name written through
            if isinstance(target, cst.Subscript):
                target = target.value
            elif isinstance(target, cst.Attribute) and self.self_class(target.value) is None \
                    and not isinstance(target.value, cst.Name):
                target = target.value
            else:
                break
        fact = self._name_fact(target)
        if fact is None or fact.range is None or isinstance(target, cst.Attribute):
            return
        if isinstance(target, cst.Name):
            self.bind(target.value, replace(fact, range=Range(host=fact.range.host, wide=fact.range.wide,
                                                              written=True)))

    # ------------------------------------------------------------------ guards
    def _implies(self, cond: cst.BaseExpression, value: cst.BaseExpression, holds: bool,
                 positive: bool = False) -> bool:
        """Whether `cond` being `holds` proves `value` != 0 (> 0 with `positive`):
        `d != 0`, `d > 0`, `d == 0` False, `not d` False."""
        if isinstance(cond, cst.BooleanOperation):
            splits = isinstance(cond.operator, cst.And) == holds
            sides = [self._implies(c, value, holds, positive) for c in (cond.left, cond.right)]
            return any(sides) if splits else all(sides)
        if isinstance(cond, cst.UnaryOperation) and isinstance(cond.operator, cst.Not):
            return self._implies(cond.expression, value, not holds, positive)
        if type(cond) in (cst.Name, cst.Attribute) or isinstance(cond, cst.UnaryOperation) and \
                isinstance(cond.operator, cst.BitInvert):
            # `keep = d != 0` and `~keep`: the comparison the mask was made from
            test, same = self._test_of(cond)
            if test is not None and self._implies(test, value, holds == same, positive):
                return True
        every = _reduced(cond, "all") if holds else _reduced(cond, "any")
        if every is not None:
            # `assert (n > 0).all()`, `if (n == 0).any(): raise`: the test holds everywhere
            return self._implies(every, value, holds, positive)
        if isinstance(cond, cst.Comparison) and len(cond.comparisons) == 1 and not positive and \
                self._shifted(cond, value, holds):
            return True
        if isinstance(cond, cst.Comparison) and len(cond.comparisons) == 1:
            target = cond.comparisons[0]
            op, other = type(target.operator), target.comparator
            if self._same_value(value, target.comparator):
                op, other = _MIRROR.get(op), cond.left
            elif not self._same_value(value, cond.left):
                return False
            if not holds:
                op = _NEGATE.get(op)
            c = self.const(other)
            if c is None:
                # `keep = sum_masks > strides` with strides made of ones: above a value at
                # least 0 is above 0
                bound = self._range(other, 1) if op in (cst.GreaterThan, cst.GreaterThanEqual) \
                    else None
                return bound is not None and (bound.positive or op is cst.GreaterThan and (
                    bound.count or bound.unit or bound.mask) and not bound.negative)
            if op is cst.GreaterThan and c.value >= 0 or op is cst.GreaterThanEqual and c.value > 0:
                return True
            return not positive and (op is cst.NotEqual and c.value == 0 or
                                     op is cst.LessThan and c.value <= 0 or
                                     op is cst.LessThanEqual and c.value < 0)
        # `if d:` / `if mask.any():` hold for a nonzero d and a mask with a True entry
        return not positive and holds and _same(value, _reduced(cond, "any") or cond)

    def _same_value(self, value: cst.CSTNode, tested: cst.CSTNode) -> bool:
        """`value` is what the test compares, or a name bound to it: `d = m.sum()` is
        tested by `m.sum() == 0`."""
        if _same(value, tested):
            return True
        bound = self.bound_value(value) if isinstance(value, cst.Name) else None
        return bound is not None and _same(bound, tested)

    def _shifted(self, cond: cst.Comparison, value: cst.CSTNode, holds: bool) -> bool:
        """`1 - p` != 0 where `p == 1` is False (or `p != 1` holds), `p - c` likewise, and
        `hi - lo` where `lo == hi` is False."""
        if not isinstance(value, cst.BinaryOperation) or not isinstance(value.operator, cst.Subtract):
            return False
        const, x = (value.left, value.right) if self.const(value.left) is not None else \
            (value.right, value.left)
        c = self.const(const)
        target = cond.comparisons[0]
        op = type(target.operator)
        if op not in (cst.Equal, cst.NotEqual) or (op is cst.Equal) == holds:
            return False
        sides = (cond.left, target.comparator)
        if c is None:  # `a - b` where `a == b` was ruled out
            return (_same(value.left, sides[0]) and _same(value.right, sides[1])) or \
                (_same(value.left, sides[1]) and _same(value.right, sides[0]))
        other = sides[1] if _same(x, sides[0]) else sides[0] if _same(x, sides[1]) else None
        d = self.const(other) if other is not None else None
        return d is not None and d.value == c.value

    # ------------------------------------------------------------------ bounds
    def interval(self, cond: cst.BaseExpression, value: cst.CSTNode,
                 holds: bool) -> Optional[tuple[Optional[Bound], Optional[Bound]]]:
        """(lower, upper): the bounds that `cond` being `holds` puts on `value`, each None
        where the test leaves that side open: `x <= t` holding gives (None, t), failing
        (t, None).  The test may be a comparison (chained, negated, joined with `&`, `|`,
        `and`, `or`) or a mask bound to one (`keep = x <= t`).  None where it compares
        nothing with `value`."""
        return self._interval(cond, value, holds, 0)

    def _interval(self, cond, value, holds: bool, depth: int):
        if depth > 8:  # a handful of joined tests at most
            return None
        if isinstance(cond, (cst.BooleanOperation, cst.BinaryOperation)) and \
                isinstance(cond.operator, _JOINS):
            every = isinstance(cond.operator, (cst.And, cst.BitAnd)) == holds
            sides = [self._interval(c, value, holds, depth + 1) for c in (cond.left, cond.right)]
            return _joined(sides, every)
        if isinstance(cond, cst.UnaryOperation) and isinstance(cond.operator, (cst.Not, cst.BitInvert)):
            return self._interval(cond.expression, value, not holds, depth + 1)
        test, same = self._test_of(cond)
        if test is None:
            return None
        holds = holds == same
        sides, left = [], test.left
        for target in test.comparisons:  # `lo < x < hi` holds where each pair does
            op, other, first = type(target.operator), target.comparator, left
            left = target.comparator
            if _same(value, other) or self._abs_of(other, value):
                op, other, first = _MIRROR.get(op), first, other
            elif not (_same(value, first) or self._abs_of(first, value)):
                op = None
            if op is not None and not holds:
                op = _NEGATE.get(op)
            if op not in _BOUNDS:
                sides.append(None)
                continue
            c = self.const(other)
            bound = Bound(other, c.value if c is not None else None)
            if _same(value, first):
                sides.append(_BOUNDS[op](bound))
            elif op in (cst.LessThan, cst.LessThanEqual, cst.Equal):  # |x| < t: -t < x < t
                below = cst.UnaryOperation(operator=cst.Minus(), expression=other)
                sides.append((Bound(below, None if c is None else -c.value), bound))
            else:
                sides.append((None, None))
        return _joined(sides, holds)

    def _abs_of(self, expr: cst.CSTNode, value: cst.CSTNode) -> bool:
        """Whether `expr` is the absolute value of `value`: `x.abs()`, `torch.abs(x)`."""
        op = self.call_op(expr) if isinstance(expr, cst.Call) else None
        return op is not None and op.name == "abs" and op.subject is not None and \
            _same(value, op.subject)

    def bounded_above(self, expr: cst.CSTNode) -> bool:
        """`-x.abs()`, `-F.relu(x)`, `x - x.max()`, `x.clamp(max=20)`, or a name bound to
        one: a value with a ceiling, which an exp of cannot overflow past."""
        if isinstance(expr, (cst.Name, cst.Attribute)):
            expr = self.bound_value(expr) or expr
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
            inner = self.value_range(expr.expression)
            return inner.positive or bool(inner.zero and not inner.negative)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Subtract):
            return self._is_max(expr.right)
        if self.value_range(expr).capped:
            return True
        op = self.call_op(expr)
        return op is not None and op.name in ("clamp", "clamp_max") and (
            op.name == "clamp_max" or op.arg(2, "max") is not None)

    def _is_max(self, expr: cst.CSTNode) -> bool:
        """`x.max(dim)[0]`, `m.unsqueeze(dim)` of a max, a logsumexp: a maximum of values."""
        o = self.origin(self.unwrapped(expr))
        return o is not None and o.kind in ("max", "amax", "logsumexp")

    def _guarded(self, expr: cst.CSTNode) -> bool:
        """Whether a guard the code has passed proves `expr` != 0: an early exit on its zero
        case earlier in the function, or an enclosing `if`/conditional expression."""
        for scope in reversed(self.stack):
            for test, holds in scope.guards:
                if self._implies(test, expr, holds) or _sums_nonempty(self, test, holds, expr):
                    return True
            if scope.kind == "function":
                break
        for test, holds, region in self.conditions:
            if (self._implies(test, expr, holds) or _sums_nonempty(self, test, holds, expr)) \
                    and _inside(expr, region):
                return True
        return False

    def _exit_guard(self, node: cst.If) -> None:
        """`if total == 0: return ...` (no `else`): past it, the test is known False."""
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        if node.orelse is not None or not body:
            return
        last = body[-1]
        small = last.body if isinstance(last, cst.SimpleStatementLine) else ()
        if any(isinstance(s, _EXITS) for s in small):
            self.scope.guards.append((node.test, False))
            self._memo.clear()

    def visit_Assert(self, node: cst.Assert) -> None:
        self.scope.guards.append((node.test, True))
        self._memo.clear()

    def visit_IfExp(self, node: cst.IfExp) -> None:
        # `x / n if n else 0` and `0 if n == 0 else x / n`
        self.conditions.extend(((node.test, True, node.body), (node.test, False, node.orelse)))
        self._memo.clear()

    def leave_IfExp(self, node: cst.IfExp) -> None:
        del self.conditions[-2:]
        self._memo.clear()

    # ----------------------------------------------------------- gradient context
    def visit_With(self, node: cst.With) -> None:
        off = any(self._turns_gradient_off(item.item) for item in node.items)
        on = any(self._turns_gradient_off(item.item, _GRAD_ON) for item in node.items)
        self.no_grad.append(off or self.gradient_off() and not on)
        self.no_grad_blocks.append(off)
        self.autocast_off.append(any(self._turns_autocast_off(item.item) for item in node.items)
                                 or self.full_precision())

    def leave_With(self, node: cst.With) -> None:
        self.no_grad.pop()
        self.no_grad_blocks.pop()
        self.autocast_off.pop()

    def float32_by_callers(self, at: cst.CSTNode, exprs: list) -> bool:
        """Whether `exprs` are float32 at `at` for what every call of the enclosing
        function passes it (model.sites)."""
        return float32_by_callers(self, at, exprs)

    def full_precision(self) -> bool:
        """Whether the code here runs with autocast turned off (`with torch.autocast(...,
        enabled=False)`, or a function so decorated): code that asks for that runs its
        arithmetic in float32."""
        return bool(self.autocast_off) and self.autocast_off[-1]

    def _turns_autocast_off(self, expr: cst.BaseExpression) -> bool:
        if not isinstance(expr, cst.Call) or not (self.qualname(expr.func) or "").endswith("autocast"):
            return False
        enabled = keyword(expr, "enabled")
        return isinstance(enabled, cst.Name) and enabled.value == "False"

    def gradient_off(self) -> bool:
        """Whether the code here runs under `torch.no_grad()`/`inference_mode()` (a `with`
        block or a decorated function), or computes what `.detach()` or `.item()` takes out
        of the graph (`torch.maximum(a, b.pow(1 / 3)).detach()`)."""
        return self.detached > 0 or bool(self.no_grad) and self.no_grad[-1]

    def _turns_gradient_off(self, expr: cst.BaseExpression, managers=_GRAD_OFF) -> bool:
        if isinstance(expr, cst.Call):
            expr = expr.func
        return self.qualname(expr) in managers


_LOSSES = frozenset({"cross_entropy", "nll_loss", "binary_cross_entropy",
                     "binary_cross_entropy_with_logits"})


def _negated_loss(model, expr) -> bool:
    """`-ce` with ce a cross entropy (or named so): exp of it is a probability."""
    if not isinstance(expr, cst.UnaryOperation) or not isinstance(expr.operator, cst.Minus):
        return False
    inner = expr.expression
    origin = model.origin(inner)
    if origin is not None and origin.kind in _LOSSES:
        return True
    name = inner.value if isinstance(inner, cst.Name) else ""
    return name in ("ce", "ce_loss", "bce", "logp_t") or name.endswith("_ce")


def _whole_axis(index: cst.BaseSlice) -> bool:
    """`None`, `...` or `:` in a subscript: an axis added or kept whole."""
    if isinstance(index, cst.Slice):
        return index.lower is None and index.upper is None and index.step is None
    return isinstance(index.value, cst.Ellipsis) or \
        isinstance(index.value, cst.Name) and index.value.value == "None"


def _host(a: Range, b: Range) -> Optional[str]:
    """A tensor in arithmetic makes a tensor; NumPy with Python numbers stays NumPy."""
    hosts = {a.host, b.host}
    for h in ("tensor", "numpy"):
        if h in hosts:
            return h
    return "python" if hosts == {"python"} else None


def _framework_host(framework: str) -> Optional[str]:
    return {"torch": "tensor", "jax": "tensor", "tf": "tensor", "numpy": "numpy"}.get(framework)


def _has_keyword(call: cst.Call, name: str) -> bool:
    return any(a.keyword is not None and a.keyword.value == name for a in call.args)


# methods that can change a tensor's dtype
_CASTS = frozenset({"to", "type", "half", "bfloat16", "type_as", "view"})
_DOWN_CASTS = frozenset({"half", "float16", "bfloat16"})
# a mask of a sequence's real tokens (or pixels), as a tokenizer or a padding step makes it
_SEQUENCE_MASK = re.compile(r"(?:attention|attn|padding|pad|token|input|pixel|prompt|text|"
                            r"caption|seq|sequence)_?masks?", re.I)
# the makers of a mask from sequence lengths: `length_to_mask`, `lengths_to_mask`,
# `compute_length_mask`, `get_mask_from_lengths`, `sequence_mask`
_LENGTH_MASK = re.compile(r"(?i)(?:lengths?|lens|seq(?:uence)?)_?(?:to_)?mask|mask_from_(?:lengths?|lens)")


def _wide_dtype(model, call: cst.Call) -> bool:
    """`x.to(torch.float32)`, `x.type(torch.float64)`, `x.sum(dtype=torch.float32)`, a
    factory with `dtype=torch.float32`."""
    func = call.func
    positional_dtype = isinstance(func, cst.Attribute) and func.attr.value in ("to", "type")
    return any(_wide_dtype_value(model, a.value) for a in call.args
               if (a.keyword is None and positional_dtype) or
               (a.keyword is not None and a.keyword.value == "dtype"))


def _wide_dtype_value(model, expr: cst.BaseExpression) -> bool:
    """`torch.float32`, or a name bound to one where the dtype is narrow: `acc = torch.float32
    if x.dtype in (torch.float16, torch.bfloat16) else x.dtype`."""
    if model.qualname(expr) in vocab.WIDE_DTYPES:
        return True
    if isinstance(expr, cst.Call) and model.qualname(expr.func) == "torch.promote_types":
        return any(_wide_dtype_value(model, a.value) for a in expr.args[:2])
    value = model.bound_value(expr) if isinstance(expr, cst.Name) else None
    if not isinstance(value, cst.IfExp) or model.qualname(value.body) not in vocab.WIDE_DTYPES:
        return False
    return any(model.qualname(n) in vocab.HALF_DTYPES or model.qualname(n) == "torch.bfloat16"
               for n in _dtype_names(value.test))


def _dtype_names(test: cst.BaseExpression) -> list:
    """The dotted names a dtype test compares with (`torch.float16` in a tuple or alone)."""
    found, todo = [], [test]
    for _ in range(40):  # a comparison with a handful of dtypes
        if not todo:
            break
        n = todo.pop()
        if isinstance(n, cst.Attribute):
            found.append(n)
        else:
            todo.extend(traverse.children(n))
    return found


def _activation(model, func: cst.BaseExpression) -> bool:
    """`self.act` bound to `ACT2FN["sigmoid"]`: an activation has no weights of its own, so it
    computes in the dtype of its input."""
    value = model.bound_value(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
    return isinstance(value, cst.Subscript) and isinstance(value.value, cst.Name) and \
        value.value.value in ("ACT2FN", "ACT2CLS")


def _cast_elsewhere(model, call: cst.Call) -> bool:
    """`x.to(logits.dtype)`, `x.type_as(h)`, `x.to(torch.float16)`: a cast to a dtype not
    known to be float32 or float64 (a device alone is no cast)."""
    func = call.func
    if func.attr.value == "type_as":
        return bool(call.args) and not model.value_range(call.args[0].value).wide
    for a in call.args:
        keyword = a.keyword.value if a.keyword is not None else None
        if keyword not in (None, "dtype"):
            continue
        v = a.value
        if _wide_dtype_value(model, v):
            return False
        if keyword == "dtype" or model.qualname(v) in vocab.HALF_DTYPES or \
                isinstance(v, cst.Attribute) and v.attr.value == "dtype":
            return True
    return False


def _factory_dtype(model, call: cst.Call, name: str) -> bool:
    """A tensor factory that makes float32 or float64: no dtype given (the default dtype,
    unless the module changes it), or a wide one."""
    given = [a for a in call.args if a.keyword is not None and a.keyword.value == "dtype"]
    if given:
        return _wide_dtype_value(model, given[0].value)
    return name in _FACTORIES and not model.precision.default_half and not name.endswith("_like")


def _same(a: cst.CSTNode, b: cst.CSTNode) -> bool:
    """The same value, ignoring `.item()`, `int()`, `float()` and parentheses."""
    return _strip(a).deep_equals(_strip(b))


def _strip(expr: cst.CSTNode) -> cst.CSTNode:
    for _ in range(4):  # a few wrappers at most
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and \
                expr.func.attr.value == "item" and not expr.args:
            expr = expr.func.value
        elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and \
                expr.func.value in ("int", "float", "bool") and len(expr.args) == 1:
            expr = expr.args[0].value
        else:
            break
    if getattr(expr, "lpar", None) and not isinstance(expr, cst.Tuple):
        expr = expr.with_changes(lpar=[], rpar=[])
    return expr


def _reduced(cond: cst.BaseExpression, how: str) -> Optional[cst.BaseExpression]:
    """`c` of `c.all()` or `torch.all(c)` (`how` "all"), of `c.any()` or `torch.any(c)`."""
    if not isinstance(cond, cst.Call) or not isinstance(cond.func, cst.Attribute) or \
            cond.func.attr.value != how:
        return None
    if not cond.args:
        return cond.func.value
    args = positional(cond)
    return args[0] if len(args) == 1 else None


def _sums_nonempty(model, test: cst.BaseExpression, holds: bool, expr: cst.CSTNode) -> bool:
    """`if not mask.any(): return` proves `mask.sum()` > 0; so does `mask.sum() > 0`."""
    op = model.call_op(expr)
    if op is None or op.name not in ("sum", "count_nonzero") or op.subject is None:
        return False
    if len(op.args) > 1 or any(a.keyword is not None and a.keyword.value in ("dim", "axis")
                               for a in op.call.args):
        return False  # a sum over one dimension can be 0 in a row while the whole is not
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        test, holds = test.expression, not holds
    inner = _reduced(test, "any")
    return holds and inner is not None and _same(inner, op.subject)


def name_nodes(node: cst.CSTNode, limit: int = 200) -> list:
    """The Name nodes an expression reads (within `limit` nodes)."""
    found, todo = [], [node]
    for _ in range(limit):
        if not todo:
            break
        n = todo.pop()
        if isinstance(n, cst.Name):
            found.append(n)
        elif isinstance(n, cst.Attribute):
            todo.append(n.value)
            continue
        todo.extend(traverse.children(n))
    return found


def _inside(node: cst.CSTNode, region: cst.CSTNode) -> bool:
    """Whether `node` is `region` or inside it (an identity search, made only once a
    test that holds there is known to speak of the value)."""
    todo = [region] if region is not None else []  # (an `if` without `else`)
    while todo:
        n = todo.pop()
        if n is node:
            return True
        todo.extend(traverse.children(n))
    return False


class Bound(NamedTuple):
    """A bound a test puts on a value: the expression it is compared with, and that
    expression's constant value where known."""
    node: cst.CSTNode
    value: Optional[float]


_JOINS = (cst.And, cst.Or, cst.BitAnd, cst.BitOr)
# (lower, upper) where `value <op> bound` holds
_BOUNDS = {cst.GreaterThan: lambda b: (b, None), cst.GreaterThanEqual: lambda b: (b, None),
           cst.LessThan: lambda b: (None, b), cst.LessThanEqual: lambda b: (None, b),
           cst.Equal: lambda b: (b, b), cst.NotEqual: lambda b: (None, None)}


def _joined(sides: list, every: bool):
    """The interval where every one of `sides` holds (`every`), or any one does; a side
    that says nothing of the value (None) leaves it whatever it was (every) or anything
    (any)."""
    known = [s for s in sides if s is not None]
    if not known:
        return None
    if every:
        return (_pick([s[0] for s in known], max), _pick([s[1] for s in known], min))
    if len(known) < len(sides):
        return (None, None)
    return (_loosest([s[0] for s in known], min), _loosest([s[1] for s in known], max))


def _pick(bounds: list, tighter) -> Optional[Bound]:
    """The tightest of several bounds that all hold: one of known value where any is."""
    found = [b for b in bounds if b is not None]
    valued = [b for b in found if b.value is not None]
    if valued:
        return tighter(valued, key=lambda b: b.value)
    return found[0] if found else None


def _loosest(bounds: list, looser) -> Optional[Bound]:
    """The bound of a union: open where any side is, unknown where any value is."""
    if any(b is None for b in bounds):
        return None
    if any(b.value is None for b in bounds):
        return next(b for b in bounds if b.value is None)
    return looser(bounds, key=lambda b: b.value)


_MIRROR = {cst.GreaterThan: cst.LessThan, cst.LessThan: cst.GreaterThan,
           cst.GreaterThanEqual: cst.LessThanEqual, cst.LessThanEqual: cst.GreaterThanEqual,
           cst.Equal: cst.Equal, cst.NotEqual: cst.NotEqual}
_NEGATE = {cst.GreaterThan: cst.LessThanEqual, cst.LessThanEqual: cst.GreaterThan,
           cst.LessThan: cst.GreaterThanEqual, cst.GreaterThanEqual: cst.LessThan,
           cst.Equal: cst.NotEqual, cst.NotEqual: cst.Equal}
