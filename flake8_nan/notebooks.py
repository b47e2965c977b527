"""Jupyter notebooks: lint the code cells as one module, report by cell.

Cells are joined in order so that an import in the first cell is known in
the last. IPython syntax (`%magic`, `!shell`, `%%cell magic`, `x?`) is
replaced by a placeholder comment of the same line, so line numbers map back
to cells and a fix can be written back into the cells it came from.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Optional

_MAGIC = re.compile(r"^\s*[%!?]|^\s*[\w.]+\?{1,2}\s*$")  # %magic, !shell, ?help, obj?
# Cell magics whose body is still Python; the body of any other (%%bash, %%html) is not.
_PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture", "%%prun", "%%debug")
_SEPARATOR = "# flake8-nan: cell {}\n"
_PLACEHOLDER = "# flake8-nan: ipython {}\n"
_SPLIT = re.compile(r"^# flake8-nan: cell (\d+)\n", re.M)
_RESTORE = re.compile(r"^([ \t]*)# flake8-nan: ipython (\d+)\n", re.M)


@dataclass
class Notebook:
    data: dict
    cells: list[dict]  # the code cells, in order
    source: str  # all code cells as one module
    line_map: list[tuple[int, int]]  # module line (0-based) -> (code cell 1-based, cell line)
    magics: list[str]


def cell_text(cell: dict) -> str:
    src = cell.get("source", "")
    text = "".join(src) if isinstance(src, list) else str(src)
    return text if text.endswith("\n") or not text else text + "\n"


def load(text: str) -> Notebook:
    data = json.loads(text)
    cells = [c for c in data.get("cells", []) if c.get("cell_type") == "code"]
    parts, line_map, magics = [], [], []
    for number, cell in enumerate(cells, 1):
        parts.append(_SEPARATOR.format(number))
        line_map.append((number, 0))
        body = cell_text(cell)
        head = body.lstrip()
        foreign = head.startswith("%%") and not head.startswith(_PYTHON_CELL_MAGICS)
        for i, line in enumerate(body.splitlines(keepends=True), 1):
            if foreign or _MAGIC.match(line):
                indent = line[: len(line) - len(line.lstrip())]
                parts.append(indent.replace("\n", "") + _PLACEHOLDER.format(len(magics)))
                magics.append(line if line.endswith("\n") else line + "\n")
            else:
                parts.append(line if line.endswith("\n") else line + "\n")
            line_map.append((number, i))
    return Notebook(data, cells, "".join(parts), line_map, magics)


def locate(nb: Notebook, line: int) -> tuple[int, int]:
    """(code cell, line in cell), both 1-based, of a 1-based module line."""
    return nb.line_map[line - 1] if 0 < line <= len(nb.line_map) else (1, line)


def write_back(nb: Notebook, fixed_source: str) -> Optional[str]:
    """The notebook JSON with fixed cells; None if the cells cannot be matched up."""
    restored = _RESTORE.sub(lambda m: nb.magics[int(m.group(2))], fixed_source)
    chunks = _SPLIT.split(restored)
    # ["", "1", body1, "2", body2, ...]
    if chunks[0] != "" or len(chunks) != 2 * len(nb.cells) + 1:
        return None
    for k, cell in enumerate(nb.cells):
        if int(chunks[1 + 2 * k]) != k + 1:
            return None
        body = chunks[2 + 2 * k]
        original = cell_text(cell)
        if body == original:
            continue
        old = cell.get("source", "")
        if not ("".join(old) if isinstance(old, list) else str(old)).endswith("\n"):
            body = body[:-1] if body.endswith("\n") else body
        lines = body.splitlines(keepends=True)
        cell["source"] = lines if isinstance(old, list) else body
    return json.dumps(nb.data, indent=1, ensure_ascii=False) + "\n"
