"""Rule pages generated from each rule's own data (never written by hand)."""
from __future__ import annotations

from .registry import RULES

_CLAIMS = {
    "nonfinite": "produces NaN or inf",
    "differs": "gives a different result from the correct one",
    "raises": "raises an error",
}
_SAFETY = {
    "safe": "safe: it does not change results where the code was already correct",
    "unsafe": "unsafe: it changes the numbers, so it is applied only on request",
    None: "no automatic fix",
}


def render_rule(rule) -> str:
    state = "on by default" if rule.default_enabled else \
        f"off by default (enable with `--extend-select {rule.code}`)"
    proof = _CLAIMS[rule.claim]
    if rule.claim == "raises":
        proof += f" (`{rule.raises}`)"
    parts = [
        f"## {rule.code}: {rule.summary}",
        f"*{state}*",
        "### Why is this bad?",
        rule.why,
        "### Example",
        f"```python\n{rule.bad.rstrip()}\n```",
        "### Use instead",
        f"```python\n{rule.good.rstrip()}\n```",
        "### Proof",
        f"The test suite runs both examples on PyTorch: the first {proof}, the second runs "
        "finite" + (" and matches the reference" if rule.claim == "differs" else "") +
        f". It also lints them: the first is reported as {rule.code}, the second is not.",
    ]
    for example in rule.more:
        parts += [f"### Example: {example.what}", f"```python\n{example.bad.rstrip()}\n```",
                  "### Use instead", f"```python\n{example.good.rstrip()}\n```",
                  f"The test suite runs and lints these as it does the first: this one "
                  f"{_CLAIMS[example.claim]}."]
    parts += [
        "### Fix",
        f"{rule.fix}\n\nFix safety: {_SAFETY[rule.fix_safety]}.",
    ]
    if rule.options:
        parts += ["### Options", "\n".join(f"- {o}" for o in rule.options)]
    if rule.references:
        parts += ["### References", "\n".join(f"- {r}" for r in rule.references)]
    return "\n\n".join(parts) + "\n"


def render_index() -> str:
    return "\n".join(f"{r.code}  {r.summary}" + ("" if r.default_enabled else "  (off by default)")
                     for r in RULES) + "\n"


def render_all() -> str:
    head = ("# flake8-nan rules\n\n"
            "Generated from the rules' own data by `flake8-nan docs > docs/rules.md`; "
            "do not edit by hand.\n\n"
            "| code | summary |\n|---|---|\n" +
            "".join(f"| [{r.code}](#{r.code.lower()}-{_anchor(r.summary)}) | {r.summary} |\n"
                    for r in RULES))
    return head + "\n" + "\n".join(render_rule(r) for r in RULES)


def _anchor(text: str) -> str:
    kept = "".join(c for c in text.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")
