"""Corpora of real and generated code for the benchmark and the sweep.

- pinned: one wheel each, fetched with `pip download --no-deps` into
  benchmarks/.work/ (git-ignored) and unzipped there once: timm and
  transformers (model libraries), and training code: losses, metrics,
  training loops (lightning, diffusers, speechbrain, ...);
- installed: the standard library of the running interpreter (`stdlib`) and
  the installed `torch` package;
- generated: `dense3000` and `dense12000`, files where every statement is a
  candidate for some rule (`dense_source`), written once into .work/.

Files are listed in sorted order, so every run sees the same files.  `wide` names
every real corpus at once, for the sweeps run before a release.

    python benchmarks/corpus.py            # fetch the pinned ones, print their sizes
    python benchmarks/corpus.py timm       # fetch one
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

WORK = Path(__file__).resolve().parent / ".work"

# name -> (pip requirement, glob of the files inside the unpacked wheel)
PINS = {
    "timm": ("timm==1.0.31", "timm/**/*.py"),
    # The PyTorch model code of transformers: one modeling_*.py per architecture.
    "transformers": ("transformers==5.24.0", "transformers/models/**/modeling_*.py"),
    # Training code: losses, metrics, training loops, data pipelines.
    "lightning": ("lightning==2.6.6", "lightning/**/*.py"),
    "diffusers": ("diffusers==0.42.1", "diffusers/**/*.py"),
    "speechbrain": ("speechbrain==1.1.2", "speechbrain/**/*.py"),
    "ultralytics": ("ultralytics==8.4.190", "ultralytics/**/*.py"),
    "sentence-transformers": ("sentence-transformers==6.3.0", "sentence_transformers/**/*.py"),
    "open_clip": ("open_clip_torch==3.3.0", "open_clip*/**/*.py"),
    "torch_geometric": ("torch_geometric==2.8.1", "torch_geometric/**/*.py"),
    "torchvision": ("torchvision==0.29.1", "torchvision/**/*.py"),
    "mmdet": ("mmdet==3.3.0", "mmdet/**/*.py"),
    "allennlp": ("allennlp==2.10.1", "allennlp/**/*.py"),
    # Losses and metrics as users write them: image quality, segmentation, metric
    # learning, medical imaging, reinforcement learning, classification metrics.
    "kornia": ("kornia==0.9.0", "kornia/**/*.py"),
    "monai": ("monai==1.6.1", "monai/**/*.py"),
    "piq": ("piq==0.8.0", "piq/**/*.py"),
    "pytorch-metric-learning": ("pytorch-metric-learning==2.9.0", "pytorch_metric_learning/**/*.py"),
    "segmentation-models-pytorch": ("segmentation-models-pytorch==0.6.0",
                                    "segmentation_models_pytorch/**/*.py"),
    "stable-baselines3": ("stable-baselines3==2.9.2", "stable_baselines3/**/*.py"),
    "torchmetrics": ("torchmetrics==1.9.0", "torchmetrics/**/*.py"),
}
# The corpora on this machine already.
INSTALLED = ("stdlib", "torch")
DENSE = {"dense3000": 3000, "dense12000": 12000}
WIDE = ("stdlib", "torch", *PINS)
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
    # a wheel's name spells the project with underscores (sentence_transformers-6.3.0-...)
    matches = sorted(wheels.glob(f"{re.sub(r'[-_.]+', '_', project)}-{version}-*.whl"))
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


def installed(name: str) -> tuple[str, list[Path]]:
    """The standard library of this interpreter, or the installed torch package."""
    if name == "stdlib":
        base = Path(sysconfig.get_paths()["stdlib"])
        found = [p for p in sorted(base.rglob("*.py"))
                 if "site-packages" not in p.relative_to(base).parts]
        return f"stdlib (Python {sys.version.split()[0]}, {base.name})", found
    import torch  # a test dependency; the corpus is whatever version is installed

    base = Path(torch.__file__).resolve().parent
    return f"torch {torch.__version__} (installed)", sorted(base.rglob("*.py"))


# One function of a training script whose every statement some rule reads: what the
# pre-filter cannot thin out, and the engine's worst case per line.
_DENSE_FUNCTION = """\

def loss_{i}(logits, x, y, mask, target, scores, labels):
    p = F.softmax(logits, dim=-1)
    a = torch.log(p)
    b = x / mask.sum()
    c = F.kl_div(p, target, reduction="batchmean")
    d = torch.where(x > 0, torch.log(x), torch.zeros_like(x))
    e = scores.masked_fill(mask, -1e9)
    f = F.binary_cross_entropy(torch.sigmoid(logits), target)
    g = x[labels != -100].mean()
    h = torch.acos(F.cosine_similarity(x, y, dim=-1))
    v = torch.log(F.softmax(x, dim=-1)) / y.sum()
    return a.sum() + b.sum() + c + d.sum() + e.sum() + f + g + h.sum() + v.sum()
"""
_DENSE_HEAD = "import torch\nimport torch.nn.functional as F\n"


def dense_source(lines: int) -> str:
    """About `lines` lines of functions like `_DENSE_FUNCTION`."""
    per = _DENSE_FUNCTION.count("\n")
    return _DENSE_HEAD + "".join(_DENSE_FUNCTION.format(i=i)
                                 for i in range(max(1, (lines - 2) // per)))


def dense(name: str) -> Path:
    path = WORK / "dense" / f"{name}.py"
    text = dense_source(DENSE[name])
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path


def resolve(spec: str) -> tuple[str, list[Path]]:
    """A corpus name, or any directory (all its .py files), or one .py file."""
    if spec in PINS:
        return f"{spec} ({PINS[spec][0]})", files(spec)
    if spec in INSTALLED:
        return installed(spec)
    if spec in DENSE:
        return f"{spec} (generated: every statement a candidate)", [dense(spec)]
    if spec == "quick":
        return f"quick (every {QUICK_STEP}th file of {PINS['timm'][0]})", quick_files()
    path = Path(spec)
    if path.is_file():
        return spec, [path]
    if path.is_dir():
        return spec, sorted(path.rglob("*.py"))
    raise SystemExit(f"{spec}: not a corpus name ({', '.join([*PINS, *INSTALLED, *DENSE])}, "
                     "quick), file or directory")


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
