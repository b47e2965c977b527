"""The per-file time budget: the analysis of a file that runs past it stops with one
NAN000 report, under flake8 (-j1, -jN, stdin) and the command, and nothing hangs."""
import signal
import subprocess
import sys
import threading
import time

import pytest

from flake8_nan.budget import Stopped, seconds_for, time_limit
from fixture_expectations import FIXTURES, fixture_files, lint, rule_sets

# A budget no analysis meets: 1 ms per 1,000 lines.
TINY = "0.001"
SLOW = FIXTURES / "NAN102.py"


def spin():
    while True:
        pass


def test_a_busy_loop_is_stopped_and_the_handler_put_back():
    before = signal.getsignal(signal.SIGALRM)
    t0 = time.monotonic()
    with pytest.raises(Stopped):
        with time_limit(0.05):
            spin()
    assert time.monotonic() - t0 < 2
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_an_exception_handler_in_a_rule_does_not_swallow_it():
    with pytest.raises(Stopped):
        with time_limit(0.05):
            while True:
                try:
                    spin()
                except Exception:  # what guards one rule against another's failure
                    pass


def test_an_earlier_timer_is_set_again_with_what_was_left():
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        with time_limit(1):
            pass
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25 < left <= 30
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert not fired


def test_off_the_main_thread_there_is_no_budget():
    out = []

    def work():
        with time_limit(0.001):
            time.sleep(0.05)
            out.append("done")
    t = threading.Thread(target=work)
    t.start()
    t.join(10)
    assert out == ["done"]


def test_the_budget_grows_with_the_file():
    assert seconds_for("x\n" * 10, 5) == 5
    assert seconds_for("x\n" * 3999, 5) == 20


def flake8(*args, stdin=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "flake8", "--isolated", *args], input=stdin,
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def stopped(output: str) -> list[str]:
    return [line for line in output.splitlines() if "NAN000 analysis of this file stopped" in line]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_flake8_stops_each_file_and_moves_on(tmp_path, jobs):
    paths = []
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text("import os\n" + SLOW.read_text(encoding="utf-8"))
        paths.append(name)
    out = flake8("-j", jobs, "--nan-file-timeout", TINY, *paths, cwd=tmp_path)
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert len(stopped(out.stdout)) == 2
    assert all(f"{p}:1:1: NAN000" in out.stdout for p in paths)
    assert out.stdout.count("F401") == 2  # flake8's other checks ran on both


def test_flake8_stdin_and_config(tmp_path):
    out = flake8("--nan-file-timeout", TINY, "--stdin-display-name", "m.py", "-",
                 stdin=SLOW.read_text(encoding="utf-8"))
    assert stopped(out.stdout) and out.stdout.startswith("m.py:1:1: NAN000")
    (tmp_path / "setup.cfg").write_text(f"[flake8]\nnan-file-timeout = {TINY}\n")
    (tmp_path / "m.py").write_text(SLOW.read_text(encoding="utf-8"))
    out = subprocess.run([sys.executable, "-m", "flake8", "m.py"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert stopped(out.stdout)
    bad = flake8("--nan-file-timeout", "-1", "m.py", cwd=tmp_path)
    assert bad.returncode != 0 and "nan-file-timeout" in bad.stderr and "Traceback" not in bad.stderr


def test_the_command_stops_the_file_and_exits_1(tmp_path):
    run = [sys.executable, "-m", "flake8_nan.cli", "check", "--isolated"]
    out = subprocess.run([*run, "--nan-file-timeout", TINY, str(SLOW)], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 1 and stopped(out.stdout), out.stderr
    fixed = subprocess.run([*run, "--nan-file-timeout", TINY, "--diff", str(SLOW)],
                           capture_output=True, text=True, timeout=120)
    assert stopped(fixed.stdout + fixed.stderr) and "Traceback" not in fixed.stderr
    bad = subprocess.run([*run, "--nan-file-timeout", "x", str(SLOW)], capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 2 and "nan-file-timeout" in bad.stderr


def test_the_default_budget_is_not_met_by_any_fixture():
    """Every fixture, and the two lines that once hung, well within a second with each
    rule set (the budget is the last line of defence, not a cap on normal work)."""
    sources = [p.read_text(encoding="utf-8") for p in fixture_files()]
    sources.append("import torch\ny = torch.where(m, x, 0.0)\n")
    for source in sources:
        for rules in rule_sets().values():
            t0 = time.perf_counter()
            lint(source, rules)
            assert time.perf_counter() - t0 < 1.0


def test_the_two_lines_that_once_hung_return_under_flake8_and_the_command(tmp_path):
    (tmp_path / "w.py").write_text("import torch\ny = torch.where(m, x, 0.0)\n")
    assert flake8("w.py", cwd=tmp_path).returncode == 1  # F821: m and x are undefined
    out = subprocess.run([sys.executable, "-m", "flake8_nan.cli", "check", "--isolated", "w.py"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout == ""
