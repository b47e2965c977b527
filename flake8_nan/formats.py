"""Output formats of the standalone command: text, json, sarif, github."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Optional

from . import __version__

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


@dataclass(frozen=True)
class Finding:
    path: str
    line: int  # 1-based, in the file (or in the notebook cell)
    col: int  # 0-based
    code: str
    message: str
    cell: Optional[int] = None  # 1-based code-cell index within a notebook

    @property
    def where(self) -> str:
        if self.cell is not None:
            return f"{self.path}:cell {self.cell}:line {self.line}:{self.col + 1}"
        return f"{self.path}:{self.line}:{self.col + 1}"


def text(findings) -> str:
    return "".join(f"{f.where}: {f.code} {f.message}\n" for f in findings)


def as_json(findings, rules) -> str:
    by_code = {r.code: r for r in rules}
    out = []
    for f in findings:
        rule = by_code.get(f.code)
        item = {"filename": f.path, "line": f.line, "column": f.col + 1, "code": f.code,
                "message": f.message, "fix_safety": rule.fix_safety if rule else None}
        if f.cell is not None:
            item["cell"] = f.cell
        out.append(item)
    return json.dumps(out, indent=2) + "\n"


def sarif(findings, rules) -> str:
    from .docs import render_rule

    index = {r.code: i for i, r in enumerate(rules)}
    driver_rules = [{
        "id": r.code,
        "name": type(r).__name__ if not isinstance(r, type) else r.__name__,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.why},
        "help": {"text": f"{r.why}\n\nFix: {r.fix}", "markdown": render_rule(r)},
        "defaultConfiguration": {"level": "error", "enabled": r.default_enabled},
        "properties": {"fix_safety": r.fix_safety or "none"},
    } for r in rules]
    results = []
    for f in findings:
        region = {"startLine": f.line, "startColumn": f.col + 1}
        location = {"physicalLocation": {"artifactLocation": {"uri": _uri(f.path)},
                                         "region": region}}
        result = {"ruleId": f.code, "level": "error", "message": {"text": f.message},
                  "locations": [location]}
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        if f.cell is not None:
            result["properties"] = {"notebookCell": f.cell}
        results.append(result)
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "flake8-nan", "version": __version__,
                            "rules": driver_rules}},
        "results": results}]}
    return json.dumps(log, indent=2) + "\n"


def _uri(path: str) -> str:
    return path.replace("\\", "/").lstrip("./") if path.startswith("./") else path.replace("\\", "/")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(findings) -> str:
    lines = []
    for f in findings:
        title = f"{f.code}" + (f" (cell {f.cell})" if f.cell is not None else "")
        lines.append(f"::error file={_escape_property(f.path)},line={f.line},col={f.col + 1},"
                     f"title={_escape_property(title)}::{_escape_data(f.code + ' ' + f.message)}\n")
    return "".join(lines)


def statistics(findings, rules) -> str:
    summaries = {r.code: r.summary for r in rules}
    counts = Counter(f.code for f in findings)
    return "".join(f"{n:<5} {code} {summaries.get(code, '')}\n" for code, n in sorted(counts.items()))
