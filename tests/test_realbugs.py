"""The yardstick of real NaN/inf bugs (benchmarks/realbugs): well formed, linted with
both rule sets under the time limit, and no fixed file draws its bug's own code from
the rules on by default."""
import sys
from pathlib import Path

import pytest

from fixture_expectations import lint, rule_sets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import realbugs  # noqa: E402

CASES = realbugs.load()


def test_there_are_enough_cases_from_each_framework():
    assert len(CASES) >= 60
    for prefix in ("torch_", "np_", "jax_", "tf_"):
        assert sum(c["slug"].startswith(prefix) for c in CASES) >= 4, prefix


@pytest.mark.parametrize("case", CASES, ids=[c["slug"] for c in CASES])
def test_fixed_files_hold_no_report_of_their_bug(case):
    own = {code for _, code in case["expected"]} - case["residual"]
    for name, rules in rule_sets().items():
        lint(case["bad"], rules)
        left = [r for r in lint(case["fixed"], rules) if r.code in own]
        if name == "default":
            assert not left, left
