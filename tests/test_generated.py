"""Generated programs: random valid Python and mutated fixtures never break the checker."""
import ast

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402

from flake8_nan.budget import Stopped, seconds_for, time_limit  # noqa: E402
from flake8_nan.fixes import fix_source  # noqa: E402
from flake8_nan.registry import RULES  # noqa: E402
from fixture_expectations import (  # noqa: E402
    FIXTURES, LIMIT_PER_1000_LINES, fixture_files, lint, rule_sets)

SOURCES = [p.read_text(encoding="utf-8") for p in fixture_files()]
TOKENS = ["torch.log(", "(", ")", ".sum()", "/", "+ 1e-10", "self.eps", "F.softmax(x, -1)",
          "\n", "    ", ":", "=", ",", "log_target=True", "BertModel", "lambda x:", "[", "]",
          "'", '"""', "\\", "#", "if x:", "def f(p):", "class C:", "import torch"]


def exercise(source: str) -> None:
    """Every entry point on one source, with the rules on by default and with every
    rule, each under the test time limit: none may raise or run past it; the fast path
    reports what the full parse reports; fixes must stay valid and stable."""
    fast = {name: lint(source, rules) for name, rules in rule_sets().items()}
    for reports in fast.values():
        assert all(r.code != "NAN000" for r in reports), reports
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    try:  # `return` outside a function parses but does not compile
        compile(source, "<source>", "exec")
        valid = compile
    except (SyntaxError, ValueError):
        valid = ast.parse
    for name, rules in rule_sets().items():
        assert fast[name] == lint(source, rules, full=True), name
    for unsafe in (False, True):
        once = fixed(source, unsafe)
        valid(once, "<fixed>", "exec") if valid is compile else valid(once)
        assert fixed(once, unsafe) == once


def fixed(source: str, unsafe: bool) -> str:
    try:
        with time_limit(seconds_for(source, LIMIT_PER_1000_LINES)):
            return fix_source(source, RULES, unsafe=unsafe).source
    except Stopped:
        pytest.fail(f"fixing ran past {LIMIT_PER_1000_LINES} s per 1,000 lines")


@st.composite
def mutated_fixture(draw):
    lines = draw(st.sampled_from(SOURCES)).splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "cut"]))
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(0, len(lines) - 1))
        if action == "delete" and len(lines) > 1:
            del lines[i]
        elif action == "duplicate":
            lines.insert(j, lines[i])
        elif action == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "insert":
            line = lines[i]
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at] + draw(st.sampled_from(TOKENS)) + line[at:]
        elif action == "cut":
            line = lines[i]
            a = draw(st.integers(0, len(line)))
            lines[i] = line[:a] + line[draw(st.integers(a, len(line))):]
    return "".join(lines)


@given(mutated_fixture())
def test_mutated_fixtures(source):
    exercise(source)


def test_fixture_files_themselves():
    for source in SOURCES:
        exercise(source)


hypothesmith = pytest.importorskip("hypothesmith")


@given(hypothesmith.from_node())
def test_random_valid_programs(source):
    exercise(source)


@given(hypothesmith.from_grammar())
def test_random_grammar_programs(source):
    exercise(source)


def test_fixtures_folder_exists():
    assert FIXTURES.is_dir()
