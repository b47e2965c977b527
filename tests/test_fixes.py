"""Fixes: expected output per fix, idempotence, and the proofs after fixing."""
import ast

import pytest

from flake8_nan.engine import Options, check_source
from flake8_nan.fixes import fix_source
from flake8_nan.proofs import outcome
from flake8_nan.registry import RULES
from fixture_expectations import FIXTURES

PAIRS = sorted(p for p in (FIXTURES / "fixes").glob("*.py") if not p.name.endswith(".fixed.py"))
FIXABLE = [r for r in RULES if r.fix_safety]
STRICT = Options(strict=True)


def mode(source):
    first = source.splitlines()[0]
    assert first in ("# fix: safe", "# fix: unsafe"), "fix fixtures start with their mode"
    return first.endswith("unsafe")


@pytest.mark.parametrize("path", PAIRS, ids=[p.stem for p in PAIRS])
def test_fix_gives_the_expected_output(path):
    source = path.read_text(encoding="utf-8")
    expected = path.with_name(path.stem + ".fixed.py").read_text(encoding="utf-8")
    # the rewriting is under test: nan-strict, so that values of unknown range count too
    fixed = fix_source(source, RULES, STRICT, unsafe=mode(source))
    assert fixed.source == expected
    compile(fixed.source, str(path), "exec")
    assert fix_source(fixed.source, RULES, STRICT, unsafe=mode(source)).source == fixed.source


@pytest.mark.parametrize("path", [*PAIRS, *sorted(FIXTURES.glob("NAN*.py")),
                                  FIXTURES / "seed_cases.py"], ids=lambda p: p.name)
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_fixing_twice_equals_fixing_once(path, unsafe):
    once = fix_source(path.read_text(encoding="utf-8"), RULES, unsafe=unsafe).source
    ast.parse(once)
    assert fix_source(once, RULES, unsafe=unsafe).source == once


def test_safe_fixes_leave_unsafe_code_alone():
    source = "import torch\ndef f(p):\n    return torch.log(p)\n"
    assert fix_source(source, RULES, unsafe=False).source == source


@pytest.mark.parametrize("rule", FIXABLE, ids=[r.code for r in FIXABLE])
def test_fixed_bad_example_runs_finite(rule):
    pytest.importorskip("torch")
    fixed = fix_source(rule.bad, RULES, unsafe=rule.fix_safety == "unsafe")
    if not fixed.changed:
        pytest.skip(f"{rule.code}: its documented example has no mechanical fix")
    assert rule.code not in {r.code for r in check_source(fixed.source)}

    class Fixed(rule):
        bad = fixed.source
        good = fixed.source
    ok, shown = outcome(Fixed, "good")
    assert ok, f"{rule.code}: after the fix the example {shown}"


def test_fix_fixture_pairs_exist():
    assert PAIRS and all(p.with_name(p.stem + ".fixed.py").exists() for p in PAIRS)


@pytest.mark.parametrize("path", sorted(p.name for p in FIXTURES.glob("frameworks_*.py")))
def test_no_rewrite_in_other_frameworks(path):
    """The rewrites are written in PyTorch's spelling: other frameworks get messages only."""
    source = (FIXTURES / path).read_text()
    assert not fix_source(source, RULES, unsafe=True).changed
