"""A fixed sample of real PyTorch code for tests that need more than fixtures:
files of the installed torch package that use `log` or `sum` (no network)."""
import functools
import re
from pathlib import Path

SAMPLE_SIZE = 30
_USES = re.compile(r"\.(?:log|log2|log10|sum)\(|torch\.log")


@functools.lru_cache(maxsize=None)
def sample_files(size: int = SAMPLE_SIZE) -> tuple[Path, ...]:
    try:
        import torch
    except ImportError:  # the test extra installs it; without it the sample is empty
        return ()
    root = Path(torch.__file__).resolve().parent
    candidates = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(("_vendor/", "testing/", "_inductor/")):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if 2_000 <= len(text) <= 60_000 and _USES.search(text):
            candidates.append(path)
    if len(candidates) <= size:
        return tuple(candidates)
    step = len(candidates) / size
    return tuple(candidates[int(i * step)] for i in range(size))
