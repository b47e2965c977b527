"""Pinned corpora of real PyTorch code for the benchmark and the sweep.

Each corpus is one wheel fetched with `pip download --no-deps` into
benchmarks/.work/ (git-ignored) and unzipped there once.  Its files are
listed in sorted order, so every run sees the same files.

    python benchmarks/corpus.py            # fetch both, print their sizes
    python benchmarks/corpus.py timm       # fetch one
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import zipfile
from pathlib import Path

WORK = Path(__file__).resolve().parent / ".work"

# name -> (pip requirement, glob of the files inside the unpacked wheel)
PINS = {
    "timm": ("timm==1.0.31", "timm/**/*.py"),
    # The PyTorch model code of transformers: one modeling_*.py per architecture.
    "transformers": ("transformers==5.24.0", "transformers/models/**/modeling_*.py"),
}
# transformers 4.x also ships TensorFlow and Flax ports under the same prefix.
NOT_PYTORCH = ("modeling_tf_", "modeling_flax_")

# The reduced corpus of `bench.py --quick`: every QUICK_STEP-th timm file.
QUICK_STEP = 4


def root(name: str) -> Path:
    requirement, _ = PINS[name]
    return WORK / "corpora" / requirement.replace("==", "-")


def fetch(name: str) -> Path:
    """Download and unpack the pinned wheel once; return where it lies."""
    requirement, _ = PINS[name]
    dest = root(name)
    done = dest / ".unpacked"
    if done.exists():
        return dest
    wheels = WORK / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--only-binary", ":all:", "--dest", str(wheels), requirement], check=True)
    project, version = requirement.split("==")
    matches = sorted(wheels.glob(f"{project}-{version}-*.whl"))
    if not matches:
        raise SystemExit(f"pip download {requirement}: no wheel in {wheels}")
    with zipfile.ZipFile(matches[0]) as wheel:
        wheel.extractall(dest)
    done.touch()
    return dest


def files(name: str) -> list[Path]:
    """The corpus's .py files, sorted, fetched first if needed."""
    _, pattern = PINS[name]
    base = fetch(name)
    found = sorted(p for p in base.glob(pattern) if not p.name.startswith(NOT_PYTORCH))
    if not found:
        raise SystemExit(f"corpus {name}: no file matches {pattern} under {base}")
    return found


def quick_files() -> list[Path]:
    return files("timm")[::QUICK_STEP]


def resolve(spec: str) -> tuple[str, list[Path]]:
    """A corpus name, or any directory (all its .py files), or one .py file."""
    if spec in PINS:
        return f"{spec} ({PINS[spec][0]})", files(spec)
    if spec == "quick":
        return f"quick (every {QUICK_STEP}th file of {PINS['timm'][0]})", quick_files()
    path = Path(spec)
    if path.is_file():
        return spec, [path]
    if path.is_dir():
        return spec, sorted(path.rglob("*.py"))
    raise SystemExit(f"{spec}: not a corpus name ({', '.join(PINS)}, quick), file or directory")


def count_lines(paths: list[Path]) -> int:
    total = 0
    for p in paths:
        with open(p, "rb") as fh:
            total += sum(1 for _ in fh)
    return total


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(PINS)}")
    args = parser.parse_args(argv)
    for name in args.names or PINS:
        if name not in PINS:
            parser.error(f"unknown corpus {name!r}")
        paths = files(name)
        print(f"{name:13} {PINS[name][0]:22} {len(paths):5} files {count_lines(paths):8} lines  "
              f"{root(name)}")


if __name__ == "__main__":
    main()
