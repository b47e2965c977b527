"""What flake8-nan costs a flake8 user, measured side by side.

    python benchmarks/bench.py                 # timm, transformers, dense files; 5 rounds
    python benchmarks/bench.py --quick         # reduced corpus; fails only on a gross regression

flake8 runs every installed plugin on every file whatever `--select` says,
so the budget is measured on the whole run.  Two virtual environments are
built under benchmarks/.work/: flake8 alone, and flake8 with this checkout
installed (the same flake8, pyflakes and pycodestyle versions).  Per corpus,
four commands run in alternation, N rounds:

    flake8        flake8 -j1 without the plugin
    flake8+nan    flake8 -j1 with it
    ast.parse     read and ast.parse every file (one process)
    engine        read and `engine.check_source` every file (one process; the
                  engine parses with ast itself, as the command line does)
    cli           `flake8-nan check` on the same files, when the package has it

and the medians of wall time, CPU time (user+sys) and peak RSS are printed
with the ratios against the budget, and the MiB the plugin adds to flake8's
peak.  On real corpora that may hold libcst's fixed cost in flake8's process
(LIBCST_MIB: its modules and native parser) and LIMITS' MiB more; on the
generated dense files (`dense3000`, `dense12000`: every statement a candidate,
the worst case per line) the budget is a multiple of flake8's own time and
memory instead.  CPU time is what the ratios use: on a
shared machine it moves far less than wall time.  engine/ast.parse compares
the loops inside the two processes (their start-up and imports apart, as
the budget defines it); cli/ast.parse compares whole processes.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

WORK = corpus.WORK
# name: (budget, gross regression for --quick)
LIMITS = {
    "flake8 time": (1.25, 2.0),
    "flake8 peak RSS": (1.2, 2.0),
    "added MiB beyond libcst": (5.0, 40.0),
    # (the engine loop runs at about 4x ast.parse on timm, and one quarter of timm parses
    # in 0.25 s: a gross regression is twice that, not noise in so small a denominator)
    "engine/ast.parse": (2.0, 8.0),
}
# Generated files where every statement is a candidate: the plugin's own time (flake8
# with it less flake8 alone) may be twice flake8's, and its added peak memory half
# flake8's.
DENSE_LIMITS = {
    "plugin time / flake8 time": 2.0,
    "added RSS / flake8 RSS": 0.5,
}
LIBCST_MIB = 11.0  # importing libcst and loading its parser, measured in flake8's process


# ------------------------------------------------------------------ children
def child(mode: str, list_file: str) -> None:
    """Run inside the plugin's venv: one process over every listed file; prints
    the loop's CPU seconds (imports done before) and the number of reports."""
    import ast

    paths = Path(list_file).read_text(encoding="utf-8").split("\n")
    check_source = rules = None
    if mode == "engine":
        from flake8_nan.engine import check_source
        from flake8_nan.registry import RULES

        rules = tuple(r for r in RULES if r.default_enabled)  # what `flake8-nan check` runs
    t0 = time.process_time()
    found = 0
    for p in paths:
        with open(p, encoding="utf-8", errors="replace") as fh:
            source = fh.read()
        if check_source is None:
            ast.parse(source)
        else:
            found += len(check_source(source, rules=rules))
    print(f"{time.process_time() - t0:.6f} {found}")


# ------------------------------------------------------------- environments
def _pip(python: Path, *args: str) -> None:
    subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", *args], check=True)


def _venv(path: Path) -> Path:
    python = path / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    return python


def _versions(python: Path, names: tuple[str, ...]) -> dict[str, str]:
    code = ("import importlib.metadata as m, sys\n"
            "for n in sys.argv[1:]: print(n, m.version(n))")
    out = subprocess.run([str(python), "-c", code, *names], check=True, capture_output=True,
                         text=True).stdout
    return dict(line.split() for line in out.splitlines())


def environments() -> tuple[Path, Path, dict[str, str]]:
    """(flake8 alone, flake8 + this checkout, versions), built once and reused."""
    plugin = _venv(WORK / "venv-plugin")
    stamp = WORK / "venv-plugin" / "checkout"
    if not stamp.exists() or stamp.read_text() != str(REPO):
        _pip(plugin, "-e", str(REPO))  # editable: every run measures the working tree
        stamp.write_text(str(REPO))
    # pip compiles the bytecode of what it installs, flake8's included; an editable
    # checkout would be compiled again by every run where bytecode is not written
    # (PYTHONDONTWRITEBYTECODE), which no installed copy costs.
    subprocess.run([str(plugin), "-m", "compileall", "-q", str(REPO / "flake8_nan")], check=True)
    versions = _versions(plugin, ("flake8", "pyflakes", "pycodestyle", "libcst"))
    alone = _venv(WORK / "venv-flake8")
    pins = [f"{n}=={versions[n]}" for n in ("flake8", "pyflakes", "pycodestyle")]
    if not _same(alone, versions):
        _pip(alone, *pins)
    return alone, plugin, versions


def _same(python: Path, versions: dict[str, str]) -> bool:
    try:
        got = _versions(python, ("flake8", "pyflakes", "pycodestyle"))
    except subprocess.CalledProcessError:
        return False
    return all(got[n] == versions[n] for n in got)


# ----------------------------------------------------------------- measuring
def measure(argv: list[str]) -> dict:
    """Wall and CPU seconds and peak RSS (MiB) of one command, from its own rusage."""
    out_path = WORK / "last-stdout.txt"
    with open(out_path, "wb") as out, open(WORK / "last-stderr.txt", "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, cwd=str(WORK))
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # flake8 exits 1 when it reports anything
        tail = (WORK / "last-stderr.txt").read_text(errors="replace")[-2000:]
        raise SystemExit(f"{' '.join(argv[:4])} ... exited {code}:\n{tail}")
    # Only what is needed is kept: a child's peak RSS counts the memory of this process
    # at the fork, so this process must stay small (flake8's output on a corpus is MBs).
    with open(out_path, encoding="utf-8", errors="replace") as fh:
        first = fh.readline()
        nan = (": NAN" in first) + sum(": NAN" in line for line in fh)
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "rss": usage.ru_maxrss / 1024, "first": first, "nan": nan}


def commands(alone: Path, plugin: Path, paths: list[Path], list_file: Path) -> dict:
    list_file.write_text("\n".join(str(p) for p in paths), encoding="utf-8")
    names = [str(p) for p in paths]
    flake8 = ["-m", "flake8", "-j1", "--isolated", "--exit-zero"]
    cmds = {
        "flake8": [str(alone), *flake8, *names],
        "flake8+nan": [str(plugin), *flake8, *names],
        "ast.parse": [str(plugin), str(Path(__file__).resolve()), "--child", "ast", str(list_file)],
    }
    cmds["engine"] = [str(plugin), str(Path(__file__).resolve()), "--child", "engine",
                      str(list_file)]
    if (REPO / "flake8_nan" / "cli.py").exists():
        cmds["cli"] = [str(plugin), "-m", "flake8_nan.cli", "check", "--isolated",
                       "--exit-zero", *names]
    return cmds


def run_corpus(label: str, paths: list[Path], rounds: int, alone: Path, plugin: Path,
               dense: bool = False) -> dict:
    cmds = commands(alone, plugin, paths, WORK / f"files-{len(paths)}.txt")
    runs: dict[str, list[dict]] = {name: [] for name in cmds}
    order = list(cmds)
    for i in range(rounds):
        # Alternate, and reverse every other round so a drift in the machine's
        # load does not favour whichever command runs first.
        for name in order if i % 2 == 0 else order[::-1]:
            runs[name].append(measure(cmds[name]))
        print(f"  round {i + 1}/{rounds}: " + "  ".join(
            f"{n} {runs[n][-1]['cpu']:.2f}s" for n in order), flush=True)
    for name in ("ast.parse", "engine"):  # the loop's own CPU time, printed by the child
        for r in runs[name]:
            r["loop"] = float(r["first"].split()[0])
    med = {n: {k: statistics.median(r[k] for r in rs) for k in ("wall", "cpu", "rss", "loop")
               if k in rs[0]} for n, rs in runs.items()}
    nan_reports = runs["flake8+nan"][-1]["nan"]
    lines = corpus.count_lines(paths)
    print(f"\n{label}: {len(paths)} files, {lines} lines, {rounds} rounds, medians")
    print(f"  {'command':12} {'wall s':>8} {'cpu s':>8} {'loop cpu s':>11} {'peak RSS MiB':>13}")
    for n in order:
        m = med[n]
        loop = f"{m['loop']:11.2f}" if "loop" in m else f"{'':11}"
        print(f"  {n:12} {m['wall']:8.2f} {m['cpu']:8.2f} {loop} {m['rss']:13.1f}")
    added = med["flake8+nan"]["rss"] - med["flake8"]["rss"]
    ratios = {
        "flake8 time": med["flake8+nan"]["cpu"] / med["flake8"]["cpu"],
        "flake8 peak RSS": med["flake8+nan"]["rss"] / med["flake8"]["rss"],
        "added MiB beyond libcst": added - LIBCST_MIB,
        "engine/ast.parse": med["engine"]["loop"] / med["ast.parse"]["loop"],
    }
    if dense:
        ratios = {"plugin time / flake8 time": ratios["flake8 time"] - 1,
                  "added RSS / flake8 RSS": ratios["flake8 peak RSS"] - 1, **ratios}
    print(f"  NAN reports: flake8 {nan_reports}, engine {runs['engine'][-1]['first'].split()[1]}")
    print(f"  {'added peak RSS':18} {added:5.1f} MiB  ({added / med['flake8']['rss']:.0%} of flake8's)")
    for name, value in ratios.items():
        budget = DENSE_LIMITS.get(name) if dense else LIMITS.get(name, (None,))[0]
        unit = " MiB" if name.startswith("added MiB") else "x"
        verdict = "not budgeted here" if budget is None else \
            f"budget {budget}{unit}: {'ok' if value <= budget else 'OVER'}"
        print(f"  {name:23} {value:6.2f}{unit}  ({verdict})")
    print(f"  {'flake8 wall time':18} {med['flake8+nan']['wall'] / med['flake8']['wall']:5.2f}x")
    if "cli" in med:
        print(f"  {'cli/ast.parse':18} {med['cli']['cpu'] / med['ast.parse']['cpu']:5.2f}x  "
              "(whole processes, start-up and imports included)")
    return ratios


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="*", help="corpus names (timm, transformers, "
                        f"{', '.join(corpus.DENSE)}, ...), directories or files "
                        "(default: timm, transformers and the dense files)")
    parser.add_argument("--rounds", type=int, help="repetitions per command (default 5; 3 quick)")
    parser.add_argument("--quick", action="store_true",
                        help="a fixed quarter of timm; exit 1 only on a gross regression")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "LIST"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    rounds = args.rounds or (3 if args.quick else 5)  # medians even for the quick guard
    WORK.mkdir(parents=True, exist_ok=True)
    alone, plugin, versions = environments()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: {cores} cores, {platform.machine()}, Python {platform.python_version()}; "
          + ", ".join(f"{n} {v}" for n, v in versions.items()))
    specs = ["quick"] if args.quick else args.corpora or ["timm", "transformers", *corpus.DENSE]
    worst: dict[str, float] = {}
    for spec in specs:
        label, paths = corpus.resolve(spec)
        print(f"\n== {label}", flush=True)
        for name, value in run_corpus(label, paths, rounds, alone, plugin,
                                      dense=spec in corpus.DENSE).items():
            if name in LIMITS:
                worst[name] = max(worst.get(name, 0.0), value)
    if args.quick:
        unit = {n: " MiB" if n.startswith("added") else "x" for n in LIMITS}
        gross = [f"{n} {v:.2f}{unit[n]} > {LIMITS[n][1]}{unit[n]}" for n, v in worst.items()
                 if v > LIMITS[n][1]]
        print("\nquick check: " + ("GROSS REGRESSION: " + "; ".join(gross) if gross else
                                   "no gross regression (limits: " + ", ".join(
                                       f"{n} {g}{unit[n]}" for n, (_, g) in LIMITS.items()) + ")"))
        return 1 if gross else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
