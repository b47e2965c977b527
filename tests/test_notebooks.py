"""Notebooks: code cells linted together, reported and fixed by cell."""
import json
import shutil

from fixture_expectations import FIXTURES
from test_cli import cli

NOTEBOOK = FIXTURES / "notebook.ipynb"
# (code cell, line in cell, 1-based column, code), checked by hand against the cells
EXPECTED = [
    (3, 2, 17, "NAN401"),  # F.kl_div(probs, ...) with probs = F.softmax(...) from the line above
    (3, 3, 8, "NAN102"),  # -torch.log(probs[:, 0]): the log of that softmax
    (4, 2, 5, "NAN101"),  # torch.log(logits) under %%time
    (5, 3, 28, "NAN301"),  # EPS = 1e-10 defined two cells earlier
    (6, 2, 19, "NAN402"),  # log-space target without log_target=True
]


def findings(path, *args):
    out = cli("check", "--isolated", "--format", "json", *args,
              str(path))
    return out, [(d["cell"], d["line"], d["column"], d["code"]) for d in json.loads(out.stdout)]


def test_reports_by_cell_exactly():
    out, found = findings(NOTEBOOK)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert found == EXPECTED


def test_text_positions_name_the_cell():
    out = cli("check", "--isolated", str(NOTEBOOK))
    assert f"{NOTEBOOK}:cell 3:line 2:17: NAN401 " in out.stdout


def test_fix_rewrites_cells_and_keeps_outputs_and_metadata(tmp_path):
    path = tmp_path / "nb.ipynb"
    shutil.copy(NOTEBOOK, path)
    before = json.loads(path.read_text())
    out, found = findings(path, "--fix")
    assert found == [e for e in EXPECTED if e[3] != "NAN402"]
    after = json.loads(path.read_text())
    changed = [i for i, (a, b) in enumerate(zip(before["cells"], after["cells"])) if a != b]
    code_cells = [c for c in after["cells"] if c["cell_type"] == "code"]
    assert len(changed) == 1 and "log_target=True" in "".join(code_cells[5]["source"])
    for a, b in zip(before["cells"], after["cells"]):
        assert {k: v for k, v in a.items() if k != "source"} == \
            {k: v for k, v in b.items() if k != "source"}
    assert after["metadata"] == before["metadata"]
    assert "".join(code_cells[0]["source"]).startswith("%matplotlib inline\n")
    snapshot = path.read_bytes()
    findings(path, "--fix")
    assert path.read_bytes() == snapshot


def test_broken_notebooks_are_reported_not_crashed_on(tmp_path):
    (tmp_path / "bad.ipynb").write_text("{not json")
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
            "source": ["def f(:\n"]}
    (tmp_path / "syntax.ipynb").write_text(json.dumps({"cells": [cell], "metadata": {},
                                                       "nbformat": 4, "nbformat_minor": 5}))
    out = cli("check", "--isolated", "bad.ipynb", "syntax.ipynb", cwd=tmp_path)
    assert "Traceback" not in out.stderr and "bad.ipynb: cannot read" in out.stderr
    assert out.stdout == ""


def test_folders_include_notebooks(tmp_path):
    shutil.copy(NOTEBOOK, tmp_path / "nb.ipynb")
    out = cli("check", "--isolated", ".", cwd=tmp_path)
    assert out.stdout.count("./nb.ipynb:cell ") == len(EXPECTED)
