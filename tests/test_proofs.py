"""Every rule's documented examples, executed on real PyTorch and linted.

The bad example must show the hazard the rule claims and be reported by the
rule; the good example must run finite and not be reported.  These are the
very strings the rule docs print.
"""
import os

import pytest

from flake8_nan.engine import check_source
from flake8_nan.proofs import outcome
from flake8_nan.registry import RULES

try:
    import torch  # noqa: F401
except ImportError:
    torch = None

IDS = [r.code for r in RULES]


@pytest.fixture(autouse=True)
def _torch_required(request):
    if "lint" in request.node.name or torch is not None:
        return
    if os.environ.get("CI"):
        pytest.fail("CI=true but PyTorch is missing: the proofs must run in CI")
    pytest.skip("PyTorch is not installed: pip install torch==2.13.0 (CPU build) to run the proofs")


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_bad_example_shows_the_hazard(rule):
    ok, shown = outcome(rule, "bad")
    assert ok, f"{rule.code}: the bad example should show {rule.claim!r}, but it {shown}"


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_good_example_stays_finite(rule):
    ok, shown = outcome(rule, "good")
    assert ok, f"{rule.code}: the fixed example should run finite, but it {shown}"


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_examples_are_linted_as_documented(rule):
    assert rule.code in {r.code for r in check_source(rule.bad)}, f"{rule.code}: bad not reported"
    assert rule.code not in {r.code for r in check_source(rule.good)}, f"{rule.code}: good reported"


MORE = [(rule, example) for rule in RULES for example in rule.more]
MORE_IDS = [f"{rule.code}-{i}" for i, (rule, _) in enumerate(MORE)]


@pytest.mark.parametrize("rule,example", MORE, ids=MORE_IDS)
def test_more_examples_show_the_hazard_and_the_fix(rule, example):
    ok, shown = outcome(rule, "bad", example=example)
    assert ok, f"{rule.code}: {example.what!r} should show {example.claim!r}, but it {shown}"
    ok, shown = outcome(rule, "good", example=example)
    assert ok, f"{rule.code}: {example.what!r} fixed should run finite, but it {shown}"


@pytest.mark.parametrize("rule,example", MORE, ids=MORE_IDS)
def test_more_examples_are_linted_as_documented(rule, example):
    assert rule.code in {r.code for r in check_source(example.bad)}, f"{rule.code}: bad not reported"
    assert rule.code not in {r.code for r in check_source(example.good)}, f"{rule.code}: good reported"


class _Fake:
    code = "NAN999"
    claim = "nonfinite"
    raises = ""
    bad = "import torch\nout = torch.tensor([1.0])\n"
    good = "import torch\nout = torch.log(torch.tensor([0.0]))\n"


def test_a_safe_bad_example_or_a_nan_good_example_fails_the_proof():
    assert outcome(_Fake, "bad")[0] is False
    assert outcome(_Fake, "good")[0] is False


def test_each_hazard_of_an_example_with_two_is_shown():
    """NAN502's example holds two hazards, a singular branch (x) and an overflowing one
    (y): each gradient is NaN in the bad example and finite in the fixed one, so neither
    half rides on the other's proof."""
    from flake8_nan.proofs import execute, finite
    rule = next(r for r in RULES if r.code == "NAN502")
    bad, good = execute(rule.bad)["out"], execute(rule.good)["out"]
    assert len(bad) == len(good) == 2
    assert not any(finite(g) for g in bad), bad
    assert all(finite(g) for g in good), good
    lines = {r.line for r in check_source(rule.bad) if r.code == "NAN502"}
    assert lines == {3, 5}, lines
