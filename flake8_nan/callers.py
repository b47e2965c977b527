"""The context a function runs in, read from where the module calls it.

A helper defined in a module and called only inside `with torch.no_grad():` (or from a
function decorated with it) computes no gradient, and one called only inside `with
torch.autocast(..., enabled=False):` runs its arithmetic in its inputs' own dtype, the
float32 such blocks are written for.  Both are read from the text of the whole module, so
that a pre-filtered parse knows what a full one does: the blocks by their indentation,
the calls by name (`helper(`, `self.helper(`).  A function inherits the context only where
every line of the module's code that names it (a call, or a use as a value) lies in such a
block.  `forward` and `__call__` are left out: code elsewhere calls them.

Inference code is gradient-free by its role as well: the body of a function named for
prediction, post-processing, tracking or generation (`predict_by_feat`, `post_process`,
`track`, `generate_beam`), and the methods of a metric or tracker class (by its name or a
base's).  Training calls
`loss`/`forward`, and evaluation frameworks run these under `no_grad`.
"""
from __future__ import annotations

import re
from .prefilter import code_of

_GRAD_OFF = r"(?:\bno_grad|\binference_mode)\s*\("
_AUTOCAST_OFF = r"\bautocast\s*\([^)]*\benabled\s*=\s*False"
_HINT = re.compile(r"no_grad|inference_mode|enabled\s*=\s*False|"
                   r"(?:def|class)\s+\w*(?:predict|inference|post_?process|track|generate|"
                   r"Metric|Tracker)|class\s+\w+\s*\([^)]*(?:Metric|Tracker)")
# a function named for inference, and a class whose every method is (model.definitions)
INFERENCE_DEF = re.compile(r"(?:\w*_)?(?:predict|inference|post_?process|track|generate)(?:_\w*)?")
INFERENCE_CLASS = re.compile(r"\w*(?:Metrics?|Tracker)")
# (a class is one by a base's name too: `class MeanIoU(torchmetrics.Metric)`)
_ROLE = re.compile(r"^([ \t]*)(?:def\s+(%s)\b|class\s+(?:%s\b|\w+\s*\([^)]*?\b%s\s*[,)]))" % (
    INFERENCE_DEF.pattern, INFERENCE_CLASS.pattern, INFERENCE_CLASS.pattern), re.M)
# a `with` statement or a decorator, up to the colon that opens its block (a decorator's
# block is the body of the `def` it decorates)
_OPENER = re.compile(r"^([ \t]*)(?:with\b|@)([^\n]*(?:\n(?!\1\S)[^\n]*){0,4})", re.M)
_WORD = re.compile(r"([A-Za-z_]\w*)(\s*\()?")
# (`def` first: a leading word boundary would be tried at every character)
_DEF = re.compile(r"def(?<!\wdef)\s+([A-Za-z_]\w*)")
# called from outside the module whatever the module does
_PUBLIC = frozenset({"forward", "__call__"})
ROUNDS = 3  # a helper of a helper: each round reaches one call deeper


def callers_of(source: str) -> tuple[frozenset, frozenset]:
    """The functions the module calls only where no gradient is taken, and those it calls
    only with autocast off."""
    if _HINT.search(source) is None:
        return frozenset(), frozenset()
    code = code_of(source)
    lines = code.splitlines()
    grad_off, autocast_off = _blocks(code, lines, _GRAD_OFF), _blocks(code, lines, _AUTOCAST_OFF)
    grad_off += [_block(lines, code.count("\n", 0, m.start())) for m in _ROLE.finditer(code)]
    if not grad_off and not autocast_off:  # the calls matter only where such a block is
        return frozenset(), frozenset()
    defined = {m.group(1) for m in _DEF.finditer(code)} - _PUBLIC
    calls = _uses(lines, defined)
    return _inherited(lines, calls, grad_off), _inherited(lines, calls, autocast_off)


def _uses(lines: list[str], defined: set[str]) -> dict[str, list[int]]:
    """Each function the module defines and the lines that call it, its definition aside;
    none for a function also used as a value (returned, passed, stored): it can be called
    anywhere."""
    found: dict[str, list[int]] = {}
    escaped = set()
    for number, line in enumerate(lines):
        header = _DEF.search(line)
        for word, call in _WORD.findall(line):
            if word not in defined or header is not None and word == header.group(1):
                continue
            if call:
                found.setdefault(word, []).append(number)
            else:
                escaped.add(word)
    return {name: at for name, at in found.items() if name not in escaped}


def _blocks(code: str, lines: list[str], opener: str) -> list[tuple[int, int]]:
    """The lines of the blocks that `opener` opens (a `with` or a decorator)."""
    pattern = re.compile(opener)
    spans = []
    for m in _OPENER.finditer(code):
        if pattern.search(m.group(2)):
            first = code.count("\n", 0, m.start())
            spans.append(_block(lines, first))
    return spans


def _inherited(lines: list[str], calls: dict, blocks: list[tuple[int, int]]) -> frozenset:
    spans = list(blocks)
    names: set[str] = set()
    for _ in range(ROUNDS):
        inside = {n for n, at in calls.items() if n not in names and
                  all(any(a <= line < b for a, b in spans) for line in at)}
        if not inside:
            break
        names |= inside
        spans += [_block(lines, number) for number, line in enumerate(lines)
                  if (d := _DEF.search(line)) is not None and d.group(1) in inside]
    return frozenset(names)


def _block(lines: list[str], first: int) -> tuple[int, int]:
    """The lines of the block opened at line `first` (its header may run over several
    lines): those indented deeper than the header, blank ones between them included."""
    indent = len(lines[first]) - len(lines[first].lstrip())
    end = first + 1
    # the header ends at the first line whose code ends in a colon
    while end < len(lines) and not lines[end - 1].rstrip().endswith(":"):
        end += 1
    last = end
    for number in range(end, len(lines)):
        text = lines[number]
        if not text.strip():
            continue
        if len(text) - len(text.lstrip()) <= indent:
            break
        last = number + 1
    return first, last
