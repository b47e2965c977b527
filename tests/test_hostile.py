"""Odd and hostile input: silence or a clear message, never a traceback, never a lost byte."""
import os
import subprocess
import sys

import pytest

from flake8_nan.engine import check_source
from test_cli import cli

HAZARD = "import torch\n\n\ndef f(probs):\n    return torch.log(probs)\n"
SAFE_FIX = ("import torch.nn.functional as F\n\n\ndef f(a, b):\n"
            "    return F.kl_div(F.log_softmax(a, -1), F.log_softmax(b, -1))\n")

ODD = {
    "empty": b"",
    "comments_only": b"# nothing\n# here\n",
    "syntax_error": b"import torch\ntorch.log(p\n",
    "python2": b"import torch\nprint 'x'\nexec 'y = 1'\n",
    "nul_byte": b"import torch\nx = 1\x00\ntorch.log(p)\n",
    "undeclared_latin1": b"import torch\n# caf\xe9\ntorch.log(p)\n",
    "bad_declared_encoding": b"# -*- coding: klingon -*-\nimport torch\n",
    "tabs": b"import torch\ndef f(p):\n\treturn torch.log(p)\n",
    "mixed_line_endings": b"import torch\r\ndef f(p):\n\treturn torch.log(p)\r\n",
    "cr_only": b"import torch\rdef f(p):\r    return torch.log(p)\r",
    "bom": b"\xef\xbb\xbf" + HAZARD.encode(),
    "deep_parens": b"import torch\nx = torch.log(" + b"(" * 2000 + b"p" + b")" * 2000 + b")\n",
    "long_sum": b"import torch\nx = torch.log(" + b" + ".join([b"p"] * 5000) + b")\n",
    "long_line": b"import torch\nx = [" + b"1, " * 200_000 + b"]\ny = torch.log(x)\n",
    "huge_int_literal": b"import torch\nx = 1" + b"0" * 400 + b"\ny = torch.log(x) / x.sum() + 1e-10\n",
    "deep_blocks": b"import torch\n" + b"".join(b"    " * i + b"if x:\n" for i in range(90))
                   + b"    " * 90 + b"y = torch.log(p)\n",
}


@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_files_do_not_crash_and_fix_leaves_them_intact(name, tmp_path):
    path = tmp_path / f"{name}.py"
    path.write_bytes(ODD[name])
    out = cli("check", "--isolated", path.name, cwd=tmp_path)
    assert out.returncode in (0, 1) and "Traceback" not in out.stderr, out.stderr
    assert "NAN000" not in out.stdout
    fixed = cli("check", "--isolated", "--fix", path.name, cwd=tmp_path)
    assert "Traceback" not in fixed.stderr
    assert path.read_bytes() == ODD[name]  # no safe fix applies: untouched, byte for byte


def test_odd_files_under_flake8(tmp_path):
    # flake8's own ast.parse cannot take the 5,000-term sum (RecursionError in flake8 itself)
    for name, data in ODD.items():
        if name == "long_sum":
            continue
        (tmp_path / f"{name}.py").write_bytes(data)
    out = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select", "NAN,E999",
                          "."], cwd=tmp_path, capture_output=True, text=True)
    assert "Traceback" not in out.stderr and "NAN000" not in out.stdout, out.stderr[-2000:]


def test_bom_crlf_and_encoding_survive_a_fix(tmp_path):
    path = tmp_path / "m.py"
    data = b"\xef\xbb\xbf" + SAFE_FIX.replace("\n", "\r\n").encode()
    path.write_bytes(data)
    cli("check", "--isolated", "--fix", "m.py", cwd=tmp_path)
    fixed = path.read_bytes()
    assert fixed.startswith(b"\xef\xbb\xbf") and fixed.count(b"\r\n") == data.count(b"\r\n")
    assert b"log_target=True)\r\n" in fixed


def test_stub_files_are_checked(tmp_path):
    (tmp_path / "m.pyi").write_text(
        "import torch\nEPS: float = ...\ndef f(p: torch.Tensor) -> torch.Tensor: ...\n")
    out = cli("check", "--isolated", ".", cwd=tmp_path)
    assert out.returncode == 0 and "Traceback" not in out.stderr


def test_ten_megabyte_file(tmp_path):
    rows = "".join(f"ROW_{i} = [{i}, {i + 1}, {i + 2}, 'padding text for size']\n" for i in range(220_000))
    source = "import torch\n" + rows + HAZARD.split("\n", 1)[1]
    assert len(source.encode()) > 10_000_000
    reports = check_source(source)
    assert [r.code for r in reports] == ["NAN101"]


def test_unreadable_file(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their mode")
    path = tmp_path / "m.py"
    path.write_text(HAZARD)
    path.chmod(0)
    out = cli("check", "--isolated", "m.py", cwd=tmp_path)
    assert out.returncode == 1 and "cannot read" in out.stderr


def test_directory_named_like_a_module_and_missing_path(tmp_path):
    (tmp_path / "pkg.py").mkdir()
    out = cli("check", "--isolated", "pkg.py", "nope.py", cwd=tmp_path)
    assert out.returncode == 1 and "Traceback" not in out.stderr and "nope.py: cannot read" in out.stderr


def test_linting_never_imports_or_runs_the_code(tmp_path):
    marker = tmp_path / "ran"
    (tmp_path / "evil.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\n"
        "import torch\n\n\ndef f(p):\n    return torch.log(p)\n")
    cli("check", "--isolated", "--fix", "--unsafe-fixes", "evil.py", cwd=tmp_path)
    subprocess.run([sys.executable, "-m", "flake8", "--isolated", "evil.py"], cwd=tmp_path)
    assert not marker.exists()


def test_fix_does_not_write_through_a_symlink(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "real.py"
    target.write_text(SAFE_FIX)
    project = tmp_path / "project"
    project.mkdir()
    (project / "link.py").symlink_to(target)
    out = cli("check", "--isolated", "--fix", "link.py", cwd=project)
    assert target.read_text() == SAFE_FIX and "symbolic link" in out.stderr


@pytest.mark.parametrize("source, line", [
    ("import torch\n\\\ny = torch.log(torch.sigmoid(p))\n", 3),
    ("import torch\ndef f(p):\n    y = 1\n    \\\n    return torch.log(torch.sigmoid(p))\n", 5),
    ("import torch\nx = 1 + \\\n\\\n  2\ny = torch.log(torch.sigmoid(p))\n", 5),
    ("import torch\ns = '''a\n\\\nb'''\ny = torch.log(torch.sigmoid(p))\n", 5),
    ("import torch\r\\\ry = torch.log(torch.sigmoid(p))\r", 3),
])
def test_a_line_of_a_lone_backslash_keeps_the_lines_after_it(source, line):
    # libcst counts the lines after such a line one short unless the engine reads it as blank
    fast, full = check_source(source), check_source(source, full=True)
    assert [r.line for r in fast] == [r.line for r in full] == [line]
    assert [r.code for r in fast] == ["NAN103"]
