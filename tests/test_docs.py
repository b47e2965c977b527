"""Rule documentation: complete for every rule, generated, and not stale."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flake8_nan import docs
from flake8_nan.registry import RULES

ROOT = Path(__file__).resolve().parent.parent
IDS = [r.code for r in RULES]


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_rule_data_is_complete(rule):
    for field in ("code", "summary", "why", "bad", "good", "fix"):
        assert str(getattr(rule, field, "")).strip(), f"{rule.code}: empty {field}"
    assert rule.fix_safety in ("safe", "unsafe", None)
    assert rule.claim in ("nonfinite", "differs", "raises")
    assert rule.bad != rule.good
    assert rule.triggers, f"{rule.code}: no trigger words, the pre-filter would skip it"


def test_checked_in_reference_is_fresh():
    on_disk = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert on_disk == docs.render_all(), \
        "docs/rules.md is stale: run `flake8-nan docs > docs/rules.md`"


def test_readme_table_lists_every_code_and_links_the_reference():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/rules.md" in readme
    for rule in RULES:
        assert f"| {rule.code} " in readme or f"[{rule.code}]" in readme, rule.code


def _cli(*args):
    exe = shutil.which("flake8-nan")
    cmd = [exe] if exe else [sys.executable, "-m", "flake8_nan.cli"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True)


def test_rules_command_lists_every_code():
    out = _cli("rules")
    assert out.returncode == 0
    assert [line.split()[0] for line in out.stdout.splitlines()] == IDS


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_rule_command_prints_the_page(rule):
    out = _cli("rule", rule.code.lower())
    assert out.returncode == 0
    assert out.stdout.startswith(f"## {rule.code}: {rule.summary}")
    assert rule.bad.splitlines()[-1] in out.stdout and rule.good.splitlines()[-1] in out.stdout


def test_unknown_rule_is_a_clear_error():
    out = _cli("rule", "NAN999")
    assert out.returncode == 2 and "unknown rule" in out.stderr and "Traceback" not in out.stderr
