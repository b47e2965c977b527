"""The plugin as flake8 users meet it: version, stdin, noqa, config, E999."""
import subprocess
import sys
import textwrap

import libcst as cst

from flake8_nan.engine import Options, run_rules
from flake8_nan.registry import RULES
from flake8_nan.rules.base import Rule
from fixture_expectations import FIXTURES

SOURCE = textwrap.dedent("""\
    import torch


    def f(probs, h):
        a = torch.log(probs)
        b = h / (h.norm(dim=-1) + 1e-8)
        return a, b
    """)


# NAN101 and NAN301, which SOURCE shows, are on by default (it gives their evidence: a
# probability, tensor arithmetic); naming their families turns on the rest of them too.
OPT_IN = ("--extend-select", "NAN1,NAN3")


def flake8(*args, cwd=None, stdin=None):
    return subprocess.run([sys.executable, "-m", "flake8", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True)


def codes(output):
    return [line.split(": ", 1)[1].split()[0] for line in output.splitlines() if ": " in line]


def test_version_names_plugin():
    assert "flake8-nan" in flake8("--version").stdout


def test_stdin_reports_the_same_as_the_file():
    path = FIXTURES / "NAN301.py"
    on_file = flake8("--isolated", "--select", "NAN", *OPT_IN, str(path)).stdout
    on_stdin = flake8("--isolated", "--select", "NAN", *OPT_IN, "--stdin-display-name", str(path), "-",
                      stdin=path.read_text()).stdout
    assert on_file and on_file == on_stdin


def test_noqa_silences_one_code(tmp_path):
    src = SOURCE.replace("torch.log(probs)", "torch.log(probs)  # noqa: NAN101")
    (tmp_path / "m.py").write_text(src)
    out = flake8("--isolated", "--select", "NAN", *OPT_IN, "m.py", cwd=tmp_path).stdout
    assert codes(out) == ["NAN301"]


def test_select_and_extend_ignore(tmp_path):
    (tmp_path / "m.py").write_text(SOURCE)
    assert codes(flake8("--isolated", "--select", "NAN", *OPT_IN, "m.py", cwd=tmp_path).stdout) == \
        ["NAN101", "NAN301"]
    assert codes(flake8("--isolated", "--select", "NAN", *OPT_IN, "--extend-ignore", "NAN101", "m.py",
                        cwd=tmp_path).stdout) == ["NAN301"]


def test_min_eps_from_setup_cfg(tmp_path):
    (tmp_path / "m.py").write_text(SOURCE)
    assert "NAN301" in flake8("--select", "NAN", *OPT_IN, "m.py", cwd=tmp_path).stdout
    (tmp_path / "setup.cfg").write_text("[flake8]\nnan-min-eps = 1e-9\n")
    assert "NAN301" not in flake8("--select", "NAN", *OPT_IN, "m.py", cwd=tmp_path).stdout
    (tmp_path / "setup.cfg").write_text("[flake8]\nnan-min-eps = 1e-3\n")
    (tmp_path / "m.py").write_text(SOURCE.replace("1e-8", "1e-4"))
    assert "NAN301" in flake8("--select", "NAN", *OPT_IN, "m.py", cwd=tmp_path).stdout


def test_min_eps_on_command_line_and_bad_value(tmp_path):
    (tmp_path / "m.py").write_text(SOURCE)
    assert "NAN301" not in flake8("--isolated", "--select", "NAN", *OPT_IN, "--nan-min-eps", "1e-9",
                                  "m.py", cwd=tmp_path).stdout
    bad = flake8("--isolated", "--nan-min-eps", "abc", "m.py", cwd=tmp_path)
    assert bad.returncode != 0 and "nan-min-eps" in bad.stderr and "Traceback" not in bad.stderr


def test_syntax_error_gives_only_e999(tmp_path):
    (tmp_path / "m.py").write_text("import torch\ntorch.log(p\n")
    out = flake8("--isolated", "--select", "E999,NAN", "m.py", cwd=tmp_path).stdout
    assert codes(out) == ["E999"]


class Exploding(Rule):
    code = "NAN999"

    def visit_Call(self, node):
        raise RuntimeError("boom")


def test_a_failing_rule_is_reported_once_and_others_still_run():
    module = cst.parse_module(SOURCE)
    reports = run_rules(module, (*RULES, Exploding), Options())
    internal = [r for r in reports if r.code == "NAN000"]
    assert len(internal) == 1 and "Exploding" in internal[0].message
    assert (internal[0].line, internal[0].col) == (5, 8)  # the first call it met: torch.log(probs)
    assert {r.code for r in reports} == {"NAN000", "NAN101", "NAN301"}


def test_pyproject_config_through_flake8_pyproject(tmp_path):
    import pytest
    pytest.importorskip("flake8p", reason="Flake8-pyproject is a test dependency")
    (tmp_path / "m.py").write_text(SOURCE)
    (tmp_path / "pyproject.toml").write_text("[tool.flake8]\nnan-min-eps = 1e-9\n")
    assert codes(flake8("--select", "NAN", *OPT_IN, "m.py", cwd=tmp_path).stdout) == ["NAN101"]


def test_per_file_ignores(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "m.py").write_text(SOURCE)
    (tmp_path / "m.py").write_text(SOURCE)
    (tmp_path / "setup.cfg").write_text("[flake8]\nextend-select = NAN1,NAN3\n"
                                        "per-file-ignores =\n    tests/*: NAN101\n")
    out = flake8("--select", "NAN", ".", cwd=tmp_path).stdout
    assert sorted(codes(out)) == ["NAN101", "NAN301", "NAN301"]
    standalone = subprocess.run([sys.executable, "-m", "flake8_nan.cli", "check", "."],
                                cwd=tmp_path, capture_output=True, text=True).stdout
    assert sorted(codes(standalone)) == ["NAN101", "NAN301", "NAN301"]


def test_opinionated_rules_are_off_unless_named(tmp_path):
    (tmp_path / "m.py").write_text(
        "import torch\n\n\ndef train(model, x):\n"
        "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "    loss = model(x).sum()\n    loss.backward()\n"
        "    optimizer.step()\n\n\ndef my_loss(x):\n    return (x ** 2).sum()\n")
    assert codes(flake8("--isolated", "m.py", cwd=tmp_path).stdout) == []
    assert codes(flake8("--isolated", "--select", "NAN", "m.py", cwd=tmp_path).stdout) == []
    assert codes(flake8("--isolated", "--select", "NAN", "--extend-select", "NAN603,NAN604",
                        "m.py", cwd=tmp_path).stdout) == ["NAN603", "NAN604"]
    assert codes(flake8("--isolated", "--extend-select", "NAN604", "m.py",
                        cwd=tmp_path).stdout) == ["NAN604"]
    standalone = subprocess.run([sys.executable, "-m", "flake8_nan.cli", "check", "--isolated",
                                 "m.py"], cwd=tmp_path, capture_output=True, text=True)
    assert codes(standalone.stdout) == []
    standalone = subprocess.run([sys.executable, "-m", "flake8_nan.cli", "check", "--isolated",
                                 "--extend-select", "NAN603", "m.py"], cwd=tmp_path,
                                capture_output=True, text=True)
    assert codes(standalone.stdout) == ["NAN603"]
