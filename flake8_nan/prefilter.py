"""What libcst has to see of a module: the statements some rule can care about.

libcst costs several times flake8's own time per line, so the engine gives
it only the code where a rule may report, and what that code depends on.
Words are read from the text (identifiers, plus the pseudo-words below) with
regular expressions, many times faster than walking the `ast` in Python,
from the module with its comments and prose strings blanked.

- A module whose words, all together, meet no rule's triggers is done with
  before any statement is read (most modules of a model library are).
- The units are top-level statements; a class is split into its members,
  and a function (a method too) into its signature and the statements of
  its body.
- A statement of a function is a candidate when its words, together with
  the words of the statements of the same function that bind the names it
  reads (and of what `__init__` assigns to the `self.x` it reads), meet
  every trigger set of some rule (`Rule.triggers`), and its own words meet
  the sets that name the operation the rule reports on (`Rule.own_triggers`:
  the division of NAN201, the log of NAN102).  A rule whose evidence
  lies in statements that bind nothing the reported one reads
  (`Rule.scope = "function"`) is matched against the whole function; one whose
  evidence may lie in another function of the module (`Rule.scope = "module"`)
  is matched against the whole module, and where the module meets its triggers
  every function that holds a word of them is kept whole.
- A kept statement keeps what it depends on: in its function, the
  statements that bind or test the local names it reads, the returns and
  the last statement (what the model knows of a call of the function); in
  its class, the statements of `__init__` that assign what it reads through
  `self` and the methods it calls through `self`; at module level, imports,
  constants and every statement that binds a name a kept statement reads.

The kept lines are joined (libcst pays for every blank line) with a map of
chunks back to the source.  Whatever is kept, the model must learn from it
what it learns from the whole module: tests check that a pre-filtered parse
reports exactly what a full parse reports, on the fixtures and on real code.
"""
from __future__ import annotations

import ast
import functools
import math
import re
from collections import Counter
from typing import Callable, NamedTuple, Optional, Sequence

from . import ranges
from .vocab import FLOAT16_MAX, METHODS, SHAPE_METHODS, WORD_ALIASES
from .words import (ABS_MAX, ARRAY_LOG, BIG, CONTEXT, DIVISION, FRACTION, HF, INF, INF_WORDS,
                    IN_LOSS, LOG_WORDS, MASKING, MIN_REDUCTION, NAMED_POWER, NAN_TEXT, PER_BATCH,
                    POWER_IN_WHERE, PROBABILITY, REDUCED_SELECTION, REGROUPED, REGROUPING_METHODS,
                    ROOT, SELF_COMPARE, SHIFTED_BIG, SINGULAR_IN_WHERE, SINGULAR_VALUE,
                    SQRT_REDUCE, TINY, ZERO_REACHING, ZERO_REACHING_WORDS)

PIECE_LINES = 100  # the size of the pieces the engine parses (libcst holds ~14 KB a line
# while it parses: pieces of 100 lines kept a dense file 4 MiB lower than pieces of 200)

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


_OTHER_BREAKS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def physical_lines(source: str) -> list[str]:
    """Lines as Python counts them (str.splitlines also splits at form feeds and more)."""
    if not any(c in source for c in _OTHER_BREAKS):  # (a few scans beat one regex scan)
        return source.splitlines(True)
    return _LINE.findall(source)


_WORD = re.compile(r"[^\W\d]\w*")
# `self.x` reads x; `self(...)` runs `forward`
_SELF_ATTR = re.compile(r"self(?<!\wself)(?:\.([^\W\d]\w*)|\s*(\())")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _self_reads(text: str) -> set[str]:
    return {attr or "forward" for attr, _ in _SELF_ATTR.findall(text)} if "self" in text else set()


# What a class's forward returns for a parameter named after it to matter (the kinds
# `Definitions._instance_param` hands on).
_PROBABILITY_OUTPUTS = frozenset({"softmax", "Softmax", "sigmoid", "Sigmoid", "expit"})
INSTANCE_KINDS = frozenset({"softmax", "sigmoid"})


def instance_names(cls: str) -> tuple[str, str]:
    """The names a parameter holding an instance of class `cls` may go by:
    `aux_head` and `head` for `AuxHead`."""
    words = _CAMEL.sub("_", cls).lower()
    return words, words.rsplit("_", 1)[-1]


_TENSOR_METHODS = frozenset(METHODS)
# Regular expressions that begin with a lookbehind or a word boundary are tried at every
# character: these begin with what they look for and check what precedes it afterwards.
_NUMBER = re.compile(r"\.?\d[\d_]*(?:\.[\d_]*)?(?:[eE][-+]?\d+)?")
_POWER_OF_LITERAL = re.compile(r"\*\*\s*\(?\s*[-+]?\s*[\d.]")  # `** -8` in `10 ** -8`
_NAN_STRING = re.compile(r"[\"']\s*[+-]?nan\s*[\"']", re.I)
_INF_STRING = re.compile(r"[\"']\s*[+-]?inf(?:inity)?\s*[\"']", re.I)
_ROOT = re.compile(r"\*\*\s*\(?\s*(?:-|\d*\.\d|[\d.]+\s*/)")
_NAMED_POWER = re.compile(r"\*\*\s*\(?\s*[^\W\d]")
_FRACTION = re.compile(r"\*\*\s*\(?\s*(?:0?\.\d|1\.?\s*/)")
# `pt`, `p_t`: the probability of the target (as a name or a part of one between underscores)
_PT = re.compile(r"p(?<![^\W_]p)_?t(?![^\W_])", re.I)
_POW_CALL = re.compile(r"pow(?<!\wpow)(?:er)?_?\(")
# `x.pow(2)`: a whole power, which no power rule reads
_WHOLE_POW = re.compile(r"\.pow_?\(\s*[-+]?\d+(?:\.0*)?\s*\)")


def _literal_power(text: str) -> bool:
    """Whether a number literal is raised to a literal power (`10 ** -8`, `2 ** 30`)."""
    for m in _POWER_OF_LITERAL.finditer(text):
        before = text[max(m.start() - 40, 0):m.start()].rstrip()
        if before and before[-1] in "0123456789.":
            return True
    return False


def _extremes(text: str, min_eps: float) -> tuple[bool, bool]:
    """(a literal below `min_eps` is there, a literal beyond float16 is there), read
    from the lines where `_number_hint` finds something."""
    tiny = big = False
    done = -1
    for hint in _number_hint(min_eps).finditer(text):
        if hint.start() < done:
            continue
        first = text.rfind("\n", 0, hint.start()) + 1
        done = text.find("\n", hint.end())
        if done < 0:
            done = len(text)
        line = text[first:done]
        for m in _NUMBER.finditer(line):
            start = m.start()
            if start and (line[start - 1].isalnum() or line[start - 1] in "_."):
                continue  # part of a name (`x1e5`) or of an attribute
            token = m.group().replace("_", "")
            try:
                value = abs(float(token))
            except ValueError:  # `1.e`, a number the tokenizer splits differently
                continue
            if "." in token or "e" in token or "E" in token:
                tiny = tiny or 0 < value < min_eps
                big = big or value > FLOAT16_MAX
            elif len(token) >= 5:
                big = big or value > FLOAT16_MAX
    return tiny, big


# A comment, or a string literal (its prefix is read before it).
_NOISE = re.compile(r"#[^\r\n]*|\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''|"
                    r"\"(?:[^\"\\\r\n]|\\.)*\"|'(?:[^'\\\r\n]|\\.)*'")
_NAME_STRING = re.compile(r"[\"'][^\W\d]\w*[\"']\Z")


def _quiet(m: re.Match) -> str:
    """Comments and prose say nothing of what code computes; a string that is a name
    may (`activation="softmax"`, `register_buffer("mask", m)`), an f-string holds code,
    and `float("nan")` makes a NaN.  Line breaks are kept: the lines stay the source's."""
    s = m.group()
    if s[0] == "#":
        return ""
    start = m.start()
    prefix = m.string[max(start - 2, 0):start].lower()
    if prefix.endswith("f") or prefix == "fr" or _NAME_STRING.match(s) or _NAN_STRING.fullmatch(s) \
            or _INF_STRING.fullmatch(s):
        return s
    if "\n" in s or "\r" in s:
        return '""' + "".join(_LINE_BREAK.findall(s))
    return '""'


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@functools.lru_cache(maxsize=1)  # the pre-filter and callers.py read the same module
def code_of(source: str) -> str:
    """The source without comments and prose strings: what words are read from."""
    if "#" not in source and "'" not in source and '"' not in source:
        return source
    return _NOISE.sub(_quiet, source)


def _reduced_selection(code: str) -> bool:
    """Whether a mean, std or var is taken of a subscript that may index with a boolean
    mask: one index that is not a slice, a literal or a tuple (`x[mask].mean()`,
    `torch.std(x[m > 0])`, `loss[labels != -100].float().mean()`; not `x[:, 0].mean()`)."""
    opened = _REDUCTION_OPEN.search(code)  # the first `mean(` or the like
    at = code.find("[")
    while at >= 0:
        i = at - 1
        while i >= 0 and code[i] in " \t":
            i -= 1
        if i >= 0 and (code[i].isalnum() or code[i] in "_)]"):
            depth, start, end = 0, at + 1, None
            for end in range(start, len(code)):
                c = code[end]
                if c in "([{":
                    depth += 1
                elif c in ")]}":
                    if depth == 0:
                        break
                    depth -= 1
                elif depth == 0 and c in ":,":
                    break
            else:
                return True  # cut short: cannot tell
            if end is not None and code[end] == "]":
                index = code[start:end].strip()
                if index and not _LITERAL_INDEX.fullmatch(index) and (
                        _reduced_after(code, end + 1)
                        or opened is not None and opened.start() < i and _reduced_before(code, i)):
                    return True
        at = code.find("[", at + 1)
    return False


_METHOD_CALL = re.compile(r"\s*\.\s*([^\W\d]\w*)\s*\(")
_REDUCTIONS = frozenset({"mean", "nanmean", "std", "var"})
_REDUCTION_OPEN = re.compile(r"(?:mean|std|var)\s*\(")
_REDUCTION_OF = re.compile(r"\b(?:nan)?(?:mean|std|var)\s*\(\s*[\w.]+\Z")


def _reduced_after(code: str, at: int) -> bool:
    """Whether the value ending before `at` is reduced by a method, through methods
    that keep its elements (`x[m].float().mean()`).  Each round moves past one call."""
    while at < len(code):
        m = _METHOD_CALL.match(code, at)
        if m is None:
            return False
        if m.group(1) in _REDUCTIONS:
            return True
        if m.group(1) not in SHAPE_METHODS:
            return False
        at = _past_call(code, m.end())
    return False


def _past_call(text: str, at: int) -> int:
    """Where the call whose arguments begin at `at` (just past its `(`) ends."""
    depth = 1
    while depth and at < len(text):
        depth += {"(": 1, ")": -1}.get(text[at], 0)
        at += 1
    return at


def _reduced_before(code: str, i: int) -> bool:
    """Whether the subscripted value, the name or attribute that ends at `code[i]`, is
    the first argument of a reduction (`torch.mean(x[m])`).  A call or a subscript before
    the brackets is not read back: a reduction opened before it counts."""
    if code[i] in ")]":
        return True
    return _REDUCTION_OF.search(code, max(i - 200, 0), i + 1) is not None


def _self_compare(code: str) -> bool:
    """Whether a name or attribute is compared with itself (`x != x`)."""
    for op in ("==", "!="):
        at = code.find(op)
        while at >= 0:
            left = _LEFT_OPERAND.search(code, max(at - 200, 0), at)
            right = _RIGHT_OPERAND.match(code, at + 2)
            if left and right and left.group(1) == right.group(1):
                return True
            at = code.find(op, at + 2)
    return False


_LEFT_OPERAND = re.compile(r"(?<![\w.])([\w.]+)[ \t]*\Z")
_RIGHT_OPERAND = re.compile(r"[ \t]*([\w.]+)(?![\w.])")
_LITERAL_INDEX = re.compile(r"-?\s*\d+|\"[^\"]*\"|'[^']*'|None|\.\.\.")


@functools.lru_cache(maxsize=8)
def _number_hint(min_eps: float) -> re.Pattern:
    """What a line must hold for a literal in it to be tiny or beyond float16: an
    exponent, five digits in a row, or a fraction with enough leading zeros."""
    zeros = max(math.floor(-math.log10(min_eps)) - 2, 0) if min_eps < 1 else 0
    return re.compile(r"[\d.](?:[eE]|\d[\d_]{3}|0{%d})" % zeros)


def statement_words(text: str, min_eps: float, triggers: frozenset) -> set[str]:
    """The identifiers in a statement's code (no comments or prose: `code_of`), plus
    pseudo-words.  A trigger word only counts where it is read (`_read`)."""
    words = _plain_words(text, triggers)
    for produced, find in _COSTLY:
        if not produced.isdisjoint(triggers):  # a pass no rule in use reads is not made
            words |= find(text, min_eps)
    return words


def _plain_words(text: str, triggers: frozenset) -> set[str]:
    """The identifiers, and the pseudo-words that cost next to nothing to find."""
    words = set(_WORD.findall(text))
    for w in words.intersection(triggers):
        if not _read(text, w):
            words.discard(w)
    if "abs" in words and ("max" in words or "amax" in words):
        words.add(ABS_MAX)
    if "sqrt" in words and ("sum" in words or "var" in words):
        words.add(SQRT_REDUCE)
    if not words.isdisjoint(ZERO_REACHING_WORDS):
        words.add(ZERO_REACHING)
    if not words.isdisjoint(INF_WORDS):
        words.add(INF)
    if not words.isdisjoint(REGROUPING_METHODS) and _regrouped(text):
        words.add(REGROUPED)
    if not words.isdisjoint(WORD_ALIASES):  # `tf.reduce_sum` is a sum
        words.update(WORD_ALIASES[w] for w in words.intersection(WORD_ALIASES))
    if "/" in text and "/" in text.replace("//", ""):
        words.add(DIVISION)
    if not words.isdisjoint(LOG_WORDS) and _array_log(text):
        words.add(ARRAY_LOG)
    if not words.isdisjoint(_MIN_WORDS) and _MIN_CALL.search(text):
        words.add(MIN_REDUCTION)
    return words


_MIN_WORDS = frozenset({"min", "amin", "reduce_min"})
_MIN_CALL = re.compile(r"\.\s*(?:a?min|reduce_min)\s*\(|amin(?<!\wamin)\s*\(")


_LOSS = re.compile("loss", re.IGNORECASE)
# an addition or a subtraction with a number: `x -= 2 ** 30`, `s + -1e9`, `s - float(2 ** 30)`
_SHIFT = re.compile(r"[-+]=|[\w)\]]\s*[-+]\s*[-(]*\s*(?:\d|float\b)")


def _array_log(text: str) -> bool:
    """Whether `text` calls a log other than Python's `math.log` (`tf.math.log` is one)."""
    at = text.find("log")
    while at >= 0:
        end = at + 3
        if text.startswith("10", end):
            end += 2
        elif text.startswith("2", end):
            end += 1
        if not (at and (text[at - 1].isalnum() or text[at - 1] == "_")) and not (
                end < len(text) and (text[end].isalnum() or text[end] == "_")):
            head = text[:at].rstrip()
            if not (head.endswith("math.") and (len(head) == 5 or not (
                    head[-6].isalnum() or head[-6] in "._"))):
                return True
        at = text.find("log", at + 3)
    return False


def _named_power(text: str) -> bool:
    """`x ** gamma`, not the unpacking `f(**kwargs)`, `{**d}`, nor a power of a number
    (`2 ** i`)."""
    for m in _NAMED_POWER.finditer(text):
        before = text[max(0, m.start() - 80):m.start()].rstrip()
        if before and before[-1] not in "(,{" and not before[-1].isdigit():
            return True
    return False


_REGROUP_CALL = re.compile(r"\.(?:view|reshape|unflatten)\(")


def _regrouped(text: str) -> bool:
    """`.view(a, b)`, `.reshape(a, b)`, `.unflatten(a, b)`: a call of two arguments, as
    NAN205 reads a regrouping (`x.view(-1, group_size)`)."""
    for m in _REGROUP_CALL.finditer(text):
        depth, commas = 1, 0
        for ch in text[m.end():m.end() + 400]:  # a call's arguments span a few lines at most
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
                if depth == 0:
                    break
            elif ch == "," and depth == 1:
                commas += 1
        if depth != 0 or commas in (1, 2):  # unread to its end, or two arguments (a trailing comma)
            return True
    return False


def _number_words(text: str, min_eps: float) -> set[str]:
    words = set()
    if "**" in text:
        if _literal_power(text):
            words.update((TINY, BIG))  # `10 ** -8` and `2 ** 30` are folded by the model
        if _ROOT.search(text):
            words.add(ROOT)
        if _named_power(text):
            words.add(NAMED_POWER)
        if _FRACTION.search(text):
            words.add(FRACTION)
    if "<<" in text:
        words.add(BIG)  # `1 << 30`, folded by the model
    if "pow" in text and len(_POW_CALL.findall(text)) > len(_WHOLE_POW.findall(text)):
        words.update((FRACTION, NAMED_POWER))  # any exponent: `torch.pow(1 - p, gamma)`
    tiny, big = _extremes(text, min_eps)
    if tiny:
        words.add(TINY)
    if big:
        words.add(BIG)
    if BIG in words and _SHIFT.search(text):
        words.add(SHIFTED_BIG)
    return words


def _name_words(text: str, min_eps: float) -> set[str]:
    """Identifiers that say what a value is: a probability, a per-batch quantity."""
    lower = text.lower()
    words = set()
    if ("prob" in lower or "likelihood" in lower or ("pt" in lower or "p_t" in lower)
            and _PT.search(text)) and \
            any(ranges.names_probability(w) for w in _WORD.findall(text)):
        words.add(PROBABILITY)
    # (an identifier holding `return` has it with an underscore or as `returns`: the bare
    # word is the keyword)
    if ("adv" in lower or "reward" in lower or "returns" in lower or "_return" in lower or
            "return_" in lower) and \
            any(ranges.names_per_batch(w) for w in _WORD.findall(text) if w != "return"):
        words.add(PER_BATCH)
    return words


def _selection_words(text: str, min_eps: float) -> set[str]:
    if "[" in text and ("mean" in text or "std" in text or "var" in text) and \
            _reduced_selection(text):
        return {REDUCED_SELECTION}
    return set()


def _compare_words(text: str, min_eps: float) -> set[str]:
    if ("==" in text or "!=" in text) and _self_compare(text):
        return {SELF_COMPARE}
    return set()


def _where_words(text: str, min_eps: float) -> set[str]:
    words: set[str] = set()
    at = text.find("where")
    while at >= 0:
        m = _CALL_OPEN.match(text, at + 5)
        if m is not None and not (at and (text[at - 1].isalnum() or text[at - 1] == "_")):
            end = _past_call(text, m.end())
            before = at - 1
            while before >= 0 and text[before] in " \t\r\n\\":
                before -= 1
            # a method's receiver is somewhere before it: everything before counts
            region = text[:end] if before >= 0 and text[before] == "." else text[m.end():end]
            if _SINGULAR_TEXT.search(region) or "**" in region and _ROOT.search(region):
                words.add(SINGULAR_IN_WHERE)
            if "**" in region:
                words.add(POWER_IN_WHERE)
            if len(words) == 2:
                break
        at = text.find("where", at + 5)
    return words


_CALL_OPEN = re.compile(r"\s*\(")
_SINGULAR_TEXT = re.compile(r"(?<!/)/(?![/=])|(?:log|sqrt|acos|asin|arccos|arcsin|div|pow)")


def _value_words(text: str, min_eps: float) -> set[str]:
    if "log" not in text and "sqrt" not in text and "acos" not in text and \
            "asin" not in text and "arc" not in text:
        return set()  # (what most statements call: a scan for an alternation is slow)
    for m in _SINGULAR_CALL.finditer(text):
        start = text.rfind("\n", 0, m.start()) + 1
        head = _VALUE_START.search(text, start, m.start())
        if head is None:
            return {SINGULAR_VALUE}  # no `=` or `return` on its line: not read back
        end = text.find("\n", m.start())
        if not _top_level_operator(text[head.end():end if end >= 0 else len(text)]):
            return {SINGULAR_VALUE}
    return set()


_SINGULAR_CALL = re.compile(r"(?:log|log2|log10|sqrt|rsqrt|acos|asin|arccos|arcsin)_?\s*\(")
# the last `=` (not `==`, `<=`, `+=` ...) or `return` before the call on its line
_VALUE_START = re.compile(r".*(?:(?<![=!<>+\-*/%&|^@:])=(?!=)|\breturn\b)")


def _top_level_operator(value: str) -> bool:
    """Whether a binary or comparison operator joins the outermost terms of a value (a
    leading sign does not): then the value is that operation, not a call."""
    depth = 0
    for c in value.strip().lstrip("+-"):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return False  # the value ended: it is an argument
            depth -= 1
        elif depth == 0:
            if c in "+-*/@%<>|&^":
                return True
            if c in ",;":
                return False
    return False


def _mask_words(text: str, min_eps: float) -> set[str]:
    if "~" in text or _COMPARISON.search(text) or "mask" in text.lower() and \
            any(ranges.names_mask(w) for w in _WORD.findall(text)):
        return {MASKING}
    return set()


_COMPARISON = re.compile(r"[!=<>]=|[^<>\-][<>](?![<>=])")


def _nan_words(text: str, min_eps: float) -> set[str]:
    if ("nan" in text or "NaN" in text or "NAN" in text) and _NAN_STRING.search(text):
        return {NAN_TEXT}
    return set()


def gate(words: set[str], triggers: Sequence, look: Callable, finders=None) -> bool:
    """Whether `words`, with what the costly finders add, meet every trigger set of some
    rule.  A finder is run (`look(find)`) only while a rule still open needs a word it
    produces, and each at most once: the loop ends after len(finders) + 1 rounds."""
    pending = list(_COSTLY if finders is None else finders)
    words = set(words)
    while True:  # each round returns or pops a finder
        unknown = frozenset().union(*(produced for produced, _ in pending))
        possible = words | unknown
        maybe = [t for t in triggers if all(not possible.isdisjoint(g) for g in t)]
        if not maybe:
            return False
        if any(all(not words.isdisjoint(g) for g in t) for t in maybe):
            return True
        wanted = {w for t in maybe for g in t if words.isdisjoint(g) for w in g}
        i = next((i for i, (produced, _) in enumerate(pending)
                  if not wanted.isdisjoint(produced)), None)
        if i is None:
            return False
        words |= look(pending.pop(i)[1])


# The pseudo-words that take a pass of their own over the text, and what finds them.
_COSTLY = ((frozenset({TINY, BIG, SHIFTED_BIG, ROOT, NAMED_POWER, FRACTION}), _number_words),
           (frozenset({PROBABILITY, PER_BATCH}), _name_words),
           (frozenset({REDUCED_SELECTION}), _selection_words),
           (frozenset({SELF_COMPARE}), _compare_words),
           (frozenset({NAN_TEXT}), _nan_words),
           (frozenset({MASKING}), _mask_words),
           (frozenset({SINGULAR_IN_WHERE, POWER_IN_WHERE}), _where_words),
           (frozenset({SINGULAR_VALUE}), _value_words))
_COSTLY_WORDS = frozenset().union(*(produced for produced, _ in _COSTLY))


_BOUND_NEXT = re.compile(r"\s*=(?!=)")


def _read(text: str, word: str) -> bool:
    """Whether `word` occurs in `text` other than where a name is bound (`std=0.02`,
    `self.norm = ...`) or, for a tensor method's name, as an attribute of self:
    `self.norm(x)` is a layer (the model agrees), and such a name counts only when the
    member reads what `__init__` assigned to it."""
    method = word in _TENSOR_METHODS
    n, at = len(word), text.find(word)
    while at >= 0:
        end = at + n
        if not (at and (text[at - 1].isalnum() or text[at - 1] == "_")) and not (
                end < len(text) and (text[end].isalnum() or text[end] == "_")) and not (
                method and text.endswith("self.", 0, at)) and not _BOUND_NEXT.match(text, end):
            return True
        at = text.find(word, end)
    return False


# ----------------------------------------------------------------- the ast side
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_SCRIPT_STEPS = (ast.Assign, ast.AnnAssign, ast.Expr)
_DISPLAYS = (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp,
             ast.GeneratorExp, ast.JoinedStr)
# Statements the model learns nothing from but what they bind (their other effects on
# a name, `if m.any():` tests and the like, are what compound statements hold).
_PLAIN = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr, ast.Return, ast.Pass,
          ast.Raise, ast.Delete, ast.Import, ast.ImportFrom, ast.Break, ast.Continue)
# What the model reads of a function as a whole: its returns, and yield/await that
# make them unknown.
_EXITS = frozenset({"return", "yield", "await"})


def _first_line(stmt: ast.stmt) -> int:
    decorators = getattr(stmt, "decorator_list", None)
    return decorators[0].lineno if decorators else stmt.lineno


def _last_block(stmt: ast.stmt) -> list:
    """The statements of the block a compound statement ends with (an `if`'s `else`, a
    `try`'s last handler), the one a long statement is parsed in runs of
    (engine.parse); [] for a simple statement."""
    if isinstance(stmt, ast.If) and stmt.orelse:
        inner = stmt.orelse[0]
        if len(stmt.orelse) == 1 and isinstance(inner, ast.If) and inner.col_offset == stmt.col_offset:
            return _last_block(inner)  # an `elif`
        return stmt.orelse
    if isinstance(stmt, (ast.Try, getattr(ast, "TryStar", ast.Try))):
        return stmt.finalbody or stmt.orelse or (stmt.handlers[-1].body if stmt.handlers else stmt.body)
    if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)) and stmt.orelse:
        return stmt.orelse
    if isinstance(stmt, ast.Match):
        return stmt.cases[-1].body if stmt.cases else []
    return getattr(stmt, "body", []) if isinstance(stmt, ast.stmt) else []


def _block_cuts(stmt: ast.stmt) -> list[tuple[int, int]]:
    """Where a statement kept whole may be cut for parsing, as (line, depth): the first
    lines of the statements of its last block after the first, each on a line of its own
    (depth 1), and those of the last block of such a statement when it is long itself (a
    long method of a long class: depth 2)."""
    block = _last_block(stmt)
    out = [(_first_line(b), 1) for a, b in zip(block, block[1:]) if a.end_lineno < _first_line(b)]
    for member in block:
        if member.end_lineno - _first_line(member) > PIECE_LINES and _last_block(member):
            inner = _last_block(member)
            out.extend((_first_line(b), 2) for a, b in zip(inner, inner[1:])
                       if a.end_lineno < _first_line(b))
    return sorted(out)


def _names(target: ast.expr, out: list) -> list:
    if isinstance(target, ast.Name):
        out.append(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for el in target.elts:
            _names(el, out)
    elif isinstance(target, ast.Starred):
        _names(target.value, out)
    elif isinstance(target, ast.Subscript):  # `x[i] = v` changes what x holds
        name = _written(target)
        if name is not None:
            out.append(name)
    return out


def _written(expr: ast.expr) -> Optional[str]:
    """The name whose values `x[i][j] = v` or `x[m].fill_(0)` write, as the model reads
    them: through subscripts to a name (not an attribute)."""
    for _ in range(8):  # the model's bound
        if not isinstance(expr, ast.Subscript):
            break
        expr = expr.value
    return expr.id if isinstance(expr, ast.Name) else None


def _mutated(stmt: ast.stmt) -> Optional[str]:
    """`x.add_(y)` as a statement: the name an in-place method changes."""
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and \
            call.func.attr.endswith("_") and not call.func.attr.endswith("__"):
        return _written(call.func.value)
    return None


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


_ASSIGNS = (ast.Assign, ast.AnnAssign, ast.AugAssign)
_BINDS_NOTHING = (ast.Expr, ast.Return, ast.Pass, ast.Raise, ast.Assert, ast.Break, ast.Continue)


def _bound(stmt: ast.stmt, text: str) -> set[str]:
    """Every name a statement binds, at any depth (nested scopes too: a superset)."""
    if ":=" not in text:  # no walrus: a simple statement binds its targets at most
        t = type(stmt)
        if t in _ASSIGNS:
            return set(_targets(stmt))
        if t is ast.Expr:
            name = _mutated(stmt)
            return set() if name is None else {name}
        if t in _BINDS_NOTHING:
            return set()
    out = set()
    for n in ast.walk(stmt):
        t = type(n)
        if t is ast.Name:
            if type(n.ctx) is not ast.Load:
                out.add(n.id)
        elif t is ast.Subscript and type(n.ctx) is not ast.Load:
            out.add(_written(n))
        elif t is ast.Expr:
            out.add(_mutated(n))
        elif t in _DEFINITIONS:
            out.add(n.name)
        elif t is ast.alias:
            out.add((n.asname or n.name).split(".")[0])
        elif t is ast.Global or t is ast.Nonlocal:
            out.update(n.names)
        elif isinstance(getattr(n, "name", None), str):  # except ... as e, match patterns
            out.add(n.name)
        elif t is ast.MatchMapping and n.rest:
            out.add(n.rest)
    out.discard(None)  # a write or an in-place call through an attribute
    return out


def _params(fn) -> set[str]:
    a = fn.args
    return {p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg) if p}


def _param_lines(fn) -> list[tuple[str, tuple[int, int]]]:
    """Each parameter with the lines from its name to the end of its annotation and default."""
    a = fn.args
    positional = [*a.posonlyargs, *a.args]
    defaults = dict(zip(positional[len(positional) - len(a.defaults):], a.defaults))
    defaults.update((p, d) for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None)
    out = []
    for p in (*positional, *a.kwonlyargs, a.vararg, a.kwarg):
        if p is not None:
            ends = [p.end_lineno] + [n.end_lineno for n in (p.annotation, defaults.get(p)) if n]
            out.append((p.arg, (p.lineno, max(ends))))
    return out


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


_IMPORTS_TRANSFORMERS = re.compile(r"(?:from|import)[ \t]+transformers\b")


_MAX_IMPORT_LINES = 200  # a module that imports transformers more often is read no further


def _statements_at(body: list, line: int) -> list:
    """The import statement at `line`, however deep (in a function, a class, a branch):
    found by descending the statements whose lines hold it, not by walking everything."""
    for _ in range(100):  # one level of nesting per round
        stmt = next((s for s in body if s.lineno <= line <= (s.end_lineno or s.lineno)), None)
        if stmt is None:
            return []
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            return [stmt]
        body = [c for field in ("body", "orelse", "finalbody", "handlers", "cases")
                for c in getattr(stmt, field, None) or ()]
        body = [b for c in body for b in (c.body if isinstance(c, (ast.ExceptHandler, ast.match_case))
                                          else [c])]
    return []


def _top_imports(body) -> list:
    """The import statements at the top of a module and in its top-level `if`/`try`:
    walked once per module, for the aliases and the transformers names alike."""
    return [n for stmt in body if _may_import(stmt) for n in ast.walk(stmt)
            if isinstance(n, (ast.Import, ast.ImportFrom))]


def _import_aliases(imports: list, wanted: frozenset) -> dict[str, str]:
    """`ln` -> `log` for `from torch import log as ln`, for the names some rule in use
    reads."""
    out = {}
    for n in imports:
        for a in n.names:
            name = a.name.rsplit(".", 1)[-1]
            if a.asname and a.asname != name and name in wanted:
                out[a.asname] = name
    return out


def _hf_names(body, imports: list, source: str) -> set[str]:
    names: set[str] = set()
    if "transformers" not in source:
        return names
    # an import inside a function (`from transformers import BertModel` in `__init__`)
    # names a model as well as one at the top
    lines = {source.count("\n", 0, m.start()) + 1 for m in _IMPORTS_TRANSFORMERS.finditer(source)}
    found = list(imports)
    for line in sorted(lines)[:_MAX_IMPORT_LINES]:
        found.extend(_statements_at(body, line))
    for n in found:
        if isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == "transformers":
            names.update(a.asname or a.name for a in n.names)
        elif isinstance(n, ast.Import):
            names.update(a.asname or a.name for a in n.names if a.name.startswith("transformers"))
    return names


def _inert(stmt: ast.stmt, names: list[str], bound: Counter) -> bool:
    """A data literal bound once, bare or made a container (`OrderedDict([...])`): the
    model learns nothing from it, and a big one costs libcst dearly."""
    value = getattr(stmt, "value", None)
    if type(value) is ast.Call and type(value.func) is ast.Name and value.func.id in _CONTAINERS \
            and len(value.args) == 1 and not value.keywords:
        value = value.args[0]
    return isinstance(value, _DISPLAYS) and all(bound[n] == 1 for n in names)


_CONTAINERS = frozenset({"OrderedDict", "dict", "list", "tuple", "set", "frozenset"})


_DATA = (ast.Dict, ast.List, ast.Tuple, ast.Set, ast.Constant, ast.Name, ast.Attribute, ast.Load,
         ast.UnaryOp, ast.USub, ast.UAdd)


def _pure_data(stmt: ast.stmt) -> bool:
    """A literal display of constants, names and attributes (a table of functions and
    their arguments): no rule reports inside one, whatever names it holds, and a big one
    costs libcst dearly.  Read only for statements longer than a few lines."""
    value = getattr(stmt, "value", None)
    if not isinstance(value, _DISPLAYS) or stmt.end_lineno - stmt.lineno < 8:
        return False
    return all(isinstance(n, _DATA) for n in ast.walk(value))


_RETURN = re.compile(r"return(?<!\wreturn)\b([^\n]*)")
# Operations whose result the model follows (positivity included): a function returning
# one of them passes its origin to its callers.
_ORIGIN_WORDS = frozenset({
    "softmax", "log_softmax", "sigmoid", "expit", "exp", "clamp", "clamp_min", "clip", "maximum",
    "sum", "count_nonzero", "log", "Softmax", "Sigmoid", "LogSoftmax", "Sequential", "Model",
    "predict", "topk",
    # a dtype: a call of it gives float32 or float64 (model.values)
    "float32", "float64", "float", "double", "half", "float16", "bfloat16"})
# A function that names a half dtype anywhere may cast down what it is given: the model
# reads it whole (a helper it does not see computes in its argument's dtype).
_DOWN_CAST = re.compile(r"\b(?:half|float16|bfloat16)\b")


def _returned_words(definition, lines) -> set[str]:
    """The words of what a function returns (a class: what its `forward` returns):
    what a call of it carries.  Read from the first line of each return."""
    if isinstance(definition, ast.ClassDef):
        return _forward_words(definition, lines)
    text = "".join(lines[definition.lineno - 1:definition.end_lineno])
    returns = _RETURN.findall(text)
    words = set(_WORD.findall(" ".join(returns)))
    words.update(_DOWN_CAST.findall(text))
    if any(_SINGULAR_CALL.search(r) and not _top_level_operator(r) for r in returns):
        words.add(SINGULAR_VALUE)
    return words


def _returns_range(definition, lines) -> bool:
    """Whether what a function returns is made, a few bindings back, of a mask or of a
    value that reaches 0 (`return cont` with `cont = a * m` and `m = x.abs().le(1)`): the
    model reads a call's range through them."""
    if isinstance(definition, ast.ClassDef):
        return False
    text = "".join(lines[definition.lineno - 1:definition.end_lineno])
    returns = " ".join(_RETURN.findall(text))
    binding = "".join(_binders(definition, set(_WORD.findall(returns)), lines))
    return not ZERO_REACHING_WORDS.isdisjoint(_WORD.findall(returns + binding)) or \
        bool(_mask_words(returns + binding, 0.0))


def _binders(definition, names: set[str], lines, rounds: int = 3) -> list[str]:
    """The text of the simple statements of a function that bind `names`, then those that
    bind the names they read, `rounds` times."""
    assigns = [n for n in ast.walk(definition) if type(n) in _ASSIGNS]
    out, wanted, done = [], set(names), set()
    for _ in range(rounds):
        found = [a for a in assigns if id(a) not in done and not wanted.isdisjoint(_targets(a))]
        if not found:
            break
        wanted = set()
        for a in found:
            done.add(id(a))
            text = "".join(lines[a.lineno - 1:a.end_lineno])
            out.append(text)
            wanted.update(_WORD.findall(text))
    return out


def _forward_words(cls: ast.ClassDef, lines) -> set[str]:
    """What calling an instance of a class returns: the words of its `forward`'s
    returns, with those of the methods they call through self and of what `__init__`
    assigns to the attributes they read (`self.model = nn.Sequential(..., nn.Sigmoid())`)."""
    methods = {m.name: m for m in cls.body if isinstance(m, _DEFS)}
    if "forward" not in methods:
        return set()
    words = _returned_words(methods["forward"], lines)
    init = methods.get("__init__")
    for attr in _self_reads(" ".join(_RETURN.findall(
            "".join(lines[methods["forward"].lineno - 1:methods["forward"].end_lineno])))):
        if attr in methods and attr != "forward":
            words |= _returned_words(methods[attr], lines)
        elif init is not None:
            for stmt in init.body:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else \
                    [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
                if any(isinstance(t, ast.Attribute) and t.attr == attr for t in targets):
                    words |= set(_WORD.findall("".join(lines[stmt.lineno - 1:stmt.end_lineno])))
    return words


class _Function:
    """A function split into its signature and the statements of its body (its parts:
    0 is the signature, k > 0 the kth statement).  The words of each part are read
    only when the words of the whole function may meet a trigger."""

    def __init__(self, fn, words_of: Callable, lines: list[str], cls: str = ""):
        self.fn = fn
        self.words_of = words_of
        self.lines = lines
        body = fn.body
        self.whole = (_first_line(fn), fn.end_lineno)
        self.one_line = _first_line(body[0]) <= fn.lineno
        self.children = [] if self.one_line else list(body)
        self.header = self.whole if self.one_line else (self.whole[0], _first_line(body[0]) - 1)
        self.parts = 1 + len(self.children)
        self.all_words = words_of(*self.whole)
        # what Model.in_loss tells: a loss function, or the forward of a loss class
        self.in_loss = ranges.names_loss(fn.name, cls)
        if self.in_loss:
            self.all_words.add(IN_LOSS)
        self._words: Optional[list[set[str]]] = None
        self._bound: Optional[list[set[str]]] = None
        self._reads: Optional[list[set[str]]] = None
        self._texts: dict[int, str] = {}

    def span(self, k: int) -> tuple[int, int]:
        if k == 0:
            return self.header
        c = self.children[k - 1]
        return _first_line(c), c.end_lineno

    def text(self, k: int) -> str:
        if k not in self._texts:
            first, last = self.span(k) if k >= 0 else self.whole
            self._texts[k] = "".join(self.lines[first - 1:last])
        return self._texts[k]

    @property
    def words(self) -> list[set[str]]:
        if self._words is None:
            self._words = [self.all_words] if self.one_line else [
                self.words_of(*self.span(k)) for k in range(self.parts)]
            if self.in_loss:
                for w in self._words:
                    w.add(IN_LOSS)
        return self._words

    def reads(self) -> set[str]:
        """The attributes the whole function reads through `self`."""
        text = self.text(-1)
        return _self_reads(text)

    def self_reads(self) -> list[set[str]]:
        """Per part, the attributes it reads through `self`."""
        if self._reads is None:
            self._reads = [_self_reads(text) for text in map(self.text, range(self.parts))]
        return self._reads

    def bound(self) -> list[set[str]]:
        """Per part, the local names it binds (the signature: the parameters)."""
        if self._bound is None:
            self._bound = [_params(self.fn)] + [_bound(c, self.text(k))
                                                for k, c in enumerate(self.children, 1)]
        return self._bound

    def closures(self, evidence: Callable[[int], set[str]]) -> list[set[str]]:
        """Per part, its words and those of the parts that bind what it reads, transitively.
        A parameter brings the words of its own lines in the signature (its annotation and
        default), not those of the whole signature: a long one holds numbers and names
        that most statements never read."""
        words = self.words
        binders: dict[str, list[int]] = {}
        for k, names in enumerate(self.bound()):
            for n in names:
                binders.setdefault(n, []).append(k)
        # read once per part, not once per part that reaches it
        own = [words[j] | evidence(j) for j in range(self.parts)]
        params = [] if self.one_line else _param_lines(self.fn)
        if len({span for _, span in params}) > 1:  # not all on one line
            at: dict[tuple[int, int], int] = {}
            for name, span in params:
                if span not in at:
                    at[span] = len(own)
                    own.append(self.words_of(*span))
                binders[name] = [k if k else at[span] for k in binders[name]]
        deps = [{b for n in words[j].intersection(binders) for b in binders[n]}
                for j in range(self.parts)]
        deps.extend(set() for _ in range(len(own) - self.parts))
        out = []
        for k in range(self.parts):
            seen = {k}
            todo = [k]
            while todo:
                for b in deps[todo.pop()]:
                    if b not in seen:
                        seen.add(b)
                        todo.append(b)
            out.append(set().union(*(own[j] for j in seen)))
        return out

    def keep(self, seeds: set[int]) -> list[int]:
        """The parts to parse when `seeds` must be: the signature, the exits and the last
        statement, and every statement that binds, or tests, a local name a kept part reads."""
        if self.one_line:
            return [0]
        n = self.parts
        words = self.words
        bound = self.bound()
        local = set().union(*bound) - {"self", "cls"}
        keep = set(seeds) | {0, n - 1}
        keep.update(k for k in range(1, n) if not words[k].isdisjoint(_EXITS))
        needed: set[str] = set()
        grew = True
        while grew:  # each round keeps one more part, or ends
            grew = False
            for k in keep:
                if k:  # the signature reads its parameters' defaults, not the locals
                    needed |= words[k] & local
            for k in range(1, n):
                if k in keep:
                    continue
                if not bound[k].isdisjoint(needed) or (
                        not words[k].isdisjoint(needed) and (
                            not isinstance(self.children[k - 1], _PLAIN) or " if " in self.text(k))):
                    keep.add(k)
                    grew = True
        return sorted(keep)


def _lazily_set(stmt: ast.stmt) -> Optional[str]:
    """x of `if self.x is None:` (model.definitions reads what its block sets)."""
    test = stmt.test if type(stmt) is ast.If else None
    if type(test) is ast.Compare and len(test.ops) == 1 and type(test.ops[0]) is ast.Is and \
            type(test.comparators[0]) is ast.Constant and test.comparators[0].value is None and \
            type(test.left) is ast.Attribute and type(test.left.value) is ast.Name and \
            test.left.value.id == "self":
        return test.left.attr
    return None


def _nothing(part: int) -> set[str]:
    return set()


class _Rules:
    """The trigger sets of the rules in use, by scope."""

    def __init__(self, rules: Sequence[type], strict: bool = False):
        sets = [(r, r.strict_triggers if strict and r.strict_triggers else r.triggers)
                for r in rules]
        self.statement = [t for r, t in sets if t and r.scope == "statement"]
        # per statement trigger: the sets the statement's own words must meet
        self.own = [r.own_triggers for r, t in sets if t and r.scope == "statement"]
        self.function = [t for r, t in sets if t and r.scope != "statement"]
        self.module = [t for r, t in sets if t and r.scope == "module"]
        self.triggers = self.statement + self.function
        self.any_word = frozenset().union(*(g for t in self.triggers for g in t))
        self.context = frozenset().union(*(r.context for r in rules))
        self.companions = frozenset().union(*(r.companions for r in rules))
        # the operations among them (a big literal in a config dict makes no script step)
        self.any_name = frozenset(w for w in self.any_word if w.isidentifier())

    @staticmethod
    def _met(groups, words: set[str]) -> bool:
        return any(all(not words.isdisjoint(g) for g in trig) for trig in groups)

    def any_met(self, words: set[str]) -> bool:
        return not words.isdisjoint(self.any_word) and (
            self._met(self.statement, words) or self._met(self.function, words))

    def function_met(self, words: set[str]) -> bool:
        return bool(self.function) and self._met(self.function, words)

    def statement_met(self, words: set[str], own: Optional[set[str]] = None) -> bool:
        """Whether `words` (a statement's, with those of what binds the names it reads)
        meet a rule's triggers, and `own` (the statement's alone), where given, its
        `own_triggers`."""
        if words.isdisjoint(self.any_word):
            return False
        if own is None:
            return self._met(self.statement, words)
        return any(all(not words.isdisjoint(g) for g in trig) and
                   all(not own.isdisjoint(g) for g in mine)
                   for trig, mine in zip(self.statement, self.own))

    def module_words(self, words: set[str]) -> frozenset:
        """The words of the rules of module scope whose triggers the module's `words` meet:
        a function that holds one of them is kept whole."""
        return frozenset().union(*(g for t in self.module if all(not words.isdisjoint(g) for g in t)
                                   for g in t))


_RULE_SETS: dict[tuple, _Rules] = {}


def _rules(rules: Sequence[type], strict: bool = False) -> _Rules:
    key = (tuple(rules), strict)
    found = _RULE_SETS.get(key)
    if found is None:
        found = _RULE_SETS[key] = _Rules(key[0], strict)
    return found


class Selection(NamedTuple):
    text: str  # the kept lines, joined
    chunks: list[tuple[int, int]]  # (first line in text, the same line in the source)
    # the lines of text where a top-level statement begins at column 0 (where the text
    # may be cut for parsing)
    starts: list[int]
    # a long statement's first line in text -> (line, depth) where a statement of its last
    # block (depth 1), or of the last block of one of those (depth 2), begins right after
    # the code of the one before: where the statement may be cut for parsing
    members: dict[int, list[tuple[int, int]]] = {}


def select(source: str, tree: ast.Module, rules: Sequence[type],
           min_eps: float, strict: bool = False) -> Optional[Selection]:
    """The parts of a module some rule can care about (at the strict level, where `strict`);
    None when nothing is worth parsing."""
    selection = _Selection(source, tree, rules, min_eps, strict)
    return selection.run() if selection.worth_reading() else None


class _Selection:
    def __init__(self, source: str, tree: ast.Module, rules: Sequence[type], min_eps: float,
                 strict: bool = False):
        self.source = source
        self.body = getattr(tree, "body", [])
        self.rules = _rules(rules, strict)
        self.min_eps = min_eps
        imports = _top_imports(self.body)
        self.hf = _hf_names(self.body, imports, source)
        self.aliases = _import_aliases(imports, self.rules.any_word)
        self.code_text = code_of(source)
        self.lines: list[str] = []  # the source's lines and the code's, read by `run`
        self.code: list[str] = []
        self.tainted: set[str] = set()  # module-level names bound by a kept statement
        # constants by pseudo-word
        self.named: dict[str, set[str]] = {TINY: set(), BIG: set(), INF: set()}
        self.defined: dict[str, ast.stmt] = {}  # module-level functions and classes
        self.instances: dict[str, list[str]] = {}  # a parameter's name -> classes it may hold
        self.instance_classes: set[str] = set()  # classes a kept parameter's name may hold
        self._returned: dict[ast.stmt, set[str]] = {}
        self._ranged: dict[ast.stmt, bool] = {}  # _returns_range, read once
        # a class's first line -> where it may be cut: (line, depth) as _block_cuts gives
        self.members: dict[int, list[tuple[int, int]]] = {}
        # the words that keep a function whole, for the rules of module scope the module meets
        self.module_any: frozenset = frozenset()

    def words_of(self, first: int, last: int, bound_names=()) -> set[str]:
        text = "".join(self.code[first - 1:last])
        words = statement_words(text, self.min_eps, self.rules.any_word)
        self._unalias(words)
        if self.rules.context and any(c in text for c in self.rules.context):
            words.add(CONTEXT)  # often a keyword: `gradient_clip_val=`
        for pseudo, names in self.named.items():
            if pseudo in words:
                names.update(bound_names)
            elif names and not words.isdisjoint(names):
                words.add(pseudo)
        if self.hf and not words.isdisjoint(self.hf):
            words.add(HF)
        if self.instances and not words.isdisjoint(self.instances):
            # `def loss(head, h)` may be given an instance of `AuxHead`, defined above
            for w in words.intersection(self.instances):
                classes = self.instances[w]
                # every class the name may hold is needed to tell which, where one of them
                # returns a probability (what a call of the parameter can then give)
                if any(not _PROBABILITY_OUTPUTS.isdisjoint(self.returned(self.defined[c]))
                       for c in classes):
                    words.update(classes)
                    self.instance_classes.update(classes)
        if self.defined and not words.isdisjoint(self.defined):
            # a call of a function defined above carries what its body computes
            words.update(*(self.returned(self.defined[w]) for w in words.intersection(self.defined)))
        return words

    def worth_reading(self) -> bool:
        """Whether the words of the whole module meet the triggers of some rule: when
        they do not, no statement's can.  The costly pseudo-words are looked for only
        while they can still make the difference."""
        text, rules = self.code_text, self.rules
        words = _plain_words(text, rules.any_word)
        self._unalias(words)
        if self.hf:
            words.add(HF)
        if rules.context and any(c in text for c in rules.context):
            words.add(CONTEXT)
        if _LOSS.search(text):
            words.add(IN_LOSS)  # the module may name a loss function or class
        if rules.module:
            self.module_any = rules.module_words(words)
        return gate(words, rules.triggers, lambda find: find(text, self.min_eps))

    def _unalias(self, words: set[str]) -> None:
        """`ln` of `from torch import log as ln` is read as `log`."""
        if self.aliases and not words.isdisjoint(self.aliases):
            words.update(self.aliases[w] for w in words.intersection(self.aliases))
            if not words.isdisjoint(LOG_WORDS):
                words.add(ARRAY_LOG)  # `from torch import log as ln`

    def _whole_function(self, words: set[str]) -> bool:
        """Whether a function (or a class, a statement) with these words is kept whole for
        the rules of function or module scope."""
        return self.rules.function_met(words) or CONTEXT in words or bool(
            self.module_any and not words.isdisjoint(self.module_any))

    def _hit(self, words: set[str], own: Optional[set[str]] = None) -> bool:
        return bool(self.tainted and not words.isdisjoint(self.tainted)) or \
            self.rules.statement_met(words, own)

    # ------------------------------------------------------------- functions
    def function_parts(self, f: _Function, evidence: Callable[[int], set[str]], seeds: set[int],
                       whole_words: set[str]) -> Optional[list[int]]:
        """The parts of a function to keep: those where a rule can report and what they
        depend on; None when there is none.  `whole_words` is what the function reads
        altogether (its evidence included), for the rules of function scope."""
        if self._whole_function(whole_words):
            return list(range(f.parts))
        hits = set(seeds)
        if self._hit(whole_words):
            if f.one_line:
                return [0]
            hits.update(k for k, words in enumerate(f.closures(evidence))
                        if self._hit(words, f.words[k]))
        if not hits:
            return None
        companions = self.rules.companions
        if companions and not whole_words.isdisjoint(companions):
            hits.update(k for k, words in enumerate(f.words) if not words.isdisjoint(companions))
        return f.keep(hits)

    # ---------------------------------------------------------------- classes
    def class_parts(self, cls: ast.ClassDef, seeded: bool):
        """(the line ranges of a class worth parsing, or None when no member can be
        reported on; the words of those ranges, or of the whole class when None).
        `seeded`: a call of the class is needed, so what its `forward` returns is."""
        members = cls.body
        header = (_first_line(cls), _first_line(members[0]) - 1)
        header_words = self.words_of(*header)
        funcs: dict[int, _Function] = {}
        own: list[set[str]] = []
        for k, m in enumerate(members):
            if isinstance(m, _DEFS):
                funcs[k] = f = _Function(m, self.words_of, self.code, cls.name)
                own.append(f.all_words)
            else:
                own.append(self.words_of(_first_line(m), m.end_lineno))
        everything = header_words.union(*own)
        forward = next((k for k, f in funcs.items() if f.fn.name == "forward"), None)
        if not (self._hit(everything) or self._whole_function(everything)
                or seeded and forward is not None):
            return None, everything
        init = next((k for k, f in funcs.items() if f.fn.name == "__init__"), None)
        # attribute -> words of what is assigned to it (a method: its words)
        assigned: dict[str, set[str]] = {}
        for k, m in enumerate(members):
            if k in funcs:
                assigned.setdefault(m.name, set()).update(own[k])
            else:
                for name in _targets(m):
                    assigned.setdefault(name, set()).update(own[k])
        if init is not None:
            f = funcs[init]
            # what a statement assigns carries the words of what binds the names it reads
            # (`self.eps = eps` those of the default in `def __init__(self, eps=1e-12)`)
            closed = f.closures(_nothing)
            for j in range(1, f.parts):
                # what a statement of `__init__` names through self (or registers by
                # name) may be what it assigns: a superset
                names = set(f.self_reads()[j])
                if "register_" in f.text(j):
                    names |= f.words[j]
                for name in names:
                    assigned.setdefault(name, set()).update(closed[j])

        def evidence_of(f: _Function) -> Callable[[int], set[str]]:
            return lambda j: set().union(*(assigned.get(a, ()) for a in f.self_reads()[j]))

        kept: dict[int, list[int]] = {}
        whole_class_rules = self.rules.function_met(everything) or CONTEXT in everything
        for k, f in funcs.items():
            if whole_class_rules:
                kept[k] = list(range(f.parts))
                continue
            seeds = {0} if seeded and k == forward else set()
            whole = f.all_words.union(*(assigned.get(a, ()) for a in f.reads()))
            parts = self.function_parts(f, evidence_of(f), seeds, whole)
            if parts is not None:
                kept[k] = parts
        # a member that is not a function (a nested class, a statement) is kept whole:
        # when it can be reported on, the class is worth parsing for it alone
        if not kept and not any(k not in funcs and (self._hit(w) or self._whole_function(w))
                                for k, w in enumerate(own)):
            return None, everything
        # A kept method keeps the methods it calls through self (what they return may
        # matter) and the statements of `__init__` that assign what it reads.
        by_name = {f.fn.name: k for k, f in funcs.items()}
        # `if self.m is None: self.m = ...` at the top of a method: what m is when read
        lazy = {k: found for k, f in funcs.items() if k != init
                for found in [[(j, a) for j, c in enumerate(f.children, 1)
                               for a in [_lazily_set(c)] if a]] if found}
        todo = list(kept)
        attrs: set[str] = set()
        while todo:  # a method is queued again only when it keeps more parts
            k = todo.pop()
            f = funcs[k]
            if len(kept[k]) == f.parts:
                attrs |= f.reads()
            else:
                reads = f.self_reads()
                for j in kept[k]:
                    attrs |= reads[j]
            for attr in attrs.intersection(by_name):
                callee = by_name[attr]
                if callee not in kept:
                    kept[callee] = funcs[callee].keep({0})
                    todo.append(callee)
            if init is not None and len(kept.get(init, ())) != funcs[init].parts:
                f = funcs[init]
                before = set(kept.get(init, ()))
                wanted = {j for j in range(1, f.parts) if j not in before and (
                    not f.words[j].isdisjoint(attrs)
                    or not f.self_reads()[j].isdisjoint(attrs))}
                if wanted:
                    kept[init] = f.keep(wanted | before)
                    if init not in todo:
                        todo.append(init)
            for setter, parts in lazy.items():
                before = set(kept.get(setter, ()))
                wanted = {j for j, a in parts if a in attrs and j not in before}
                if wanted:
                    kept[setter] = funcs[setter].keep(wanted | before)
                    if setter not in todo:
                        todo.append(setter)
        parts = [header] + [(_first_line(m), m.end_lineno) for k, m in enumerate(members)
                            if k not in funcs]
        out_words = header_words.union(*(w for k, w in enumerate(own) if k not in funcs))
        for k, chosen in kept.items():
            f = funcs[k]
            if len(chosen) == f.parts:
                parts.append(f.whole)
                out_words |= f.all_words
            else:
                parts.extend(f.span(j) for j in chosen)
                out_words.update(*(f.words[j] for j in chosen))
        # where the parsed class may be cut: kept members after the first that begin a line
        firsts = sorted(_first_line(m) for k, m in enumerate(members)
                        if (k not in funcs or k in kept) and k > 0
                        and members[k - 1].end_lineno < _first_line(m))
        if firsts and firsts[0] == min(_first_line(m) for k, m in enumerate(members)
                                       if k not in funcs or k in kept):
            firsts = firsts[1:]
        cuts = [(line, 1) for line in firsts]
        # and a long kept method at the kept statements of its body after the first
        for k, chosen in kept.items():
            f = funcs[k]
            if f.whole[1] - f.whole[0] > PIECE_LINES and not f.one_line:
                spans = [f.span(j) for j in chosen if j]
                cuts.extend((b[0], 2) for a, b in zip(spans, spans[1:]) if a[1] < b[0])
        self.members[_first_line(cls)] = sorted(cuts)
        return parts, out_words

    # ----------------------------------------------------------------- module
    def run(self) -> Optional[Selection]:
        self.lines = lines = physical_lines(self.source)
        code = physical_lines(self.code_text) if self.code_text is not self.source else lines
        if len(code) != len(lines):
            # a carriage return that the blanking joined to a line feed: the lines are
            # read as they are (more words, never fewer)
            code = lines
        self.code = code
        body, rules = self.body, self.rules
        targets = [_targets(stmt) for stmt in body]
        bound = Counter(name for names in targets for name in names)
        all_words: list[set[str]] = []
        keep = [False] * len(body)
        ranges: dict[int, list[tuple[int, int]]] = {}  # kept parts of definitions
        any_trigger = False
        seeded: set[int] = set()
        for i, stmt in enumerate(body):
            t = type(stmt)
            hit = False
            if t is ast.ClassDef and _first_line(stmt.body[0]) > stmt.lineno:
                found, words = self.class_parts(stmt, False)
                if found is not None:
                    ranges[i] = found
                    hit = True
            elif t in _DEFS:
                f = _Function(stmt, self.words_of, code)
                words = f.all_words
                chosen = self.function_parts(f, _nothing, set(), words)
                if chosen is not None:
                    hit = True
                    if len(chosen) < f.parts:
                        ranges[i] = [f.span(k) for k in chosen]
                        words = set().union(*(f.words[k] for k in chosen))
            elif _pure_data(stmt):
                words = set(targets[i])
            else:
                words = self.words_of(_first_line(stmt), stmt.end_lineno, targets[i])
                hit = self._hit(words) or rules.function_met(words) or bool(
                    self.module_any and not words.isdisjoint(self.module_any))
            if t in _DEFINITIONS:
                self.defined[stmt.name] = stmt
                if t is ast.ClassDef:
                    for alias in instance_names(stmt.name):
                        self.instances.setdefault(alias, []).append(stmt.name)
            all_words.append(words)
            if hit:
                any_trigger = True
                if t not in _DEFINITIONS:  # a kept function's callers need not be kept
                    self.tainted.update(targets[i])
                keep[i] = True
            elif _always_kept(stmt) or CONTEXT in words:
                keep[i] = True
            elif isinstance(stmt, _SCRIPT_STEPS) and not words.isdisjoint(rules.any_name):
                # one step of a script (`model = Net().half()`, `criterion = nn.BCELoss()`): the
                # statements that use what it binds are worth parsing, and it with them
                self.tainted.update(targets[i])
                keep[i] = True
        if not any_trigger:
            return None
        # Scripts and notebooks bind at module level what a kept statement uses
        # (`probs = F.softmax(x)` before `F.kl_div(probs, t)`): keep those bindings too.
        needed = set().union(*(w for w, k in zip(all_words, keep) if k))
        # A class kept for a member may be called too: then its `forward` is needed.
        candidates = [i for i, stmt in enumerate(body)
                      if (not keep[i] or i in ranges and type(stmt) is ast.ClassDef)
                      and targets[i] and not _inert(stmt, targets[i], bound)]
        grew = True
        while grew:  # each round keeps one more statement, or ends
            grew = False
            for i in candidates:
                stmt = body[i]
                if (not keep[i] or i in ranges and i not in seeded and type(stmt) is ast.ClassDef) \
                        and not needed.isdisjoint(targets[i]) \
                        and (type(stmt) not in _DEFINITIONS or self._returns_something(stmt)
                             or stmt.name in self.instance_classes):
                    keep[i] = grew = True
                    if type(stmt) is ast.ClassDef:
                        seeded.add(i)
                        found, words = self.class_parts(stmt, True)
                        if found is not None:
                            ranges[i], all_words[i] = found, all_words[i] | words
                        else:
                            ranges.pop(i, None)  # kept whole
                    elif type(stmt) in _DEFS:
                        f = _Function(stmt, self.words_of, code)
                        chosen = f.keep({0})
                        if len(chosen) < f.parts:
                            ranges[i] = [f.span(k) for k in chosen]
                            all_words[i] = set().union(*(f.words[k] for k in chosen))
                    needed |= all_words[i]
        if all(keep) and not ranges:
            return self._whole()
        kept = bytearray(len(lines) + 2)
        for i, stmt in enumerate(body):
            if keep[i]:
                for start, end in ranges.get(i) or [(_first_line(stmt), stmt.end_lineno)]:
                    kept[start:end + 1] = b"\x01" * (end + 1 - start)
        if all(kept[1:len(lines) + 1]):
            return self._whole()
        firsts = set(self._starts(i for i in range(len(body)) if keep[i]))
        cuts = dict(m for i in ranges if _first_line(body[i]) in firsts
                    for m in self.members.get(_first_line(body[i]), ()))
        cuts.update(m for i in range(len(body)) if keep[i] and i not in ranges
                    for m in self._long_cuts(i, firsts))
        parts, chunks, starts, members, at = [], [], [], {}, 1
        for i, line in enumerate(lines, 1):
            if kept[i]:
                if not kept[i - 1]:
                    chunks.append((at, i))
                if i in firsts:
                    starts.append(at)
                elif i in cuts:
                    members.setdefault(starts[-1], []).append((at, cuts[i]))
                parts.append(line if line.endswith(("\n", "\r")) else line + "\n")
                at += 1
        return Selection("".join(parts), chunks, starts, members)

    def _whole(self) -> Selection:
        """The whole module, kept."""
        starts = self._starts(range(len(self.body)))
        firsts = set(starts)
        members = {_first_line(self.body[i]): cuts for i in range(len(self.body))
                   for cuts in [self._long_cuts(i, firsts)] if cuts}
        return Selection(self.source, [(1, 1)], starts, members)

    def _long_cuts(self, i: int, firsts: set[int]) -> list[tuple[int, int]]:
        """Where top-level statement `i`, kept whole, may be cut for parsing when it is long
        (an `if` that holds an import and a fallback implementation, a long class): at
        the statements of its last block."""
        stmt = self.body[i]
        if _first_line(stmt) not in firsts or stmt.end_lineno - _first_line(stmt) <= PIECE_LINES:
            return []
        return _block_cuts(stmt)

    def _starts(self, chosen) -> list[int]:
        """The first lines of the chosen top-level statements that begin a line of their
        own (not `b = 2` in `a = (1,\n 2); b = 2`): where the text may be cut."""
        body, out = self.body, []
        for i in chosen:
            stmt = body[i]
            first = _first_line(stmt)
            if stmt.col_offset == 0 and (i == 0 or body[i - 1].end_lineno < first):
                out.append(first)
        return out

    def returned(self, definition: ast.stmt) -> set[str]:
        """The words of what a module-level function or class returns, read once."""
        words = self._returned.get(definition)
        if words is None:
            words = self._returned[definition] = _returned_words(definition, self.code)
        return words

    def _returns_something(self, definition: ast.stmt) -> bool:
        """Whether the words a function or class returns (`_returned_words`) name an
        operation some rule knows: what calling it gives may matter to a kept statement."""
        words = self.returned(definition)
        if not self.rules.any_word.isdisjoint(words) or not _ORIGIN_WORDS.isdisjoint(words):
            return True
        if definition not in self._ranged:
            self._ranged[definition] = _returns_range(definition, self.code)
        return self._ranged[definition]
