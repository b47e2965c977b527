"""Every fixture, linted by the real flake8, gives exactly the expected reports."""
import subprocess
import sys

import pytest

from flake8_nan.registry import RULES
from fixture_expectations import compare, expected, fixture_files, lint, rule_sets

FILES = fixture_files()


OFF_BY_DEFAULT = ",".join(r.code for r in RULES if not r.default_enabled)


def flake8_reports(path, *extra):
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "NAN", "--nan-strict",
         *(["--extend-select", OFF_BY_DEFAULT] if OFF_BY_DEFAULT else []),
         "--format", "%(row)d|%(col)d|%(code)s", *extra, str(path)],
        capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    out = []
    for line in proc.stdout.splitlines():
        row, col, code = line.split("|")
        out.append((int(row), code, int(col)))
    return out


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_fixture(path):
    """Under flake8, every rule selected and nan-strict: every expectation of the file."""
    expect = expected(path, strict=True)
    assert expect, f"{path.name} has no expectations: a fixture must be able to fail"
    problems = compare(expect, flake8_reports(path))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("rules", ["default", "all"])
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_the_level_on_by_default_reports_exactly_its_expectations(path, rules):
    """What a user gets without nan-strict: the `error:` expectations of the codes in use,
    no more and no less (in process, under the test time limit).  With the rules on by
    default, that is what a user gets without naming any rule."""
    chosen = rule_sets()[rules]
    codes = {r.code for r in chosen}
    expect = [e for e in expected(path) if e[1] in codes]
    got = [(r.line, r.code, r.col + 1) for r in lint(path.read_text(encoding="utf-8"), chosen)]
    problems = compare(expect, got)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("strict", [False, True], ids=["evidence", "strict"])
@pytest.mark.parametrize("rules", ["default", "all"])
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_fast_path_equals_full_parse(path, rules, strict):
    source = path.read_text(encoding="utf-8")
    chosen = rule_sets()[rules]
    assert lint(source, chosen, strict=strict) == lint(source, chosen, full=True, strict=strict)


def test_every_rule_has_a_fixture_reported_at_the_level_on_by_default():
    names = " ".join(p.read_text() for p in FILES)
    for rule in RULES:
        assert f"error: {rule.code}" in names or f", {rule.code}" in names, rule.code


def test_expectations_read_both_levels(tmp_path):
    path = tmp_path / "f.py"
    path.write_text("x = 1  # error: NAN104:9  # strict: NAN101:9, NAN201\n")
    assert expected(path) == [(1, "NAN104", 9)]
    assert expected(path, strict=True) == [(1, "NAN104", 9), (1, "NAN101", 9), (1, "NAN201", None)]


def test_compare_detects_missing_and_extra():
    assert compare([(1, "NAN101", 9)], [(1, "NAN101", 9)]) == []
    assert compare([(1, "NAN101", 9)], []) == ["missing NAN101 at 1:9"]
    assert compare([], [(2, "NAN201", 3)]) == ["unexpected NAN201 at 2:3"]
    assert compare([(1, "NAN101", 9)], [(1, "NAN101", 10)]) != []


def _sample():
    from real_sample import sample_files
    return sample_files()


@pytest.mark.parametrize("rules", ["default", "all"])
@pytest.mark.parametrize("path", _sample(), ids=lambda p: p.name)
def test_fast_path_equals_full_parse_on_real_code(path, rules):
    source = path.read_text(encoding="utf-8")
    chosen = rule_sets()[rules]
    assert lint(source, chosen) == lint(source, chosen, full=True)
