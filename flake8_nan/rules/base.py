"""The base class every rule derives from.

A rule is one class: its code, its documentation (the bad and good examples
are the ones linted and executed by the proofs), the trigger words that let
the engine skip code that cannot match, and visitor methods that ask the
shared model and call `report`.
"""
from __future__ import annotations

from functools import lru_cache
from typing import ClassVar, NamedTuple, Optional

import libcst as cst

from .. import ranges, vocab
from ..model import Model, visitor_names


class Fix(NamedTuple):
    """Replace `old` by `new`; `imports` are statements the new code needs."""
    old: cst.CSTNode
    new: cst.CSTNode
    imports: tuple[str, ...] = ()


def parenthesized(expr: cst.BaseExpression) -> cst.BaseExpression:
    """`expr` wrapped in parentheses where a trailing `.method()` would bind tighter."""
    atomic = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float)
    if isinstance(expr, atomic) or getattr(expr, "lpar", ()):
        return expr
    return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def with_keyword(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """`call` with `name=value` set, replacing an existing keyword or appended in the
    call's own layout (one argument per line stays one argument per line)."""
    equal = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                            whitespace_after=cst.SimpleWhitespace(""))
    args = list(call.args)
    for i, a in enumerate(args):
        if a.keyword is not None and a.keyword.value == name:
            args[i] = a.with_changes(value=value)
            return call.with_changes(args=args)
    new = cst.Arg(value=value, keyword=cst.Name(name), equal=equal)
    if args:
        last = args[-1]
        between = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        if len(args) > 1 and isinstance(args[-2].comma, cst.Comma):
            between = args[-2].comma  # the call's layout, without the comment it may carry
            if isinstance(between.whitespace_after, cst.ParenthesizedWhitespace):
                between = between.with_changes(whitespace_after=between.whitespace_after.with_changes(
                    first_line=cst.TrailingWhitespace(), empty_lines=[]))
        # what followed the last argument (a trailing comma, a newline) now follows the new one
        new = new.with_changes(comma=last.comma, whitespace_after_arg=last.whitespace_after_arg)
        args[-1] = last.with_changes(comma=between, whitespace_after_arg=cst.SimpleWhitespace(""))
    return call.with_changes(args=[*args, new])


def with_argument(call: cst.Call, old: cst.BaseExpression, new: cst.BaseExpression) -> cst.Call:
    """`call` with the argument whose value is `old` replaced by `new`."""
    return call.with_changes(args=[a.with_changes(value=new) if a.value is old else a
                                   for a in call.args])


def method_call(receiver: cst.BaseExpression, name: str, *args: cst.BaseExpression) -> cst.Call:
    return cst.Call(func=cst.Attribute(value=parenthesized(receiver), attr=cst.Name(name)),
                    args=[cst.Arg(a) for a in args])


class Example(NamedTuple):
    what: str  # the hazard, as the rule page names it
    bad: str  # a runnable example that shows it
    good: str  # the same example fixed
    claim: str = "nonfinite"  # what executing `bad` shows (see Rule.claim)


class Rule(cst.BatchableCSTVisitor):
    code: ClassVar[str]
    summary: ClassVar[str]
    why: ClassVar[str]
    bad: ClassVar[str]  # runnable example that produces the hazard
    good: ClassVar[str]  # the same example fixed
    fix: ClassVar[str]  # what the suggested change does
    # What executing `bad` shows (see tests/test_proofs.py): "nonfinite" (its `out` holds
    # NaN/inf), "raises" (it raises an exception whose text contains `raises`), or
    # "differs" (its `out` is not close to its `ref`).  `good` always runs to a finite `out`
    # (close to `ref` for "differs").
    claim: ClassVar[str] = "nonfinite"
    # More hazards the rule reports, each proven as `bad` and `good` are
    more: ClassVar[tuple["Example", ...]] = ()
    raises: ClassVar[str] = ""
    fix_safety: ClassVar[Optional[str]] = None  # "safe", "unsafe", or None (no automatic fix)
    options: ClassVar[tuple[str, ...]] = ()
    references: ClassVar[tuple[str, ...]] = ()
    # Each set must share a word (identifier or pseudo-word, see prefilter.py) with one
    # statement of a function, together with the statements that bind what it reads, for
    # that statement to be worth parsing.
    triggers: ClassVar[tuple[frozenset[str], ...]] = ()
    # The trigger sets under nan-strict, for a rule whose strict level reads more code than
    # its default level (None: the same).
    strict_triggers: ClassVar[Optional[tuple[frozenset[str], ...]]] = None
    # Sets of which the statement itself must hold a word, not only the statements that
    # bind what it reads: the operation the rule reports on (NAN201's division).
    own_triggers: ClassVar[tuple[frozenset[str], ...]] = ()
    # "function" for a rule that judges a statement by others that bind nothing it reads
    # (the order of calls in a training step, a later softmax of a filled tensor): the
    # words may then meet anywhere in one function, which is parsed whole.
    scope: ClassVar[str] = "statement"
    # Words of statements the rule needs as evidence once it is triggered anywhere in the
    # file (a `Trainer(gradient_clip_val=...)` that clips for every training step).
    context: ClassVar[frozenset[str]] = frozenset()
    # Words of statements kept alongside in every function kept for some rule: later code
    # that handles what the rule would report (`scale[~torch.isfinite(scale)] = 1`), rare
    # enough that keeping the function whole would cost more.
    companions: ClassVar[frozenset[str]] = frozenset()
    default_enabled: ClassVar[bool] = True

    _visitor_names: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._visitor_names = visitor_names(cls)

    def __init__(self, model: Model, options) -> None:
        super().__init__()
        self.model = model
        self.options = options
        # (node, message, fix), or None for a report taken back
        self.reports: list[Optional[tuple[cst.CSTNode, str, Optional[Fix]]]] = []
        self.error: Optional[BaseException] = None
        self.error_node: Optional[cst.CSTNode] = None  # where the error happened

    def report(self, node: cst.CSTNode, message: str, fix: Optional[Fix] = None,
               within: Optional[cst.CSTNode] = None) -> None:
        """Report `message` at `node`, with `fix` unless the code it rewrites, `node` or
        `within` (the operation the fix belongs to) is another framework's."""
        if fix is not None and any(self.model.foreign(n) for n in (fix.old, node, within)
                                   if n is not None):
            fix = None  # the rewrites are written in PyTorch's spelling
        self.reports.append((node, message, fix))

    def report_unless_tested(self, name: Optional[str], node: cst.CSTNode, message: str) -> None:
        """Report, but where the value is bound to `name` in a function that tests `name`
        for NaN/inf, before or after (`v = x[m].mean()` and then `if not np.isnan(v):`
        handles the empty case), take the report back at `leave_Module`
        (`flush_untested`), when the whole function has been read."""
        self.report(node, message)
        functions = self.model.functions
        if name is not None and functions:
            self.__dict__.setdefault("_untested", []).append(
                (len(self.reports) - 1, functions[-1], name))

    def flush_untested(self) -> None:
        for k, function, name in self.__dict__.pop("_untested", ()):
            if name in self.model.tested_for_nonfinite(function):
                self.reports[k] = None  # taken back; its place keeps the others' statements

    def hazard(self, expr: cst.BaseExpression, sign: bool = False) -> Optional[str]:
        """Why `expr` can be 0 (with `sign`: or below 0), as a message says it: the model's
        evidence (ranges.Range), or under nan-strict a value not known to be safe.  None
        where it is known to be safe, or nothing is known and the level is not strict."""
        r = self.model.value_range(expr)
        if r.positive or (r.nonzero and not sign):
            return None
        reason = r.zero or (r.negative if sign else None)
        if reason:
            return ranges.phrase(reason)
        if getattr(self.options, "strict", False):
            return "a value not known to be positive" if sign else "a value not known to be nonzero"
        return None

    def spell(self, qualname: str) -> tuple[cst.BaseExpression, tuple[str, ...]]:
        """An expression naming `qualname` in this module, and the import it needs."""
        text, imports = self.model.spelling(qualname)
        return _expression(text), imports

    def get_visitors(self):
        # An exception stops this rule for the rest of the file, not the others.
        def guarded(fn):
            def run(node):
                if self.error is None:
                    try:
                        fn(node)
                    except Exception as exc:  # noqa: BLE001 - reported as NAN000
                        self.error, self.error_node = exc, node
            return run
        return {name: guarded(getattr(self, name)) for name in self._visitor_names}

    def log_softmax_fix(self, expr: cst.BaseExpression) -> Optional[Fix]:
        """A fix turning `softmax(x, d)` or `log(softmax(x, d))` written at `expr` into
        `log_softmax(x, d)`, in the module's own spelling."""
        op = self.model.call_op(expr)
        if op is not None and op.name == "log":
            inner = self.model.call_op(op.subject)
            return self._log_softmax_rewrite(expr, inner) if inner and inner.name == "softmax" else None
        return self._log_softmax_rewrite(expr, op) if op is not None and op.name == "softmax" else None

    def _log_softmax_rewrite(self, old: cst.BaseExpression, op) -> Fix:
        call, func = op.call, op.call.func
        if isinstance(func, cst.Attribute):  # F.softmax, torch.softmax, x.softmax
            new, imports = call.with_changes(func=func.with_changes(attr=cst.Name("log_softmax"))), ()
        else:  # `softmax` imported by name
            name, imports = self.spell("torch.nn.functional.log_softmax")
            new = call.with_changes(func=name)
        return Fix(old, new.with_changes(lpar=old.lpar, rpar=old.rpar), imports)

    def suggest(self, name: str, at, **operands) -> Optional[str]:
        """The fix `name` of vocab.SUGGESTIONS written in the spelling of the framework of
        `at` (a node or a tuple of nodes, see Model.framework_of), its fields filled from
        `operands`: text, nodes (shortened, parenthesised as receivers) or None ("...").
        None where the framework has no such fix; PyTorch's where it does not say."""
        nodes = at if isinstance(at, tuple) else (at,)
        spellings = vocab.SUGGESTIONS[self.model.framework_of(*nodes)]
        template = spellings[name] if name in spellings else vocab.SUGGESTIONS["torch"][name]
        if template is None:
            return None
        fields = {}
        for key, value in operands.items():
            if value is None:
                value = "..."
            elif isinstance(value, cst.CSTNode):
                # an expression too long to repeat is elided, not named: a letter would read
                # as a name of the user's code
                receiver = f"{{{key}}}." in template
                value = self.receiver(value, "(...)") if receiver else self.short(value, "...")
            fields[key] = value
        return template.format(**fields)

    def loss_name(self, call: cst.Call, operation: str) -> str:
        """The name a message gives a loss: the operation (`cross_entropy`) for PyTorch's,
        the function's own name (`softmax_cross_entropy_with_logits`) for another framework's."""
        qn = self.model.qualname(call.func)
        return qn.rsplit(".", 1)[-1] if qn and vocab.framework(qn) not in ("", "torch") else operation

    def snippet(self, node: cst.CSTNode, limit: int = 40) -> str:
        code = cst.Module(body=[]).code_for_node(node).strip()
        code = " ".join(code.split())
        return code if len(code) <= limit else code[: limit - 3] + "..."

    def with_method(self, node: cst.CSTNode, call: str) -> str:
        """`node.call`, parenthesised where needed; `x.call` when node's code is long."""
        return f"{self.receiver(node)}.{call}"

    def receiver(self, node: cst.CSTNode, fallback: str = "x") -> str:
        """The code of `node` before a `.method()`: parenthesised where needed, `fallback`
        when long."""
        text = self.snippet(node)
        if text.endswith("..."):
            return fallback
        simple = isinstance(node, (cst.Name, cst.Attribute, cst.Call, cst.Subscript))
        return text if simple or getattr(node, "lpar", ()) else f"({text})"

    def short(self, node: cst.CSTNode, fallback: str = "x") -> str:
        """The code of `node` for a fix in a message, or `fallback` when it is long."""
        text = self.snippet(node, 30)
        return fallback if text.endswith("...") else text

    def negated(self, node: cst.CSTNode, fallback: str = "x") -> str:
        """The code of `-node` for a message: `-x`, `-(a + b)`, and `x` for `-x`."""
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
            return self.short(node.expression, fallback)
        text = self.short(node, fallback)
        simple = isinstance(node, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) or node.lpar
        return f"-{text}" if simple or text == fallback else f"-({text})"


class DivisionRule(Rule):
    """A rule about denominators: `a / d`, `a /= d`, `torch.div(a, d)`, `a.div(d)` each
    hand `d` (and `a`) to `check_denominator`."""

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Divide):
            self.check_denominator(node.right, node.left)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, cst.DivideAssign):
            self.check_denominator(node.value, node.target)

    def visit_Call(self, node: cst.Call) -> None:
        op = self.model.call_op(node)
        if op is not None and op.name in ("div", "true_divide", "divide"):
            self.check_denominator(op.arg(1, "other"), op.subject)

    def check_denominator(self, denominator: Optional[cst.BaseExpression],
                          numerator: Optional[cst.BaseExpression] = None) -> None:
        raise NotImplementedError


@lru_cache(maxsize=256)
def _expression(text: str) -> cst.BaseExpression:
    """A dotted name parsed once: nodes are immutable, so fixes may share them."""
    return cst.parse_expression(text)
