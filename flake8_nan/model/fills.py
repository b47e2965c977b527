"""-inf written into tensors: masked fills, `where`, in-place writes and additive masks,
followed through what keeps an infinity (shape methods, arithmetic, a log_softmax)."""
from __future__ import annotations

from dataclasses import replace
from typing import Optional

import libcst as cst

from .. import vocab
from .facts import Fill, NAMES, _MAX_DEPTH, argument, where_parts

_FULL = frozenset({"full", "full_like", "new_full"})


class Fills:
    def neg_inf_fill(self, expr: Optional[cst.BaseExpression]) -> Optional[Fill]:
        """The -inf fill whose entries `expr` still holds, or None: a tensor filled with
        -inf where a mask says (`masked_fill`, `where`, `x[m] = -inf`, `masked_fill_`), an
        additive mask made with `full(..., -inf)` and what is added to it, and what keeps
        the infinity of those entries: shape methods, a subscript, a sign, a sum, a scale,
        a division by a temperature, a log_softmax.  A softmax
        gives those entries 0 and ends the fill; a fill with a finite value (`masked_fill(m,
        0)`, `where(m, x, 0)`) replaces them; a triangle of a filled tensor (`triu`) is a
        causal mask, which never masks a whole row, and is none."""
        return self._fill(expr, 0)

    def _fill(self, expr: Optional[cst.BaseExpression], depth: int) -> Optional[Fill]:
        if expr is None or depth > _MAX_DEPTH:
            return None
        kind = type(expr)
        if kind is cst.Attribute and expr.attr.value in vocab.SHAPE_ATTRIBUTES:
            return self._fill(expr.value, depth + 1)
        if kind in NAMES:
            fact = self._name_fact(expr)
            return fact.fill if fact is not None else None
        if kind is cst.Subscript:
            return self._fill(expr.value, depth + 1)
        if kind is cst.UnaryOperation:
            return self._fill(expr.expression, depth + 1) if isinstance(expr.operator, cst.Minus) else None
        if kind is cst.BinaryOperation:
            op = expr.operator
            if isinstance(op, (cst.Add, cst.Subtract, cst.Multiply)):
                return self._fill(expr.left, depth + 1) or self._fill(expr.right, depth + 1)
            return self._fill(expr.left, depth + 1) if isinstance(op, cst.Divide) else None
        if kind is cst.Call:
            return self._call_fill(expr, depth)
        return None

    def _call_fill(self, call: cst.Call, depth: int) -> Optional[Fill]:
        op = self.call_op(call)
        if op is None:  # an nn.LogSoftmax instance keeps the -inf
            made = self.origin(call)
            args = [a.value for a in call.args if a.keyword is None and not a.star]
            return self._fill(args[0], depth + 1) if args and made is not None and \
                made.kind == "log_softmax" else None
        name = op.name
        if name in ("shape", "log_softmax"):
            return self._fill(op.subject, depth + 1)
        if name == "masked_fill":
            value = op.arg(2, "value")
            return Fill(value, op.arg(1, "mask"), call) if self._neg_inf(value) else None
        if name == "where":
            cond, a, b = where_parts(op)
            for branch in (a, b):
                if self._neg_inf(branch):
                    return Fill(branch, cond, call)
            for branch in (a, b):  # where(m, x, torch.full_like(x, -inf))
                found = self._fill(branch, depth + 1)
                if found is not None and self._made_full(branch):
                    return found
            return None
        if name in _FULL:
            value = op.arg(1, "fill_value") if name == "full_like" else \
                op.arg(2, "fill_value") if name == "new_full" else argument(call, 1, "fill_value")
            return Fill(value, None, call) if self._neg_inf(value) else None
        return None

    def _neg_inf(self, expr: Optional[cst.BaseExpression]) -> bool:
        made = self.origin(expr) if expr is not None else None
        return made is not None and made.kind == "neg_inf"

    def _made_full(self, expr: cst.BaseExpression) -> bool:
        made = self.origin(expr)
        return made is not None and made.kind in _FULL

    # ------------------------------------------------------------- in-place writes
    def _write_fill(self, target: cst.BaseExpression, value: Optional[cst.BaseExpression],
                    mask: Optional[cst.BaseExpression], node: cst.CSTNode) -> None:
        """`x[m] = -inf`, `x.masked_fill_(m, -inf)`, `x.fill_(-inf)`: the name written
        through holds a -inf fill from here on."""
        if value is None:
            return
        fill = Fill(value, mask, node) if self._neg_inf(value) else self._fill(value, 0)
        if fill is None:
            return
        for _ in range(8):  # `x[i][j]`, `x.data[i]`: to the name written through
            if isinstance(target, cst.Subscript):
                target = target.value
            elif isinstance(target, cst.Attribute) and not isinstance(target.value, cst.Name):
                target = target.value
            else:
                break
        fact = self.lookup(target.value) if isinstance(target, cst.Name) else None
        if fact is not None:
            self.bind(target.value, replace(fact, fill=fill))

    def _subscript_fill(self, target: cst.Subscript, value: cst.BaseExpression,
                        node: cst.CSTNode) -> None:
        """`x[m] = v`: the index is the mask where it is one expression."""
        index = target.slice[0].slice if len(target.slice) == 1 else None
        mask = index.value if isinstance(index, cst.Index) else None
        self._write_fill(target, value, mask, node)

    def _method_fill(self, call: cst.Call) -> None:
        """`x.masked_fill_(m, -inf)` and `x.fill_(-inf)` as statements."""
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in ("masked_fill_", "fill_"):
            return
        op = self.call_op(call)
        if op is None:
            return
        if op.name == "masked_fill":
            self._write_fill(func.value, op.arg(2, "value"), op.arg(1, "mask"), call)
        elif op.name == "fill_":
            self._write_fill(func.value, op.arg(1, "value"), None, call)
