"""Run a rule's documented examples on real PyTorch and say what they show.

Used by the test suite (CPU) and by scripts/run_proofs.py (any device and
autocast precision).  torch is imported lazily: it is never a dependency of
the linter itself.
"""
from __future__ import annotations

import contextlib
from typing import Optional


def execute(code: str, device: str = "cpu", autocast: Optional[str] = None) -> dict:
    """Execute an example; return its namespace.  Exceptions propagate."""
    import torch

    namespace = {"__name__": "proof"}
    context = contextlib.nullcontext()
    if autocast:
        context = torch.autocast(device, dtype=getattr(torch, autocast))
    previous = torch.get_default_device()
    torch.set_default_device(device)
    try:
        with context:
            exec(compile(code, "<example>", "exec"), namespace)  # our own documented examples
    finally:
        torch.set_default_device(previous)
    return namespace


def finite(value) -> bool:
    import torch

    if isinstance(value, (tuple, list)):
        return all(finite(v) for v in value)
    return bool(torch.isfinite(torch.as_tensor(value)).all())


def close(a, b) -> bool:
    import torch

    a, b = torch.as_tensor(a).float().cpu(), torch.as_tensor(b).float().cpu()
    try:
        return bool(torch.allclose(a, b, atol=1e-4))
    except RuntimeError:  # shapes that do not broadcast
        return False


def outcome(rule, which: str, device: str = "cpu", autocast: Optional[str] = None,
            example=None) -> tuple[bool, str]:
    """(as claimed, what happened) for the "bad" or "good" code of the rule's example, or
    of `example`, one of its `more`."""
    source = example or rule
    code = source.bad if which == "bad" else source.good
    try:
        ns = execute(code, device, autocast)
    except Exception as exc:  # noqa: BLE001 - an exception is an outcome here
        text = f"{type(exc).__name__}: {exc}".splitlines()[0][:120]
        raised = source.claim == "raises" and rule.raises in f"{type(exc).__name__}: {exc}"
        return (which == "bad" and raised), f"raised {text}"
    out = ns.get("out")
    if out is None:
        return False, "no `out` was set"
    is_finite = finite(out)
    if source.claim == "differs":
        matches = close(out, ns["ref"])
        shown = "matches the reference" if matches else "differs from the reference"
        ok = (not matches) if which == "bad" else (matches and is_finite)
        return ok, shown + ("" if is_finite else ", non-finite")
    shown = "finite" if is_finite else "NaN/inf"
    if which == "bad":
        return source.claim == "nonfinite" and not is_finite, shown
    return is_finite, shown
