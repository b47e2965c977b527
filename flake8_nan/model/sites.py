"""What a module passes to its own functions, read from the whole source on demand.

The engine may give libcst only part of a module (prefilter.py), so the calls of a
function are found in the `ast` of the whole source, and a caller is parsed on its own
when the model asks what it passes.  The model asks only where a rule would otherwise
report, and for a default small enough to be an eps that NAN301 reads, so a module
without such a place pays nothing.

A function's calls count only where the module's are all known: every use of its name
is a call from a function or method of the module (not a value passed on, a base class,
or a call from module-level code), without `*args` or `**kwargs`.  A method counts the
calls made through `self`, a class the calls that construct it.  Calls from other modules
are not seen: functions and methods are read only where private (`_name`), and a
class's default only where the module builds the class itself, with that argument each
time.
"""
from __future__ import annotations

import ast
from typing import Optional

import libcst as cst

from .. import traverse
from ..prefilter import physical_lines
from ..ranges import Range
from .facts import UNKNOWN, Const, Fact, Scope, dotted, keyword, positional

Key = tuple  # (the class whose method is called through self, or None; the name)
MAX_CALLERS = 4  # functions that call one: more are not read
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


class Sites:
    def __init__(self, source: str, tree: Optional[ast.Module]):
        self.source = source
        self.tree = tree
        self._calls: Optional[dict] = None
        self._escaped: set = set()
        self._elsewhere: set = set()  # methods called on something other than self
        self._numbers: Optional[dict] = None
        # id(function), depth -> the parameters every call passes float32 (float32_by_callers)
        self.given: dict[tuple, dict] = {}
        self._parsed: dict[int, Optional[cst.FunctionDef]] = {}
        self._lines: Optional[list[str]] = None  # the source's, split once for _parse

    def callers(self, owner: Optional[str], name: str) -> Optional[list]:
        """The functions (`ast` nodes, with the class that holds them or None) that call
        `name`, through self where `owner` is its class; None where its calls are not all
        known, there are none, or more functions make them than are read."""
        found: dict[int, tuple] = {}
        for caller, holder, _call in self._known(owner, name) or ():
            found.setdefault(id(caller), (caller, holder))
        return list(found.values()) if 0 < len(found) <= MAX_CALLERS else None

    def passed(self, owner: Optional[str], name: str, param: str,
               index: Optional[int]) -> Optional[list]:
        """(the expression (`ast`), the function calling) of every call of `name`, for
        the parameter at positional slot `index` (self not counted; None for a keyword-only
        one); None where some call leaves it to its default, or the calls are not all
        known."""
        calls = self._known(owner, name)
        if calls is None:
            return None
        out = []
        for caller, _holder, call in calls:
            given = [k.value for k in call.keywords if k.arg == param]
            if not given and index is not None and index < len(call.args):
                given = [call.args[index]]
            if not given:
                return None
            out.append((given[0], caller))
        return out

    def number(self, expr: ast.expr, caller: ast.AST) -> Optional[float]:
        """The number `expr` is, as a call in `caller` passes it: a literal, a parameter of
        the caller with a literal default (`eps=eps`: the default passed on), or a name
        the module binds to one once."""
        sign = 1
        if type(expr) is ast.UnaryOp and type(expr.op) is ast.USub:
            expr, sign = expr.operand, -1
        if type(expr) is ast.Name:
            args = caller.args
            params = [*args.posonlyargs, *args.args]
            defaults = dict(zip([a.arg for a in params[len(params) - len(args.defaults):]],
                                args.defaults))
            defaults.update((a.arg, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d)
            if any(type(n) is ast.Name and n.id == expr.id and type(n.ctx) is ast.Store
                   for n in ast.walk(caller)):
                return None  # bound in the caller: what it holds there is not read here
            if expr.id in defaults:
                expr = defaults[expr.id]
            elif any(a.arg == expr.id for a in (*params, *args.kwonlyargs)):
                return None
            else:
                expr = self._constants().get(expr.id)
        if type(expr) is ast.Constant and type(expr.value) in (int, float):
            return sign * expr.value
        return None

    def _constants(self) -> dict:
        """Names the module binds once, at its top level, to a number literal."""
        if self._numbers is None:
            bound: dict = {}
            for stmt in self.tree.body if self.tree is not None else ():
                if type(stmt) is ast.Assign:
                    for t in stmt.targets:
                        if type(t) is ast.Name:
                            bound.setdefault(t.id, []).append(stmt.value)
            self._numbers = {k: v[0] for k, v in bound.items() if len(v) == 1}
        return self._numbers

    def _known(self, owner: Optional[str], name: str) -> Optional[list]:
        """Every call of `name` (through self where `owner` is its class), or None where
        some use of it is not a call that a function of the module makes, with its
        arguments written out."""
        calls = self._index().get((owner, name))
        if not calls or (owner, name) in self._escaped or owner is not None and (
                name in self._elsewhere or any(k[1] == name and k[0] != owner for k in self._calls)):
            return None  # a method also called on another object, or by another class
        for caller, _holder, call in calls:
            if caller is None or any(isinstance(a, ast.Starred) for a in call.args) or \
                    any(k.arg is None for k in call.keywords):
                return None
        return calls

    def function(self, caller: ast.AST, holder: Optional[str]) -> Optional[cst.FunctionDef]:
        """A caller parsed with libcst on its own (a method inside a stand-in class)."""
        key = id(caller)
        if key not in self._parsed:
            self._parsed[key] = self._parse(caller, holder)
        return self._parsed[key]

    def _parse(self, fn: ast.AST, holder: Optional[str]) -> Optional[cst.FunctionDef]:
        first = min([fn.lineno, *(d.lineno for d in fn.decorator_list)])
        if self._lines is None:
            self._lines = physical_lines(self.source)
        lines = self._lines[first - 1:fn.end_lineno]
        if fn.col_offset and holder is None:
            return None
        code = "".join(lines) if not fn.col_offset else "class _C:\n" + "".join(lines)
        try:
            module = cst.parse_module(code)
        except Exception:  # noqa: BLE001 (libcst rejects some code that ast accepts)
            return None
        found = module.body[0] if module.body else None
        if fn.col_offset and isinstance(found, cst.ClassDef):
            body = found.body.body if isinstance(found.body, cst.IndentedBlock) else ()
            found = body[0] if body else None
        return found if isinstance(found, cst.FunctionDef) else None

    def _index(self) -> dict:
        if self._calls is None:
            self._calls = {}
            if self.tree is None:
                try:
                    self.tree = ast.parse(self.source)
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    return self._calls
            for stmt in self.tree.body if self.tree is not None else ():
                if isinstance(stmt, _DEFS):
                    self._scan(stmt, stmt, None)
                elif isinstance(stmt, ast.ClassDef):
                    # a base class is used as a value: a subclass's instances are built
                    # with its defaults unseen
                    for part in (*stmt.bases, *stmt.keywords, *stmt.decorator_list):
                        self._scan(part, None, None)
                    for member in stmt.body:
                        self._scan(member, member if isinstance(member, _DEFS) else None,
                                   stmt.name)
                else:
                    self._scan(stmt, None, None)
        return self._calls

    def _scan(self, node: ast.AST, caller: Optional[ast.AST], owner: Optional[str]) -> None:
        """Record the calls in `node` by what they call, and the names used otherwise."""
        funcs = set()
        for sub in ast.walk(node):  # breadth first: a call before what it calls
            t = type(sub)
            if t is ast.Call:
                f = sub.func
                key = (None, f.id) if type(f) is ast.Name else (owner, f.attr) if (
                    type(f) is ast.Attribute and type(f.value) is ast.Name and
                    f.value.id == "self") else None
                if owner is not None and (type(f) is ast.Name and f.id == "cls" or type(f) is
                                          ast.Attribute and f.attr == "__class__" or
                                          type(f) is ast.Call):
                    # `cls(...)`, `type(self)(...)`: the class built where no call names it
                    self._escaped.add((None, owner))
                if key is not None:
                    funcs.add(id(f))
                    self._calls.setdefault(key, []).append((caller, owner, sub))
                elif type(f) is ast.Attribute:
                    self._elsewhere.add(f.attr)
            elif id(sub) in funcs:
                continue
            elif t is ast.Name and type(sub.ctx) is ast.Load:
                self._escaped.add((None, sub.id))
            elif t is ast.Attribute and type(sub.value) is ast.Name and sub.value.id == "self":
                self._escaped.add((owner, sub.attr))


def _key(fn: cst.FunctionDef, outer) -> Optional[Key]:
    """How the module calls a function: a class by its name (for `__init__`), a method
    through self, a function by its name; only those private to the module (`_name`)."""
    name = fn.name.value
    if name == "__init__" and outer.kind == "class":
        return None, outer.name
    if not name.startswith("_") or name.startswith("__"):
        return None
    return (outer.name, name) if outer.kind == "class" else (None, name) \
        if outer.kind == "module" else None


def overriding(sites: Sites, fn: cst.FunctionDef, outer, param: str, slot: Optional[int], fact):
    """What a parameter with a default holds where every call of the module passes it:
    the smallest number they pass, or nothing known where one passes something else."""
    key = _key(fn, outer)
    passed = sites.passed(*key, param, slot) if key is not None else None
    if passed is None:
        return fact
    values = [sites.number(e, caller) for e, caller in passed]
    if any(v is None for v in values):
        return UNKNOWN
    return Fact(const=Const(min(values), f"value each call of {key[1]}() passes for {param}"))


DEPTH = 2  # a function that passes on its own parameter is read for its callers, once
_FLOAT32 = Range(host="tensor", wide=True)


def float32_by_callers(model, at: cst.CSTNode, exprs: list) -> bool:
    """Whether `exprs`, met at `at` in the function the model is reading, are float32
    for what every call of the function passes it: the function is read again with the
    parameters every call passes a float32 tensor to (`self._norm(x, bins)` after
    `bins = torch.linspace(...)`) known as such."""
    if model.sites is None or len(model.functions) != 1:
        return False
    fn = model.functions[0]
    depth = next((i for i, s in enumerate(model.stack) if s.kind == "function"), 0)
    context = model.stack[:depth]
    if not context or context[-1].kind not in ("module", "class"):
        return False
    key = (id(fn), DEPTH)  # a function with several candidates reads its callers once
    given = model.sites.given.get(key)
    if given is None:
        given = model.sites.given[key] = _given(model, fn, context, DEPTH)
    if not given:
        return False
    sub = type(model)(stack=_copied(context), frameworks=model.frameworks,
                      precision=model.precision, text=model.text, sites=model.sites, given=given)
    probe = _Probe(sub, at, exprs)
    traverse.visit(fn, [sub, probe])
    return probe.wide


def _given(model, fn: cst.FunctionDef, context: list, depth: int) -> dict:
    """The parameters of `fn` that every call of it in the module passes a float32
    tensor, as {name: range}."""
    key = _key(fn, context[-1])
    callers = model.sites.callers(*key) if key is not None else None
    if callers is None:
        return {}
    params = [p.name.value for p in (*fn.params.posonly_params, *fn.params.params)]
    if context[-1].kind == "class" and not any(
            dotted(d.decorator) in ("staticmethod", "classmethod") for d in fn.decorators):
        params = params[1:]
    calls: list[dict] = []
    for caller, holder in callers:
        g = model.sites.function(caller, holder)
        if g is None:
            return {}
        where = context if holder is not None and holder == key[0] else \
            context[:1] if holder is None else [context[0], Scope("class", context[0], holder)]
        inner = _given(model, g, where, depth - 1) if depth > 1 else {}
        sub = type(model)(stack=_copied(where), frameworks=model.frameworks,
                          precision=model.precision, text=model.text, sites=model.sites,
                          given=inner)
        watcher = _Watcher(sub, key, params)
        traverse.visit(g, [sub, watcher])
        if not watcher.calls:
            return {}
        calls.extend(watcher.calls)
    return {p: _FLOAT32 for p in params if all(c.get(p) is not None and c[p].wide for c in calls)}


class _Watcher:
    """The ranges of what each call of one function passes, as the reading meets it:
    {parameter: range, or None where the call leaves it out}."""

    def __init__(self, model, key: Key, params: list):
        self.model, self.key, self.params = model, key, params
        self.calls: list[dict] = []

    def get_visitors(self) -> dict:
        return {"visit_Call": self._visit}

    def _visit(self, call: cst.Call) -> None:
        (owner, name), func = self.key, call.func
        if owner is None and not (type(func) is cst.Name and func.value == name) or \
                owner is not None and not (type(func) is cst.Attribute and func.attr.value == name
                                           and type(func.value) is cst.Name and
                                           func.value.value == "self"):
            return
        pos = positional(call)
        args = [pos[i] if i < len(pos) else keyword(call, p) for i, p in enumerate(self.params)]
        self.calls.append({p: None if a is None else self.model.value_range(a)
                           for p, a in zip(self.params, args)})


def _copied(stack: list) -> list:
    """Scopes to read a function in, copied: what the reading binds stays there."""
    out: list[Scope] = []
    for s in stack:
        c = Scope(s.kind, out[-1] if out else None, s.name)
        c.names, c.attrs, c.classes = dict(s.names), dict(s.attrs), set(s.classes)
        out.append(c)
    return out


class _Probe:
    """The dtype of some expressions where the reading reaches `at`."""

    def __init__(self, model, at: cst.CSTNode, exprs: list):
        self.model, self.at, self.exprs = model, at, exprs
        self.wide = False

    def get_visitors(self) -> dict:
        return {"visit_Call": self._visit, "visit_BinaryOperation": self._visit,
                "visit_AugAssign": self._visit}

    def _visit(self, node: cst.CSTNode) -> None:
        if node is self.at or getattr(node, "value", None) is self.at:
            self.wide = self.wide or any(self.model.value_range(e).wide for e in self.exprs)
