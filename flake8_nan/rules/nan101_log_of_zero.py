import libcst as cst

from .. import vocab
from ..words import ARRAY_LOG
from .base import Fix, Rule, method_call, with_argument
from .nan107_xlogx import DefersToXlogx
from .nan502_where_gradient import DefersToWhere


class LogOfZero(DefersToWhere, DefersToXlogx, Rule):
    code = "NAN101"
    summary = "log of a value that can be 0 or negative"
    why = (
        "`torch.log(0)` is `-inf`, and its gradient `1/x` is `inf` there: one zero in the "
        "batch turns the loss into `-inf`/`nan` and the next optimizer step writes NaN into "
        "every weight. Probabilities, ReLU outputs, counts and normalised weights all reach 0 "
        "exactly, and in float16 any value below about 5.96e-8 already is 0. A log in a "
        "`torch.where` branch whose condition tests its argument "
        "(`torch.where(x > 0, torch.log(x), 0)`) is NAN502's report, not this one; "
        "`torch.where(x > 0, x, 1)` is known to be positive, and so are `exp`, `-expm1(-x)` "
        "and a clamp of a positive x, `uniform_(a, b)` with a > 0 and a positive constant "
        "raised to any power. A log cast to an integer (`(torch.log(n / m) * k).long()`, "
        "`int(np.log2(stride))`, bucket and level arithmetic) is not reported, in the "
        "expression or through the locals and min/clamp steps that carry it to a tensor cast "
        "later in the function: an integer holds no -inf and no gradient crosses the cast."
        " By default it reports where the model has evidence that the argument reaches 0 or "
        "goes below it, and the message names the evidence: a probability, a ReLU output, a "
        "count of a mask, 1 - p of a probability, a difference, a cosine similarity, a tensor "
        "of zeros. The log of a mask is -inf wherever it is False, an additive mask that "
        "makes a softmax NaN on a row with every entry masked: it is reported with "
        "`masked_fill` and the dtype's minimum as the fix. A log of a "
        "value whose range is unknown (a bare parameter) is reported only under "
        "`--nan-strict`: on timm 1.0.31 and transformers 5.24.0, 2 of 54 such reports were "
        "hazards real code can reach.")
    bad = """\
import torch
x = torch.tensor([-1.0, 0.5])
out = torch.log(torch.relu(x)).sum()
"""
    good = """\
import torch
x = torch.tensor([-1.0, 0.5])
out = torch.log(torch.relu(x).clamp_min(1e-6)).sum()
"""
    fix = ("Clamp the argument away from 0 before the log: `torch.log(p.clamp_min(eps))`; the "
           "automatic fix uses eps = 1e-6, which float16 still represents. Values below eps "
           "change.")
    fix_safety = "unsafe"
    references = ("torch.log documentation: log(0) = -inf",
                  "pytorch/pytorch#20614 (nan gradients from log of 0)")
    triggers = (frozenset({ARRAY_LOG}),)  # Python's math.log raises, and is not read

    # Arguments that another rule owns, with a better fix than clamping:
    # origin kinds, and the inner kinds of `1 - <value>` ("one_minus").
    deferred = frozenset({"softmax", "sigmoid"})
    deferred_one_minus = frozenset({"sigmoid"})

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        self.left_to_xlogx(node)

    def visit_Call(self, node: cst.Call) -> None:
        if self.left_to_where(node) or self.cast_to_integer(node) or self.left_to_xlogx(node):
            return
        op = self.model.call_op(node)
        if op is None or op.name not in vocab.LOG_OPS:
            return
        arg = op.subject
        if arg is None:
            return
        origin = self.model.origin(arg)
        if origin is not None and (origin.positive or origin.kind in self.deferred):
            return
        if origin is not None and origin.kind == "one_minus" and origin.inner in self.deferred_one_minus:
            return
        reason = self.hazard(arg, sign=True)
        if reason is None and self.model.value_range(self.model.unwrapped(arg)).mask:
            # a mask holds 0 wherever it is False: its log is an additive -inf mask
            fill = self.suggest("limit_of", node, end="min")
            self.report(node, f"{op.name} of a mask is -inf wherever it is False: added to "
                              "scores, a row with every entry False makes a softmax NaN; fill "
                              f"instead: x.masked_fill(~mask.bool(), {fill})")
            return
        if reason is None or op.method and isinstance(arg, (cst.Name, cst.Attribute)) and \
                not self.model.value_range(arg).known:
            return  # `R.log()` of a name nothing is known of may be a Lie group's, not a tensor's
        clamped = method_call(arg, "clamp_min", cst.Float("1e-6"))
        if op.method:
            new = node.with_changes(func=node.func.with_changes(value=clamped))
        else:
            new = with_argument(node, arg, clamped)
        guarded = self.suggest("clamp_min", node, x=arg, floor="eps")
        self.report(node, f"{op.name} of {reason} gives -inf (NaN below 0) and NaN gradients; "
                          f"guard it: {self.suggest('log', node, op=op.name, x=guarded)}",
                    Fix(node, new))
        if self.model.assigned_name() is not None:
            self.__dict__.setdefault("_fresh", set()).add(len(self.reports) - 1)

    # A log bound to a local that the function later casts to an integer tensor, through
    # other locals and elementwise steps (relative-position buckets: `large = max_exact +
    # torch.log(rel.float() / max_exact) * k`, then `torch.min(large, top).int()`), makes an
    # index: its report is taken back when the cast is met.
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.__dict__["_logged"] = {}  # local name -> the reports its value carries

    def leave_Assign(self, node: cst.Assign) -> None:
        logged = self.__dict__.setdefault("_logged", {})
        carried = set(self.__dict__.pop("_fresh", ()))
        if logged:
            for name in _index_path(node.value, self.model)[0]:
                carried |= logged.get(name, set())
        for t in node.targets:
            if type(t.target) is cst.Name:
                if carried:
                    logged[t.target.value] = carried
                else:
                    logged.pop(t.target.value, None)

    def cast_to_integer(self, node: cst.Call) -> bool:
        """Whether `node` is a log whose value is cast to an integer, as bucket and level
        arithmetic does: `(torch.log(n / m) * k).to(torch.long)`, `int(np.log2(stride))`.
        An integer holds no -inf or NaN and no gradient crosses the cast.  Like
        `left_to_where`, it notes each cast on the way in; a tensor cast also takes back
        the reports of the logs its locals carry."""
        owned = self.__dict__.setdefault("_cast_owned", set())
        subject = self.model.integer_cast_subject(node)
        if subject is not None:
            names, logs = _index_path(subject, self.model)
            owned.update(map(id, logs))
            logged = self.__dict__.get("_logged") if type(node.func) is cst.Attribute else None
            for name in names if logged else ():
                for k in logged.get(name, ()):
                    self.reports[k] = None  # taken back; its place keeps the others' statements
        return id(node) in owned


# Steps an index computation takes between a log and its cast to an integer.
_INDEX_STEPS = frozenset({"min", "max", "minimum", "maximum", "clamp", "clamp_min", "clamp_max",
                          "floor", "ceil", "round", "trunc"})


def _index_path(expr: cst.BaseExpression, model) -> tuple[set[str], list[cst.Call]]:
    """The local names and the logs that `expr` reads through arithmetic, the index steps
    (`_INDEX_STEPS`) and shapes: not through an attribute or any other call."""
    names, logs, todo = set(), [], [expr]
    for _ in range(200):  # an expression of a few dozen nodes
        if not todo:
            break
        n = todo.pop()
        if type(n) is cst.Name:
            names.add(n.value)
        elif isinstance(n, cst.BinaryOperation):
            todo += [n.left, n.right]
        elif isinstance(n, cst.UnaryOperation):
            todo.append(n.expression)
        else:
            op = model.call_op(n)
            if op is None:
                continue
            if op.name in vocab.LOG_OPS:
                logs.append(n)
            elif op.name == "shape" and op.subject is not None:
                todo.append(op.subject)
            elif op.name in _INDEX_STEPS:
                todo += [a.value for a in n.args]
                if op.subject is not None:
                    todo.append(op.subject)
    return names, logs
