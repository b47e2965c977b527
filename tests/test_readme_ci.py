"""The CI commands the README documents, run exactly as written on the fixtures."""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fixture_expectations import FIXTURES
from test_cli import GITHUB

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def documented_commands():
    blocks = re.findall(r"```(yaml|sh)\n(.*?)```", README, re.S)
    section = README.split("### CI", 1)[1].split("\n## ", 1)[0]
    commands = []
    for kind, body in blocks:
        if body not in section:
            continue
        for line in body.splitlines():
            line = line.strip()
            if kind == "yaml" and line.startswith("- run: flake8-nan"):
                commands.append(line[len("- run: "):])
            elif kind == "sh" and line.startswith("flake8-nan"):
                commands.append(line)
    return commands


COMMANDS = documented_commands()


def test_the_ci_section_documents_github_sarif_and_json():
    formats = " ".join(COMMANDS)
    assert "--format github" in formats and "--format sarif" in formats and "--format json" in formats


@pytest.mark.parametrize("command", COMMANDS)
def test_documented_command_runs_as_written(command, tmp_path):
    for f in [*FIXTURES.glob("NAN*.py"), FIXTURES / "notebook.ipynb"]:
        shutil.copy(f, tmp_path / f.name)
    bin_dir = Path(sys.executable).parent
    proc = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True,
                          env={"PATH": f"{bin_dir}:/usr/bin:/bin"})
    assert "Traceback" not in proc.stderr
    expected_rc = 0 if "--exit-zero" in command else 1
    assert proc.returncode == expected_rc, proc.stderr
    if "--format github" in command:
        assert proc.stdout and all(GITHUB.match(line) for line in proc.stdout.splitlines())
    for name in re.findall(r"> (\S+)", command):
        data = json.loads((tmp_path / name).read_text())
        assert data
