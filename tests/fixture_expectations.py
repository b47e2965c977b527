"""Read the inline expectations of a fixture: `# error: NAN101:9, NAN301`."""
import re
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
_MARK = re.compile(r"#\s*(error|strict):\s*([^#]+?)\s*(?=#\s*(?:error|strict):|$)")
_ITEM = re.compile(r"(NAN\d{3})(?::(\d+))?$")


def expected(path: Path, strict: bool = False) -> list[tuple[int, str, "int | None"]]:
    """(line, code, 1-based column or None) for each expected report: `# error: NAN101:9`
    at the level on by default, `# strict: NAN101:9` only under nan-strict (values of
    unknown range)."""
    out = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        for level, items in _MARK.findall(line):
            if level == "strict" and not strict:
                continue
            for item in items.split(","):
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


# ------------------------------------------------------------------ every test path
# The rule sets every test path runs: what users run (the rules on by default) and
# every rule.  Each file is linted under a time limit; a file past it fails the test.
LIMIT_PER_1000_LINES = 10.0


def rule_sets():
    from flake8_nan.registry import RULES
    return {"default": tuple(r for r in RULES if r.default_enabled), "all": RULES}


def lint(source: str, rules, full: bool = False, tree=None, min_eps: float = 1e-7,
         strict: bool = False):
    """check_source under the test time limit; a file that runs past it fails."""
    from flake8_nan.engine import Options, check_source
    options = Options(min_eps=min_eps, file_timeout=LIMIT_PER_1000_LINES, strict=strict)
    reports = check_source(source, tree, options, rules, full=full)
    stopped = [r for r in reports if r.code == "NAN000" and "stopped after" in r.message]
    assert not stopped, stopped[0].message
    return reports
