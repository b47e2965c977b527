from typing import Iterator, Optional

import libcst as cst

from .. import vocab
from ..model import argument, fmt, positional
from .base import Fix, Rule, with_keyword

# optimizer -> (default eps, positional slot of eps counting params as 0)
_OPTIMIZERS = {"Adam": (1e-8, 3), "AdamW": (1e-8, 3), "Adamax": (1e-8, 3), "NAdam": (1e-8, 3),
               "RAdam": (1e-8, 3), "Adagrad": (1e-10, 5), "RMSprop": (1e-8, 3)}
_HALF_CASTS = frozenset({"half"})
_DTYPE_CASTS = frozenset({"to", "type"})
_DTYPE_KEYWORDS = frozenset({"dtype", "torch_dtype"})


class HalfOptimizerEps(Rule):
    code = "NAN304"
    summary = "optimizer eps that float16 rounds to 0, on float16 parameters"
    why = (
        "Adam-style optimizers divide by `sqrt(v) + eps`. With float16 parameters the state "
        "is float16 too: the squared gradients of small gradients underflow to 0, and the "
        "default eps (1e-8; 1e-10 for Adagrad) is below the smallest float16 subnormal "
        "(5.96e-8), so it rounds to 0 as well and the update divides by 0. Measured on CPU "
        "with float16 parameters and gradients of 1e-4 (lr 1e-3): Adam, AdamW, NAdam, "
        "Adagrad and RMSprop with their default eps made the weights -inf at the first step, "
        "RAdam at the sixth (its first adaptive step); Adamax stayed finite there, but a "
        "gradient of exactly 0 gave NaN (0/0) in Adamax as in Adam. With eps=1e-4 each moved "
        "the weights by at most 0.003 in three steps. The rule reports only where the same "
        "module casts those parameters to float16 (`.half()`, `.to(torch.float16)`, "
        "`dtype=torch.float16`); with float32 parameters under autocast eps stays float32.")
    bad = """\
import torch
model = torch.nn.Linear(4, 1).half()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(3):
    optimizer.zero_grad()
    for p in model.parameters():
        p.grad = torch.full_like(p, 1e-4)
    optimizer.step()
out = model.weight.detach()
"""
    good = """\
import torch
model = torch.nn.Linear(4, 1).half()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-4)
for _ in range(3):
    optimizer.zero_grad()
    for p in model.parameters():
        p.grad = torch.full_like(p, 1e-4)
    optimizer.step()
out = model.weight.detach()
"""
    fix = ("Pass an eps that float16 keeps, such as `eps=1e-4`; better, keep the parameters "
           "in float32 and train with `torch.autocast` and a `GradScaler`. The update size "
           "changes, so the fix is not applied automatically.")
    fix_safety = "unsafe"
    options = ("nan-min-eps (default 1e-7): the smallest eps accepted",)
    references = ("torch.optim.Adam documentation: eps (default 1e-8)",
                  "IEEE 754 binary16: smallest subnormal 2**-24 = 5.96e-8")
    scope = "function"
    triggers = (frozenset(_OPTIMIZERS), frozenset({*_HALF_CASTS, "float16"}))

    def __init__(self, model, options) -> None:
        super().__init__(model, options)
        self.scopes: list[cst.CSTNode] = [cst.Module(body=[])]  # functions; the first is the module
        self.classes: list[Optional[cst.ClassDef]] = [None]
        self.half: set[tuple[int, str]] = set()  # (scope id, text) of what is cast to float16
        self.optimizers: list = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.scopes.append(node)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.scopes.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(node)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.pop()

    def _key(self, text: str, scope: cst.CSTNode) -> tuple[int, str]:
        """`self.x` belongs to the class, a name to the function (or module) it is used in."""
        return (id(self.classes[-1]) if text.startswith("self.") else id(scope), text)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and self._casts_to_half(node):
            self.half.add(self._key(self.snippet(func.value, 200), self.scopes[-1]))
            return
        qn = self.model.qualname(func)
        name = qn.rsplit(".", 1)[-1] if qn and qn.startswith("torch.optim.") else None
        if name not in _OPTIMIZERS:
            return
        default, slot = _OPTIMIZERS[name]
        eps = argument(node, slot, "eps")
        value = default if eps is None else (c := self.model.const(eps)) and c.value
        params = argument(node, 0, "params")
        if value is None or value >= self.options.min_eps or params is None:
            return
        keys = [[self._key(self.snippet(r, 200), s) for s in self.scopes] for r in _roots(params)]
        fix = Fix(node, with_keyword(node, "eps", cst.Float("1e-4"))) if eps is None \
            else Fix(eps, cst.Float("1e-4"))
        self.optimizers.append((node if eps is None else eps, name, value, eps is None, keys, fix))

    def leave_Assign(self, node: cst.Assign) -> None:
        if self._is_half(node.value):
            for t in node.targets:
                self.half.add(self._key(self.snippet(t.target, 200), self.scopes[-1]))

    def leave_Module(self, node: cst.Module) -> None:
        for where, name, value, default, keys, fix in self.optimizers:
            if any(k in self.half for alternatives in keys for k in alternatives):
                given = "default eps" if default else "eps"
                self.report(where, f"{name} {given} {fmt(value)} rounds to 0 in float16 and "
                                   "these parameters are cast to float16: the update divides "
                                   "by 0 and the weights become inf; pass eps=1e-4 or keep "
                                   "float32 parameters under autocast", fix)

    def _casts_to_half(self, call: cst.Call) -> bool:
        """`x.half()`, `x.to(torch.float16)`, `x.to(dtype=torch.half)`, `x.type(torch.half)`."""
        attr = call.func.attr.value
        if attr in _HALF_CASTS:
            return not call.args
        return attr in _DTYPE_CASTS and any(self.model.qualname(a.value) in vocab.HALF_DTYPES
                                            for a in call.args)

    def _is_half(self, expr: cst.BaseExpression) -> bool:
        """A value made float16 along its chain of calls: `Net().cuda().half()`,
        `nn.Linear(4, 4, dtype=torch.float16)`, `from_pretrained(..., torch_dtype=torch.half)`."""
        while isinstance(expr, cst.Call):
            if isinstance(expr.func, cst.Attribute) and self._casts_to_half(expr):
                return True
            if any(a.keyword is not None and a.keyword.value in _DTYPE_KEYWORDS
                   and self.model.qualname(a.value) in vocab.HALF_DTYPES for a in expr.args):
                return True
            expr = expr.func.value if isinstance(expr.func, cst.Attribute) else None
        return False


def _roots(params: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """What the parameters come from: `model` in `model.parameters()`, `[w, b]`,
    `[{"params": m.parameters()}]`, `list(m.parameters())`."""
    if isinstance(params, cst.Call):
        func = params.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("parameters", "named_parameters"):
            yield func.value
        elif isinstance(func, cst.Name) and func.value in ("list", "tuple"):
            for a in positional(params):
                yield from _roots(a)
    elif isinstance(params, (cst.List, cst.Tuple)):
        for el in params.elements:
            yield from _roots(el.value)
    elif isinstance(params, cst.Dict):
        for el in params.elements:
            if isinstance(el, cst.DictElement) and isinstance(el.key, cst.SimpleString) \
                    and el.key.evaluated_value == "params":
                yield from _roots(el.value)
    elif isinstance(params, (cst.Name, cst.Attribute)):
        yield params
