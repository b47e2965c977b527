"""pre-commit, for real: `pre-commit try-repo` on this checkout in a scratch repo."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fixture_expectations import FIXTURES

ROOT = Path(__file__).resolve().parent.parent
BAD = "import torch\n\n\ndef f(probs):\n    return torch.log(probs)\n"
GOOD = "import torch\n\n\ndef f(probs):\n    return torch.log(probs.clamp_min(1e-6))\n"


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    pytest.importorskip("pre_commit", reason="pre-commit is a test dependency")
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(repo: Path, home: Path, hook="flake8-nan"):
    env = {"PRE_COMMIT_HOME": str(home), "PATH": _path(), "HOME": str(home),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), hook,
                           "--all-files"], cwd=repo, env=env, capture_output=True, text=True)


def _path():
    import os
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def git_repo(path: Path, files: dict) -> Path:
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    for name, text in files.items():
        (path / name).write_text(text)
    subprocess.run(["git", "add", "."], cwd=path, check=True)
    return path


def test_hook_fails_on_a_hazard_and_passes_once_fixed(tmp_path, pre_commit_home):
    repo = git_repo(tmp_path / "repo", {"train.py": BAD})
    shutil.copy(FIXTURES / "notebook.ipynb", repo / "explore.ipynb")
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    bad = try_repo(repo, pre_commit_home)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "train.py:5:12: NAN101 " in bad.stdout
    assert "explore.ipynb:cell 3:line 2:17: NAN401 " in bad.stdout
    (repo / "train.py").write_text(GOOD)
    (repo / "explore.ipynb").unlink()
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    good = try_repo(repo, pre_commit_home)
    assert good.returncode == 0, good.stdout + good.stderr


def test_fix_hook_applies_safe_fixes(tmp_path, pre_commit_home):
    source = ("import torch.nn.functional as F\n\n\ndef f(a, b):\n"
              "    return F.kl_div(F.log_softmax(a, -1), F.log_softmax(b, -1))\n")
    repo = git_repo(tmp_path / "repo", {"distill.py": source})
    result = try_repo(repo, pre_commit_home, "flake8-nan-fix")
    assert result.returncode == 1  # pre-commit fails a hook that changed files
    assert "log_target=True" in (repo / "distill.py").read_text()
