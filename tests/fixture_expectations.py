"""Read the inline expectations of a fixture: `# error: NAN101:9, NAN301`."""
import re
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
_MARK = re.compile(r"#\s*error:\s*(.+)$")
_ITEM = re.compile(r"(NAN\d{3})(?::(\d+))?$")


def expected(path: Path) -> list[tuple[int, str, "int | None"]]:
    """(line, code, 1-based column or None) for each expected report."""
    out = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = _MARK.search(line)
        if not m:
            continue
        for item in m.group(1).split(","):
            im = _ITEM.match(item.strip())
            assert im, f"{path.name}:{lineno}: bad expectation {item!r}"
            out.append((lineno, im.group(1), int(im.group(2)) if im.group(2) else None))
    return out


def compare(expect, actual) -> list[str]:
    """Problems between expected and actual (line, code, col) reports, both ways."""
    remaining = list(actual)
    problems = []
    for line, code, col in expect:
        match = next((a for a in remaining if a[0] == line and a[1] == code
                      and (col is None or a[2] == col)), None)
        if match is None:
            problems.append(f"missing {code} at {line}:{col or '?'}")
        else:
            remaining.remove(match)
    problems += [f"unexpected {code} at {line}:{col}" for line, code, col in remaining]
    return problems


def fixture_files():
    return sorted(p for p in FIXTURES.glob("*.py") if not p.name.endswith(".fixed.py"))
