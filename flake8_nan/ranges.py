"""Value ranges: what the model knows of a value's sign, and why.

A rule that reports on evidence needs more than "not provably positive": it
needs the reason a value can reach 0 (a softmax output underflows, an empty
mask sums to 0) or why it cannot (a clamp, a sum of exps).  A `Range` is that
fact, with the reason in words a message can quote.  It is derived from the
origin the model records for a value (`of_origin`), from a name that says
what the value is when nothing else is known (`of_name`), and from the
precision in play (`Precision`): an exp is positive in float32 practice but
underflows to 0 in float16 below -17.

The ranges form a small lattice: `join` is what a value is when it may come
from either of two places (branches of an `if`); `UNKNOWN` knows nothing.
Rules ask `Model.value_range(expr)` and report by default only where a
`zero` or `negative` reason is given; the strict level also reports where
the range is merely unknown.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Optional


@dataclass(frozen=True)
class Range:
    positive: bool = False  # > 0 by construction: safe under a log and a division
    nonzero: bool = False  # != 0 (a positive value is): safe to divide by
    zero: Optional[str] = None  # evidence that it reaches 0, for a message
    negative: Optional[str] = None  # evidence that it can be below 0
    unit: bool = False  # within [0, 1]: a probability
    count: bool = False  # an integer count
    mask: bool = False  # a boolean mask or comparison
    overflow: Optional[str] = None  # evidence that it can exceed float16's 65504
    # "tensor", "numpy" or "python" where known: float16 arithmetic is a tensor's only
    host: Optional[str] = None
    wide: bool = False  # cast to float32 or float64: an eps survives next to it
    constant: bool = False  # no gradient flows through it (detached, a count, a mask)
    # written in place since it was bound (`acc[i] = v`): what made it says nothing more
    written: bool = False
    # at most 0 (`x - x.max()`, `-x ** 2`): an exp of it cannot overflow
    capped: bool = False

    @property
    def reaches_zero(self) -> Optional[str]:
        """The reason it can be 0, unless it is known not to be."""
        return None if self.positive or self.nonzero else self.zero

    @property
    def nonnegative(self) -> bool:
        """At least 0: positive, a probability, a count or mask, or a value that reaches
        0 for a reason that keeps it there or above (a square, a ReLU, a norm)."""
        return self.positive or self.unit or self.count or self.mask or \
            self.zero in _NONNEGATIVE_ZERO

    @property
    def known(self) -> bool:
        return self != UNKNOWN

    @property
    def signed(self) -> bool:
        """Whether it says anything of the value's sign or size, beyond its kind and dtype."""
        return self.positive or self.nonzero or self.unit or self.count or self.mask or \
            self.written or bool(self.zero or self.negative)


UNKNOWN = Range()
POSITIVE = Range(positive=True, nonzero=True)
NONZERO = Range(nonzero=True)


def join(a: Range, b: Range) -> Range:
    """What a value is that may be either `a` or `b`: safe only where both are, and
    at risk where either is."""
    return Range(positive=a.positive and b.positive, nonzero=a.nonzero and b.nonzero,
                 zero=a.zero or b.zero, negative=a.negative or b.negative,
                 unit=a.unit and b.unit, count=a.count and b.count, mask=a.mask and b.mask,
                 overflow=a.overflow or b.overflow, host=_either_host(a.host, b.host),
                 wide=a.wide and b.wide, constant=a.constant and b.constant,
                 capped=a.capped and b.capped)


def _either_host(a: Optional[str], b: Optional[str]) -> Optional[str]:
    """A tensor on one path and a value of unknown kind on the other can be a tensor."""
    if a is None or b is None:
        return a or b
    return a if a == b else None


@dataclass(frozen=True)
class Precision:
    """The precision a module's arithmetic can run in: float16 is reachable where the
    module casts to it, names it, or uses autocast or a GradScaler."""
    float16: bool = False
    # `torch.set_default_dtype(torch.float16)`: a factory without a dtype makes float16
    default_half: bool = False
    # functions the module calls only under no_grad, and only with autocast off
    no_grad_callees: frozenset = frozenset()
    autocast_off_callees: frozenset = frozenset()


# Origin kinds (see model.Origin) whose value reaches 0, with the reason.
_ZERO = {
    "softmax": "a softmax output, which underflows to 0 for a logit far below the row's maximum",
    "sigmoid": "a sigmoid output, which underflows to 0 below about -88 in float32",
    "relu": "a ReLU output, 0 for every negative input",
    "abs": "an absolute value, 0 where its input is",
    "square": "a square, 0 where its input is",
    "norm": "a norm, 0 for an all-zero input",
    "std": "a standard deviation, 0 for a constant input",
    "var": "a variance, 0 for a constant input",
    "count": "a count of a mask, 0 when the mask is empty",
    "zeros": "a tensor of zeros",
    "difference": "a difference, 0 where its two sides are equal",
    "minmax": "a max minus a min, 0 for a constant input",
    "mse_loss": "a mean squared error, 0 for identical inputs",
    "pairwise_distance": "a distance, 0 for identical points",
    "cdist": "a distance, 0 for identical points",
    "rand": "a uniform random value in [0, 1), which can be exactly 0",
    "clamped_at_0": "a value clamped at 0 from below, 0 wherever it was not positive",
    "arange": "a range that starts at or below 0, which holds 0",
}
_POSITIVE_KINDS = frozenset({"softplus"})
_UNIT = frozenset({"softmax", "sigmoid"})
_NEGATIVE = {"difference": "a difference, negative where its right side is larger",
             "cosine": "a cosine similarity, negative for vectors more than 90 degrees apart",
             "log": "a log, negative below 1",
             "randn": "a normal random value, negative about half the time"}
_OVERFLOW = {"exp": "an exp, beyond float16's 65504 above 11"}
_NONNEGATIVE_ZERO = frozenset(_ZERO[k] for k in _ZERO if k not in ("difference", "arange"))


def of_origin(kind: Optional[str], positive: bool = False,
              precision: Precision = Precision()) -> Range:
    """The range of a value whose origin has `kind` (and `positive`, see model.Origin):
    the values a single operation gives.  Positivity the model proved wins over any
    reason to reach 0, except an exp's in float16."""
    if kind is None:
        return UNKNOWN
    if positive or kind in _POSITIVE_KINDS:
        if kind == "exp" and precision.float16:
            return Range(zero="an exp, which underflows to 0 below about -17 in float16",
                         overflow=_OVERFLOW["exp"])
        return replace(POSITIVE, overflow=_OVERFLOW.get(kind))
    if kind == "bool":
        return Range(mask=True, zero="a mask, 0 where its test fails")
    if kind in _ZERO:
        return Range(zero=_ZERO[kind], negative=_NEGATIVE.get(kind), unit=kind in _UNIT,
                     count=kind == "count")
    if kind in _NEGATIVE:
        return Range(negative=_NEGATIVE[kind])
    return UNKNOWN


def summed(terms: Range, kind: str = "sum") -> Range:
    """A sum (or mean) over the values `terms`: a count where they are a mask, 0 where
    every term can be, positive where every term is."""
    if terms.positive:
        return POSITIVE
    if terms.mask:
        return Range(count=kind == "sum", zero=terms.zero and (
            f"a {'count' if kind == 'sum' else 'mean'} of {noun(terms.zero)}, 0 when it is all "
            "False"))
    if terms.zero and not terms.negative:
        # probabilities too: a class's mass summed over time steps is 0 where it underflows
        # at every step (a class absent from the image)
        return Range(zero=f"a {kind} over {noun(terms.zero)}, 0 where every term is",
                     count=terms.count)
    return UNKNOWN


def one_minus(p: Range) -> Range:
    """`1 - p`: 0 where a probability is 1."""
    if p.unit:
        return Range(unit=True, zero=f"1 - p of {noun(p.zero)}, 0 where p rounds to 1")
    return UNKNOWN


def noun(reason: Optional[str]) -> str:
    """The noun of a reason: "a softmax output" of "a softmax output, which underflows"."""
    return (reason or "a value").split(",")[0]


def phrase(reason: str) -> str:
    """A reason as a message says it: "a ReLU output (0 for every negative input)"."""
    head, comma, rest = reason.partition(", ")
    return f"{head} ({rest})" if comma else head


# Names that say what a value is, read only where nothing else is known of it.
_PROBABILITY_NAME = re.compile(r"(?:^|_)(?:probs?|probabilit(?:y|ies)|likelihoods?|pt|p_t)(?:$|_)",
                               re.I)
_PER_BATCH_NAME = re.compile(r"(?:^|_)(?:adv|advs|advantages?|returns?|rewards?)(?:$|_)", re.I)
_MASK_NAME = re.compile(r"(?:^|_)(?:mask|masks)(?:$|_)", re.I)


def names_probability(name: str) -> bool:
    return _PROBABILITY_NAME.search(name) is not None


def names_per_batch(name: str) -> bool:
    """`advantages`, `norm_rewards`: a quantity of one minibatch, which can hold one element."""
    return _PER_BATCH_NAME.search(name) is not None


def names_loss(function: str, cls: str = "") -> bool:
    """A function named for a loss (`gwd_loss`, `loss_fn`), or the `forward` (`__call__`) of
    a class named for one (`ContrastiveLoss`): the model's `in_loss` and the pre-filter's
    IN_LOSS read the same names."""
    return "loss" in function.lower() or function in ("forward", "__call__") and "loss" in cls.lower()


def names_mask(name: str) -> bool:
    return _MASK_NAME.search(name) is not None


def of_name(name: str) -> Range:
    """`probs`, `p_fake_prob`, `likelihood`: a probability, which can be 0; `mask`,
    `attn_mask`: a mask."""
    if _PROBABILITY_NAME.search(name):
        return Range(unit=True, zero=f"a probability named {name}, which can be 0")
    if _MASK_NAME.search(name):
        # a mask, but no evidence that a row of it can be empty: most masks named so mark
        # the real tokens of padded sequences, and every sequence holds one
        return Range(mask=True)
    return UNKNOWN
