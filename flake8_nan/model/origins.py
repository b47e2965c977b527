"""Value origins: the operation that produced a value, and whether it is provably
positive."""
from __future__ import annotations

from typing import Optional

import libcst as cst

from .. import vocab
from ..ranges import Range
from .facts import (
    NAMES, NUMBERS, Fact, Op, Origin, UNKNOWN, _BOOL, _INF, _INF_TEXT, _MAX_DEPTH, _MIRROR,
    _NEGATE, _NEGATED, _NEG_INF, _POSITIVE_CONST, _SUMMED, _bounded, _dot, _literal, _sum_positive,
    argument, keyword, positional, where_parts)


class Origins:
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
        kind = type(expr)
        if kind in NAMES and self.qualname(expr) in vocab.INF_NAMES:
            return _INF
        if kind is cst.Attribute and expr.attr.value in vocab.SHAPE_ATTRIBUTES:
            return self._origin(expr.value, depth + 1)
        if kind in NAMES:
            fact = self._name_fact(expr)
            if fact is None:
                return None
            if fact.origin is None and fact.const is not None and fact.const.value > 0:
                return _POSITIVE_CONST
            return fact.origin
        if kind in NUMBERS:
            value = _literal(expr)
            return _POSITIVE_CONST if value is not None and value > 0 else None
        if kind is cst.Subscript:
            return self._origin(expr.value, depth + 1)
        if kind is cst.Comparison:
            return Origin("bool", node=expr)  # the test a mask was made from is read back
        if kind is cst.UnaryOperation and isinstance(expr.operator, (cst.Not, cst.BitInvert)):
            return _BOOL
        if kind is cst.UnaryOperation and isinstance(expr.operator, cst.Minus):
            # -inf stays an infinity; -(t * logp) is arithmetic over a log
            return _NEGATED.get(self._origin(expr.expression, depth + 1)) or \
                self._neg_expm1_origin(expr, depth) or self._arith_origin(expr, depth)
        if kind is cst.BinaryOperation:
            return self._binary_origin(expr, depth)
        if kind is cst.Call:
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
        if name == "new_ones":
            return Origin("ones", positive=True, node=call)
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
            found = self._arith_origin(expr, depth)
            if found is None and isinstance(op, cst.Subtract):
                return self._difference_origin(expr, depth)
            return found
        if isinstance(op, cst.Power):
            return self._power_origin(expr, depth)
        return None

    def _difference_origin(self, expr: cst.BinaryOperation, depth: int) -> Optional[Origin]:
        """`a - b` of two values ("difference": 0 where they are equal), `x.max() - x.min()`
        ("minmax"); a constant subtracted says nothing."""
        if self._const(expr.left, depth + 1) is not None or self._const(expr.right, depth + 1) is not None:
            return None
        left, right = self._origin(expr.left, depth + 1), self._origin(expr.right, depth + 1)
        if left is not None and right is not None and left.kind in ("max", "amax") and \
                right.kind in ("min", "amin") and self._reduction(left) and self._reduction(right):
            return Origin("minmax", node=expr)
        return Origin("difference", node=expr)

    def _reduction(self, origin: Origin) -> bool:
        """A max or min over a tensor (`x.max()`, `torch.amin(x, dim=1)`), not the
        elementwise one of two tensors (`torch.max(a, b)`)."""
        op = self.call_op(origin.node) if isinstance(origin.node, cst.Call) else None
        if op is None:
            return False
        return len(op.args) < 2 or self._const(op.args[1], 0) is not None or \
            isinstance(op.args[1], (cst.Tuple, cst.List))

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
        gives the values the kind "topk_values", and `values, _ = x.max(dim)` the kind "max";
        everything else is unknown."""
        o = fact.origin
        # what the parts of a tensor result are made of: its device and dtype
        kept = Range(host=fact.range.host, wide=fact.range.wide) if fact.range is not None else None
        if index == 0 and o is not None and o.kind == "topk":
            return Fact(origin=Origin("topk_values", positive=o.positive, node=o.node, inner=o.inner),
                        range=kept)
        if index == 0 and o is not None and o.kind in ("max", "min"):
            # `values, indices = x.max(dim)`: the values are the maximum
            return Fact(origin=Origin(o.kind, node=o.node), range=kept)
        return Fact(range=kept) if kept is not None and kept.known else UNKNOWN
