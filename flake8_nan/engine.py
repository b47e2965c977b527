"""Pre-filter, parse once, one batched traversal, positions for reports only.

libcst costs several times flake8's own time on real code, so most of the
work here is deciding what *not* to give it.  The stdlib `ast` tree (free
under flake8) is walked once; each top-level statement that shares no
trigger word with any rule is blanked out, line for line, so the text that
libcst parses keeps every line and column of the original.
"""
from __future__ import annotations

import ast
import bisect
import gc
import re
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple, Optional, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from . import traverse
from .model import Model
from .vocab import FLOAT16_MAX, METHODS, WORD_ALIASES

DEFAULT_MIN_EPS = 1e-7


@dataclass(frozen=True)
class Options:
    min_eps: float = DEFAULT_MIN_EPS


class Report(NamedTuple):
    line: int  # 1-based
    col: int  # 0-based, as flake8 wants it from plugins
    code: str
    message: str

    @property
    def text(self) -> str:
        return f"{self.code} {self.message}"


# Pseudo-words a statement can carry besides its identifiers.
DIVISION = "/"
TINY = "<tiny>"  # a float literal below the eps threshold
HF = "<hf>"  # a name imported from transformers
BIG = "<big>"  # a number literal beyond the float16 range, or a power
ROOT = "<root>"  # `** e` with a fractional or negative exponent (`** 0.5`, `** -1`)
SUBSCRIPT = "[]"  # a subscript: x[i]
SELF_COMPARE = "<x==x>"  # a value compared with itself: x != x
ABS_MAX = "<abs-max>"  # `x.abs().max()`: abs and max in one statement
SQRT_REDUCE = "<sqrt-reduce>"  # sqrt with a sum or a var: a norm or a std written out
CONTEXT = "<context>"  # a context word of some rule (Rule.context)
NAN_TEXT = "<nan>"  # the string "nan" (any case, signed): float("nan")


def check_source(source: str, tree: Optional[ast.AST] = None, options: Options = Options(),
                 rules: Optional[Sequence[type]] = None, full: bool = False) -> list[Report]:
    """Lint one module.  `full=True` parses everything (the slow reference path)."""
    # libcst allocates a great many objects, none in cycles that outlive the call: the
    # cyclic collector would only rescan everything the process holds, many times per
    # file.  It is paused for the call and left as it was.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _check_source(source, tree, options, rules, full)
    finally:
        if collecting:
            gc.enable()


def _check_source(source: str, tree: Optional[ast.AST], options: Options,
                  rules: Optional[Sequence[type]], full: bool) -> list[Report]:
    if rules is None:
        from .registry import RULES as rules
    if tree is None:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return []  # flake8 reports E999; the plugin stays silent
    if full:
        text, chunks = source, [(1, 1)]
    else:
        selected = select(source, tree, rules, options)
        if selected is None:
            return []
        text, chunks = selected
    try:
        module = cst.parse_module(text)
    except (Exception, RecursionError):  # libcst rejects some code that ast accepts
        return []
    reports = run_rules(module, rules, options)
    if len(chunks) == 1 and chunks[0] == (1, 1):
        return reports
    starts = [c[0] for c in chunks]
    out = []
    for r in reports:
        first, original = chunks[max(bisect.bisect_right(starts, r.line) - 1, 0)]
        out.append(r._replace(line=r.line - first + original))
    return out


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def physical_lines(source: str) -> list[str]:
    """Lines as Python counts them (str.splitlines also splits at form feeds and more)."""
    return _LINE.findall(source)


def run_rules(module: cst.Module, rules: Sequence[type], options: Options) -> list[Report]:
    return [report for report, _fix in run_rules_with_fixes(module, rules, options)]


def run_rules_with_fixes(module: cst.Module, rules: Sequence[type], options: Options) -> list:
    """(Report, Fix or None) pairs, sorted by position."""
    model = Model()
    instances = [rule(model, options) for rule in rules]
    try:
        traverse.visit(module, [model, *instances])
    except RecursionError:  # nesting deeper than Python's stack: too deep to judge
        return []
    except Exception as exc:  # a bug in the model: no rule can be trusted
        return [(Report(1, 0, "NAN000", f"internal error in the semantic model: {exc!r}"), None)]
    found = [(node, rule.code, msg, fix) for rule in instances for node, msg, fix in rule.reports]
    failed = [r for r in instances if r.error is not None]
    out = []
    if found or failed:
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        for r in failed:
            where = positions.get(r.error_node)
            line, col = (where.start.line, where.start.column) if where else (1, 0)
            out.append((Report(line, col, "NAN000",
                               f"internal error in {type(r).__name__}: {r.error!r}"), None))
        seen = set()
        for node, code, msg, fix in found:
            start = positions[node].start
            key = (start.line, start.column, code)
            if key not in seen:
                seen.add(key)
                out.append((Report(start.line, start.column, code, msg), fix))
    return sorted(out, key=lambda pair: pair[0])


_WORD = re.compile(r"[^\W\d]\w*")
_BINDING = re.compile(r"(?<![\w.])[^\W\d]\w*\s*=(?!=)")
_SELF_ATTR = re.compile(r"\bself\.([^\W\d]\w*)")
_TENSOR_METHODS = frozenset(METHODS)
_FLOAT = re.compile(r"(?<![\w.])(?:(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)")
_BIG_INT = re.compile(r"(?<![\w.])\d{5,}(?![\w.])")
_LITERAL_POWER = re.compile(r"(?<![\w.])[\d.]+\s*\*\*\s*\(?\s*[-+]?\s*[\d.]")  # `10 ** -8`, `2 ** 30`
_SUBSCRIPT = re.compile(r"[\w)\]]\s*\[")
_SELF_COMPARE = re.compile(r"(?<![\w.])([\w.]+)\s*[!=]=\s*\1(?![\w.])")
_NAN_STRING = re.compile(r"[\"']\s*[+-]?nan\s*[\"']", re.I)
_ROOT = re.compile(r"\*\*\s*\(?\s*(?:-|\d*\.\d|[\d.]+\s*/)")


def statement_words(text: str, min_eps: float) -> set[str]:
    """The identifiers in a statement's text, plus pseudo-words.

    Read from the text, not the tree: a regex is many times faster than
    walking the ast in Python, and a word that only occurs in a comment or a
    string merely keeps a statement that could have been dropped.
    """
    # A name being bound (`std=0.02`, `norm = ...`) is no use of an operation.
    code = _BINDING.sub("=", text) if "=" in text else text
    if "self." in code:
        # `self.norm(x)` is a layer, never a tensor method (the model agrees): such
        # names only count when the member reads what `__init__` assigned to them
        attrs = _SELF_ATTR.findall(code)
        words = set(_WORD.findall(_SELF_ATTR.sub("self", code)))
        words.update(a for a in attrs if a not in _TENSOR_METHODS)
    else:
        words = set(_WORD.findall(code))
    if "abs" in words and ("max" in words or "amax" in words):
        words.add(ABS_MAX)
    if "sqrt" in words and ("sum" in words or "var" in words):
        words.add(SQRT_REDUCE)
    if not words.isdisjoint(WORD_ALIASES):  # `tf.reduce_sum` is a sum
        words.update(WORD_ALIASES[w] for w in words.intersection(WORD_ALIASES))
    if "/" in text:
        words.add(DIVISION)
    floats = [abs(float(f)) for f in _FLOAT.findall(text)]
    if _LITERAL_POWER.search(text):
        words.update((TINY, BIG))  # `10 ** -8` and `2 ** 30` are folded by the model
    if _ROOT.search(text):
        words.add(ROOT)
    if any(0 < f < min_eps for f in floats):
        words.add(TINY)
    if any(f > FLOAT16_MAX for f in floats) or any(int(i) > FLOAT16_MAX for i in _BIG_INT.findall(text)):
        words.add(BIG)
    if _SUBSCRIPT.search(text):
        words.add(SUBSCRIPT)
    if _SELF_COMPARE.search(text):
        words.add(SELF_COMPARE)
    if _NAN_STRING.search(text):
        words.add(NAN_TEXT)
    return words


def _may_import(stmt: ast.stmt) -> bool:
    return isinstance(stmt, (ast.Import, ast.ImportFrom, ast.If, ast.Try))


def _always_kept(stmt: ast.stmt) -> bool:
    """Statements the model needs whatever else is parsed: imports and constants."""
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return True
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        value = stmt.value
        if isinstance(value, ast.UnaryOp):
            value = value.operand
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "float":
            value = value.args[0] if len(value.args) == 1 else value  # `float("-inf")`
        return isinstance(value, (ast.Constant, ast.Name, ast.Attribute))  # constants, aliases
    if isinstance(stmt, (ast.If, ast.Try)):
        return any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(stmt))
    return False


def _hf_names(body) -> set[str]:
    names = set()
    for n in (n for stmt in body if _may_import(stmt) for n in ast.walk(stmt)):
        if isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == "transformers":
            names.update(a.asname or a.name for a in n.names)
        elif isinstance(n, ast.Import):
            names.update(a.asname or a.name for a in n.names if a.name.startswith("transformers"))
    return names


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _class_parts(cls: ast.ClassDef, lines, words_of, hits):
    """The line ranges of a class worth parsing and their words; None when no member
    can be reported on.  A 2,000-line model whose `forward` divides by a sum is
    parsed as its header, its class-level statements, its `__init__` and its
    `forward`.  A member is judged with the words of what it reads through
    `self.x` (what `__init__` or the class body assigns to x, or method x), so
    `self.norm = nn.LayerNorm(d)` does not make every division a norm division."""
    members = cls.body
    start = _first_line(cls)
    if _first_line(members[0]) <= cls.lineno:
        return None  # a one-line class: judged whole
    header = (start, _first_line(members[0]) - 1)
    own = [words_of(_first_line(m), m.end_lineno) for m in members]
    assigned: dict[str, set[str]] = {}  # attribute -> words of what is assigned to it
    for m, w in zip(members, own):
        if isinstance(m, _DEFS):
            assigned.setdefault(m.name, set()).update(w)
            if m.name == "__init__":
                for n in ast.walk(m):
                    if isinstance(n, (ast.Assign, ast.AnnAssign)):
                        for t in (n.targets if isinstance(n, ast.Assign) else [n.target]):
                            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) \
                                    and t.value.id == "self":
                                assigned.setdefault(t.attr, set()).update(
                                    words_of(n.lineno, n.end_lineno))
        else:
            for name in _targets(m):
                assigned.setdefault(name, set()).update(w)
    keep = [not isinstance(m, _DEFS) or m.name == "__init__" for m in members]
    hit_any = False
    # What each method reads through self, from its text: cheaper than walking its
    # tree, and a name in a comment only adds evidence.
    texts_read = [set(_SELF_ATTR.findall("".join(lines[_first_line(m) - 1:m.end_lineno])))
                  if isinstance(m, _DEFS) and m.name != "__init__" else set() for m in members]
    for k, (m, w) in enumerate(zip(members, own)):
        evidence = set().union(*(assigned.get(a, ()) for a in texts_read[k]))
        if hits(w | evidence):
            keep[k] = hit_any = True
    if not hit_any:
        return None
    # a kept method keeps the methods it calls through self (what they return may matter)
    names = {m.name: k for k, m in enumerate(members) if isinstance(m, _DEFS)}
    todo = [k for k, flag in enumerate(keep) if flag]
    while todo:
        for attr in texts_read[todo.pop()]:
            k = names.get(attr)
            if k is not None and not keep[k]:
                keep[k] = True
                todo.append(k)
    parts = [header] + [(_first_line(m), m.end_lineno) for m, k in zip(members, keep) if k]
    return parts, set().union(*(w for w, k in zip(own, keep) if k))


_RETURN = re.compile(r"\breturn\b([^\n]*)")
# Operations whose result the model follows (positivity included): a function returning
# one of them passes its origin to its callers.
_ORIGIN_WORDS = frozenset({
    "softmax", "log_softmax", "sigmoid", "expit", "exp", "clamp", "clamp_min", "clip", "maximum",
    "sum", "count_nonzero", "log", "Softmax", "Sigmoid", "LogSoftmax", "Sequential", "topk"})


def _returned_words(definition, lines) -> set[str]:
    """The words of what a function returns (a class: what its `forward` returns):
    what a call of it carries.  Read from the first line of each return."""
    if isinstance(definition, ast.ClassDef):
        forward = [m for m in definition.body if isinstance(m, _DEFS) and m.name == "forward"]
        if not forward:
            return set()
        definition = forward[0]
    text = "".join(lines[definition.lineno - 1:definition.end_lineno])
    return set(_WORD.findall(" ".join(_RETURN.findall(text))))


def _returns_something(definition, lines, any_word) -> bool:
    """A function or class whose return statements name an operation some rule
    knows: what calling it gives may matter to a kept statement."""
    words = _returned_words(definition, lines)
    return not any_word.isdisjoint(words) or not _ORIGIN_WORDS.isdisjoint(words)


def _first_line(stmt: ast.stmt) -> int:
    return min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", ()))])


_DISPLAYS = (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp,
             ast.GeneratorExp, ast.JoinedStr)


def _inert(stmt: ast.stmt, names: list[str], bound: Counter) -> bool:
    """A data literal bound once: the model learns nothing from it, and a big
    one costs libcst dearly."""
    return isinstance(getattr(stmt, "value", None), _DISPLAYS) and all(bound[n] == 1 for n in names)


def _names(target: ast.expr, out: list) -> list:
    if isinstance(target, ast.Name):
        out.append(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for el in target.elts:
            _names(el, out)
    elif isinstance(target, ast.Starred):
        _names(target.value, out)
    return out


def _targets(stmt: ast.stmt) -> list[str]:
    """Module-level names a statement binds by assignment."""
    t = type(stmt)
    if t is ast.Assign:
        out: list[str] = []
        for target in stmt.targets:
            _names(target, out)
        return out
    if t is ast.AnnAssign or t is ast.AugAssign:
        return _names(stmt.target, [])
    if t in _DEFINITIONS:
        return [stmt.name]
    return []


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


_SCRIPT_STEPS = (ast.Assign, ast.AnnAssign, ast.Expr)


def select(source: str, tree: ast.Module, rules: Sequence[type],
           options: Options) -> Optional[tuple[str, list[tuple[int, int]]]]:
    """The top-level statements some rule can care about, joined, with a map of
    chunks (first line in the joined text, first line in the source); None
    when nothing is worth parsing."""
    body = getattr(tree, "body", [])
    groups = [r.triggers for r in rules if r.triggers]
    any_word = frozenset().union(*(g for trig in groups for g in trig))
    context = frozenset().union(*(r.context for r in rules))
    hf = _hf_names(body)
    lines = physical_lines(source)
    targets = [_targets(stmt) for stmt in body]
    bound = Counter(name for names in targets for name in names)
    tainted: set[str] = set()  # module-level names bound by a kept statement
    named: dict[str, set[str]] = {TINY: set(), BIG: set()}  # module constants by pseudo-word
    defined: dict[str, set[str]] = {}  # words of module-level functions and classes, by name
    all_words = []
    keep = [False] * len(body)
    any_trigger = False
    ranges: dict[int, list[tuple[int, int]]] = {}  # kept parts of classes, by statement

    def words_of(first: int, last: int, bound_names=()) -> set[str]:
        text = "".join(lines[first - 1:last])
        words = statement_words(text, options.min_eps)
        if context and any(c in text for c in context):  # often a keyword: `gradient_clip_val=`
            words.add(CONTEXT)
        for pseudo, names in named.items():
            if pseudo in words:
                names.update(bound_names)
            elif names and not words.isdisjoint(names):
                words.add(pseudo)
        if hf and not words.isdisjoint(hf):
            words.add(HF)
        if defined and not words.isdisjoint(defined):
            # a call of a function defined above carries what its body computes
            words.update(*(defined[w] for w in words.intersection(defined)))
        return words

    def hits(words: set[str]) -> bool:
        return bool(tainted and not words.isdisjoint(tainted)) or (
            not words.isdisjoint(any_word)
            and any(all(not words.isdisjoint(g) for g in trig) for trig in groups))

    for i, stmt in enumerate(body):
        words = words_of(_first_line(stmt), stmt.end_lineno, targets[i])
        if type(stmt) in _DEFINITIONS:
            defined[stmt.name] = _returned_words(stmt, lines)
        hit = False
        if isinstance(stmt, ast.ClassDef) and hits(words):
            parts = _class_parts(stmt, lines, words_of, hits)
            if parts is not None:
                ranges[i], words = parts
                hit = True
        else:
            hit = hits(words)
        all_words.append(words)
        if hit:
            any_trigger = True
            if type(stmt) not in _DEFINITIONS:  # a kept function's callers need not be kept
                tainted.update(targets[i])
            keep[i] = True
        elif _always_kept(stmt) or CONTEXT in words:
            keep[i] = True
        elif isinstance(stmt, _SCRIPT_STEPS) and not words.isdisjoint(any_word):
            # one step of a script (`model = Net().half()`, `criterion = nn.BCELoss()`): the
            # statements that use what it binds are worth parsing, and it with them
            tainted.update(targets[i])
            keep[i] = True
    if not any_trigger:
        return None
    # Scripts and notebooks bind at module level what a kept statement uses
    # (`probs = F.softmax(x)` before `F.kl_div(probs, t)`): keep those bindings too.
    needed = set().union(*(w for w, k in zip(all_words, keep) if k))
    candidates = [i for i, stmt in enumerate(body)
                  if not keep[i] and targets[i] and not _inert(stmt, targets[i], bound)
                  and (type(stmt) not in _DEFINITIONS or _returns_something(stmt, lines, any_word))]
    grew = True
    while grew:
        grew = False
        for i in candidates:
            if not keep[i] and not needed.isdisjoint(targets[i]):
                keep[i] = grew = True
                needed |= all_words[i]
    if all(keep):
        return source, [(1, 1)]
    # Dropped lines are left out, not blanked: libcst pays for every blank line.
    kept = bytearray(len(lines) + 2)
    for i, stmt in enumerate(body):
        if keep[i]:
            for start, end in ranges.get(i) or [(_first_line(stmt), stmt.end_lineno)]:
                kept[start:end + 1] = b"\x01" * (end + 1 - start)
    parts, chunks, at = [], [], 1
    for i, line in enumerate(lines, 1):
        if kept[i]:
            if not kept[i - 1]:
                chunks.append((at, i))
            parts.append(line if line.endswith(("\n", "\r")) else line + "\n")
            at += 1
    return "".join(parts), chunks
