"""The shared semantic model: names, constants and value origins.

The model is the first visitor of the batched traversal.  It keeps a stack
of scopes and records each binding when the binding statement is *left*, so
a rule looking at `p = torch.log(p)` still sees the `p` from before.  Rules
never re-derive any of this: they ask `qualname`, `call_op`, `const` and
`origin`.

Where a value cannot be resolved the answer is None, and rules that depend
on origins stay silent.

The model is one class made of parts that can each be read alone:

- facts.py        what is recorded: constants, origins, facts, scopes, operations
- scopes.py       bindings and the questions about names: qualname, call_op, const
- origins.py      value origins and what is provably positive
- definitions.py  values through same-file functions, classes and Sequentials
- fills.py        -inf written into tensors (masked fills, additive masks), and what keeps it
- frameworks.py   which framework a call belongs to; Keras layers and models
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

import libcst as cst

from ..ranges import Precision

from .definitions import Definitions
from .facts import (  # noqa: F401  (what rules import from the model)
    UNKNOWN, Const, Fact, Fill, Op, Origin, Scope, _Frame, argument, dotted, fmt, has_star,
    keyword, positional, visitor_names, where_parts)
from .fills import Fills
from .frameworks import Frameworks
from .origins import Origins
from .scopes import Scopes
from .sites import Sites
from .values import Values, name_nodes  # noqa: F401  (rules read expressions with it)


class Model(Scopes, Origins, Values, Definitions, Fills, Frameworks, cst.BatchableCSTVisitor):
    def get_visitors(self):
        names = Model.__dict__.get("_names") or _cache_names(Model)
        return {name: getattr(self, name) for name in names}

    def __init__(self, prescan: Union[bool, frozenset] = False, stack: Sequence[Scope] = (),
                 frameworks: Optional[set] = None, precision: Precision = Precision(),
                 text: Optional[str] = None, sites: Optional[Sites] = None,
                 given: Optional[dict] = None):
        super().__init__()
        self.text = text  # the code the module was parsed from, where known
        # the calls the module makes of its own functions (model.sites), where known
        self.sites = sites
        # a model that reads one function again for what its callers pass: the ranges of
        # its parameters
        self.given = given
        self.precision = precision  # whether float16 is in play in the module
        # (test, whether it holds, the node it holds in) of the enclosing `if` blocks and
        # conditional expressions
        self.conditions: list[tuple] = []
        self.no_grad: list[bool] = []  # per enclosing function or `with`: gradients off
        self.no_grad_blocks: list[bool] = []  # per enclosing `with`: it turns them off
        self.detached = 0  # how many enclosing calls take their receiver out of the graph
        # per enclosing function or `with`: autocast turned off (arithmetic in the
        # tensors' own dtype, which such blocks make float32)
        self.autocast_off: list[bool] = []
        self.stack: list[Scope] = list(stack) or [Scope("module", None)]
        # the frameworks some import names, in any scope (shared with the models of
        # methods read ahead): with none but PyTorch, no call can be another's
        self.frameworks: set[str] = set() if frameworks is None else frameworks
        self.frames: list[_Frame] = []
        self.functions: list[cst.FunctionDef] = []  # the enclosing definitions, innermost last
        self.nonfinite_tests: dict[int, set[str]] = {}  # id(function) -> the names it tests
        self.casts_down: set[int] = set()  # id(function) of those that name float16/bfloat16
        self.assigning: list[Optional[str]] = []  # per enclosing assignment: the name it binds
        # recording self.<attr> bindings of one __init__ (True), or of the attributes named
        # (a set) in a method that sets them lazily
        self.prescan = prescan
        # (id(expr), depth) -> origin, (id(call), -1) -> operation, (id(expr), -2 - depth)
        # -> range and (id(call), "where") -> the hazards in a where's branches
        # (rules/nan502), valid until the next binding or scope change: an origin asks for
        # its operands' several times over, which compounds with nesting, and every rule
        # that defers to NAN502 asks at each call
        self._memo: dict[tuple[int, object], tuple[cst.CSTNode, object]] = {}


def _cache_names(cls):
    cls._names = visitor_names(cls)
    return cls._names
