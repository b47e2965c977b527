"""NAN104: `log(1 + x)` and `exp(x) - 1` instead of `log1p(x)` and `expm1(x)`."""
from typing import Optional

import libcst as cst

from .. import traverse
from ..model import where_parts
from .base import Fix, Rule, method_call

# Natural log and exp by qualified name -> the module of the fix (each of these modules
# has log1p and expm1 under the same name).
_LOGS = {"torch.log": "torch", "torch.Tensor.log": "torch", "math.log": "math", "numpy.log": "numpy",
         "jax.numpy.log": "jax", "tensorflow.math.log": "tf", "tensorflow.log": "tf",
         "tensorflow.compat.v1.log": "tf"}
_EXPS = {"torch.exp": "torch", "torch.Tensor.exp": "torch", "math.exp": "math", "numpy.exp": "numpy",
         "jax.numpy.exp": "jax", "tensorflow.math.exp": "tf", "tensorflow.exp": "tf",
         "tensorflow.compat.v1.exp": "tf"}
_LOG1PS = {"torch.log1p": "torch", "torch.Tensor.log1p": "torch", "numpy.log1p": "numpy",
           "math.log1p": "math", "jax.numpy.log1p": "jax", "tensorflow.math.log1p": "tf"}
# Where a module's log1p and expm1 live when not beside its log and exp (TensorFlow 2 has
# `tf.exp` but only `tf.math.expm1`).
_FIX_MODULES = {"tf": "tf.math"}
# Calls whose result is a whole number.
_WHOLE = frozenset({"floor", "ceil", "round", "trunc", "len", "numel", "long", "int",
                    "count_nonzero", "bincount", "arange"})
# Half the spacing of floats above 1: below it, 1 + x == 1.
_TINY = {"torch": "6e-8 in float32", "method": "6e-8 in float32", "jax": "6e-8 in float32",
         "tf": "6e-8 in float32", "math": "1.1e-16 in float64", "numpy": "1.1e-16 in float64"}


class Log1pExpm1(Rule):
    code = "NAN104"
    summary = "log(1 + x) or exp(x) - 1 instead of log1p(x) or expm1(x)"
    why = (
        "`1 + x` rounds to exactly 1 when |x| is below half the float epsilon (about 6e-8 in "
        "float32, 4.9e-4 in float16, 1.1e-16 in float64), so `log(1 + x)` is 0 and every "
        "digit of x is lost; "
        "`exp(x) - 1` cancels the same way. Measured in float32 at x = 1e-8: `torch.log(1 + x)` "
        "and `torch.exp(x) - 1` are 0, `torch.log1p(x)` and `torch.expm1(x)` are 1e-8; at "
        "x = 1e-6 the ratio `log(1 + x) / x` is 0.954 instead of 1. A term that divides by "
        "such a value becomes inf. `log(1 + exp(x))` also overflows: it is inf for x = 100, "
        "where `F.softplus(x)` is 100, and so does `log1p(exp(x))`."
        " By default it reports the softplus written by hand, `log(1 + exp(x))` and "
        "`log1p(exp(x))`, unless x is bounded above (`-x.abs()`, `x - x.max()`, a clamp with "
        "a max, a `torch.where` that tests x). The lost digits of `log(1 + x)` and `exp(x) - 1` "
        "are reported under `--nan-strict`: in a sample of those reports on timm and "
        "transformers, 1 of 4 were hazards real code can reach."
    )
    bad = """\
import torch
x = torch.tensor([-3.0, 100.0])
out = torch.log(1 + torch.exp(x))
"""
    good = """\
import torch
import torch.nn.functional as F
x = torch.tensor([-3.0, 100.0])
out = F.softplus(x)
"""
    fix = ("`torch.log(1 + x)` -> `torch.log1p(x)`, `torch.exp(x) - 1` -> `torch.expm1(x)` "
           "(`math.`/`numpy.` alike); `log(1 + exp(x))` -> `F.softplus(x)`. Same value, "
           "correct digits near 0.")
    fix_safety = "safe"
    references = ("torch.log1p documentation: more accurate than torch.log for small inputs",
                  "torch.expm1 documentation")
    # the softplus needs a log and an exp; the lost digits, at the strict level, either
    triggers = (frozenset({"log", "log1p"}), frozenset({"exp"}))
    strict_triggers = (frozenset({"log", "exp"}),)

    def visit_Call(self, node: cst.Call) -> None:
        self._note_where(node)
        log1p = self._natural(node, "log1p", _LOG1PS)
        prefix = log1p or self._natural(node, "log", _LOGS)
        if prefix is None:
            return
        args = [a.value for a in node.args if a.keyword is None and not a.star]
        arg = node.func.value if prefix == "method" else args[0] if len(args) == 1 else None
        x = arg if log1p else self._one_plus(arg)
        if x is None:
            return
        origin = self.model.origin(x)
        if origin is not None and origin.kind == "exp" and self._natural(origin.node, "exp", _EXPS):
            exp = self.model.call_op(origin.node)
            operand = exp.subject if exp is not None else None
            if operand is None or not (self.model.bounded_above(operand) or self._tested(node, operand)):
                inner = self.short(operand) if operand is not None else "x"
                what = "log1p(exp(x))" if log1p else "log(1 + exp(x))"
                self.report(node, f"{what} overflows to inf for x > 88.7 in float32 (11 in "
                                  f"float16); use {self.suggest('softplus', node, x=inner)}",
                            self._softplus_fix(node, origin.node, x, operand))
            return
        if log1p or not getattr(self.options, "strict", False):
            return  # lost digits, not a NaN: the strict level's
        fix = self.with_method(x, "log1p()") if prefix == "method" else \
            f"{self._head(node, prefix)}.log1p({self._bare(x)})"
        self.report(node, f"log(1 + x) is 0 for |x| below {_TINY[prefix]} (1 + x rounds to 1); "
                          f"use {fix}", self._fix(node, prefix, x, "log1p"))

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not isinstance(node.operator, cst.Subtract) or not getattr(self.options, "strict", False):
            return
        one = self.model.const(node.right)
        if one is None or one.value != 1:
            return
        origin = self.model.origin(node.left)
        call = origin.node if origin is not None and origin.kind == "exp" else node.left
        prefix = self._natural(call, "exp", _EXPS)
        if prefix is None:
            return
        x = call.func.value if prefix == "method" else call.args[0].value
        fix = self.with_method(x, "expm1()") if prefix == "method" else \
            f"{self._head(call, prefix)}.expm1({self._bare(x)})"
        self.report(node, f"exp(x) - 1 is 0 for |x| below {_TINY[prefix]} (exp(x) rounds to 1); "
                          f"use {fix}", self._fix(node, prefix, x, "expm1", call))

    def _fix(self, node, prefix: str, x, name: str, call=None):
        """`torch.log(1 + x)` -> `torch.log1p(x)`, `x.exp() - 1` -> `x.expm1()`: the same
        module or method, the same operand."""
        call = call if call is not None else node
        if call is not node and node.left is not call:
            return None  # the exp is held in a variable
        bare = x.with_changes(lpar=[], rpar=[]) if getattr(x, "lpar", None) else x
        if prefix == "method":
            new = method_call(x, name)
        elif isinstance(call.func, cst.Attribute):
            new = cst.Call(func=call.func.with_changes(attr=cst.Name(name)), args=[cst.Arg(bare)])
        else:
            return None  # `from torch import log`: the name to import is not obvious
        return Fix(node, new.with_changes(lpar=node.lpar, rpar=node.rpar))

    def _softplus_fix(self, node: cst.Call, exp: cst.CSTNode, inner: cst.BaseExpression,
                      x: Optional[cst.BaseExpression]) -> Optional[Fix]:
        """`torch.log(1 + torch.exp(x))` -> `torch.nn.functional.softplus(x)`, where the exp is
        the log's own operand (not a name bound to it) and the log is called through the
        module: the same value, without the overflow."""
        func = node.func
        if x is None or not isinstance(func, cst.Attribute) or exp is not inner or \
                self.model.qualname(func) not in ("torch.log", "torch.log1p"):
            return None
        callee = func.value
        for part in ("nn", "functional", "softplus"):
            callee = cst.Attribute(value=callee, attr=cst.Name(part))
        arg = x.with_changes(lpar=[], rpar=[]) if getattr(x, "lpar", None) else x
        return Fix(node, cst.Call(func=callee, args=[cst.Arg(arg)], lpar=node.lpar, rpar=node.rpar))

    def _bare(self, x: cst.BaseExpression) -> str:
        """The code of x as a call argument: `(a / b)` loses its parentheses."""
        return self.short(x.with_changes(lpar=[], rpar=[]) if getattr(x, "lpar", None) else x)

    def _head(self, call: cst.Call, prefix: str) -> str:
        """`np` in `np.log(...)`: the module as the code spells it."""
        func = call.func
        if prefix in _FIX_MODULES:
            return _FIX_MODULES[prefix]
        return self.short(func.value, prefix) if isinstance(func, cst.Attribute) else prefix

    def _natural(self, call, name: str, functions: dict) -> Optional[str]:
        """"method" for `x.log()`, the module prefix for `torch.log(x)`/`math.log(x)`, else
        None (`log2`, `exp2`, another object's `log`)."""
        if not isinstance(call, cst.Call) or any(a.star or a.keyword for a in call.args):
            return None
        func = call.func
        qn = self.model.qualname(func)
        if qn is not None:
            return functions.get(qn) if len(call.args) == 1 else None
        if isinstance(func, cst.Attribute) and func.attr.value == name and not call.args:
            if name == "log1p":  # (the caller asks that its receiver be an exp)
                return "method"
            op = self.model.call_op(call)
            return "method" if op is not None and op.name in ("log", "exp") else None
        return None

    def _note_where(self, node: cst.Call) -> None:
        """Before the nodes inside a `where` are visited: the names its test reads, for each
        node of its branches."""
        op = self.model.call_op(node)
        if op is None or op.name != "where":
            return
        cond, a, b = where_parts(op)
        if cond is None:
            return
        tests = self.__dict__.setdefault("_where_tests", {})
        for branch, chosen in ((a, True), (b, False)):
            todo = [branch] if branch is not None else []
            for _ in range(400):  # a branch of a few hundred nodes at most
                if not todo:
                    break
                n = todo.pop()
                tests[id(n)] = (cond, chosen)
                todo.extend(traverse.children(n))

    def _tested(self, node: cst.Call, operand: cst.BaseExpression) -> bool:
        """`torch.where(x > 20, x, torch.log(1 + torch.exp(x)))`: the value is chosen only
        where the test bounds x from above (its gradient there is NAN502's concern)."""
        test = self.__dict__.get("_where_tests", {}).get(id(node))
        bounds = test and self.model.interval(test[0], operand, test[1])
        return bool(bounds) and bounds[1] is not None

    def _one_plus(self, arg) -> Optional[cst.BaseExpression]:
        """x in `1 + x`, `x + 1`, `1. + x`; None otherwise, and when x is a constant
        (`math.e`) or a whole number (a count, `floor(...)`): 1 + x is then exact."""
        if not isinstance(arg, cst.BinaryOperation) or not isinstance(arg.operator, cst.Add):
            return None
        for one, x in ((arg.left, arg.right), (arg.right, arg.left)):
            c = self.model.const(one)
            if c is not None and c.value == 1:
                return None if self._exact(x) else x
        return None

    def _exact(self, x) -> bool:
        if self.model.const(x) is not None or self.model.qualname(x) is not None:
            return True
        origin = self.model.origin(x)
        if origin is not None and origin.kind in ("count", "bool"):
            return True
        func = x.func if isinstance(x, cst.Call) else None
        name = func.attr.value if isinstance(func, cst.Attribute) else \
            func.value if isinstance(func, cst.Name) else None
        return name in _WHOLE
