"""A time budget per file: the last line of defence against a rule or a model that
does not return.

A linter in a pre-commit hook that hangs is worse than one that fails, so the
analysis of one file runs under an interval timer (SIGALRM): past its budget it
is interrupted wherever it is, and the file gets one NAN000 report instead of
its findings.  flake8 runs plugins in the main thread of its process or of
each `-j` worker, where signals can be handled; elsewhere (a thread of some
other host) the analysis runs without a budget.
"""
from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from typing import Iterator, Optional

DEFAULT_FILE_TIMEOUT = 5.0  # seconds per 1,000 lines, and for any shorter file
LINES_PER_UNIT = 1000


class Stopped(BaseException):
    """The budget ran out.  Not an Exception: the `except Exception` that keeps one
    failing rule from stopping the others must not swallow it."""


def seconds_for(source: str, per_unit: float) -> float:
    """The budget of a file: `per_unit` seconds for each 1,000 lines, at least once."""
    lines = source.count("\n") + 1
    return per_unit * max(1.0, lines / LINES_PER_UNIT)


def _can_interrupt() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: Optional[float]) -> Iterator[None]:
    """Raise `Stopped` in the body once `seconds` have passed (nothing when None or 0,
    or where no signal can be handled).  A timer set by someone else before is set
    again afterwards with what was left of it."""
    if not seconds or seconds <= 0 or not _can_interrupt():
        yield
        return

    def expire(signum, frame):
        raise Stopped()

    previous = signal.signal(signal.SIGALRM, expire)
    theirs, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            # None: the handler before was not set from Python; the default is put back
            signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)
            if theirs:
                left = theirs - (time.monotonic() - started)
                signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))
