"""Every rule's documented examples, executed on real PyTorch and linted.

The bad example must show the hazard the rule claims and be reported by the
rule; the good example must run finite and not be reported.  These are the
very strings the rule docs print.
"""
import os

import pytest

from flake8_nan.engine import check_source
from flake8_nan.registry import RULES

try:
    import torch
except ImportError:  # pragma: no cover - CI must have torch
    torch = None

needs_torch = pytest.mark.skipif(
    torch is None and not os.environ.get("CI"),
    reason="PyTorch is not installed: pip install torch==2.13.0 (CPU build) to run the proofs")

IDS = [r.code for r in RULES]


def run(code):
    if torch is None:
        pytest.fail("CI=true but PyTorch is missing: the proofs must run in CI")
    namespace = {"__name__": "proof"}
    exec(compile(code, "<example>", "exec"), namespace)  # noqa: S102 - our own examples
    return namespace


def finite(value):
    if isinstance(value, (tuple, list)):
        return all(finite(v) for v in value)
    value = torch.as_tensor(value)
    return bool(torch.isfinite(value).all())


def close(a, b):
    return torch.allclose(torch.as_tensor(a).float(), torch.as_tensor(b).float(), atol=1e-4)


@needs_torch
@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_bad_example_shows_the_hazard(rule):
    if rule.claim == "raises":
        assert rule.raises, f"{rule.code}: claim 'raises' needs the exception text"
        with pytest.raises(Exception) as info:
            run(rule.bad)
        assert rule.raises in f"{type(info.value).__name__}: {info.value}"
        return
    ns = run(rule.bad)
    assert "out" in ns, f"{rule.code}: the bad example must set `out`"
    if rule.claim == "nonfinite":
        assert not finite(ns["out"]), f"{rule.code}: bad example stayed finite: {ns['out']}"
    else:
        assert rule.claim == "differs", rule.claim
        assert not close(ns["out"], ns["ref"]), f"{rule.code}: bad example matched its reference"


@needs_torch
@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_good_example_stays_finite(rule):
    ns = run(rule.good)
    assert finite(ns["out"]), f"{rule.code}: fixed example is not finite: {ns['out']}"
    if rule.claim == "differs":
        assert close(ns["out"], ns["ref"])


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_examples_are_linted_as_documented(rule):
    assert rule.code in {r.code for r in check_source(rule.bad)}, f"{rule.code}: bad not reported"
    assert rule.code not in {r.code for r in check_source(rule.good)}, f"{rule.code}: good reported"
