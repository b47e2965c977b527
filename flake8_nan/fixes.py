"""Apply rule fixes to a module: replace nodes, add imports, re-lint, repeat.

A round parses the whole file (fixes need every line, so no pre-filter),
replaces the nodes of every applicable fix in one transformer pass, and
keeps the result only if it parses and re-linting reports each fixed code
fewer times.  Nested reports (`log(log(p))`) are fixed over several rounds.
"""
from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

import libcst as cst

from . import traverse
from .engine import Options, Report, check_source, run_rules, run_rules_with_fixes

MAX_ROUNDS = 5


@dataclass
class FixResult:
    source: str
    applied: list[Report] = field(default_factory=list)  # positions in the source they fixed

    @property
    def changed(self) -> bool:
        return bool(self.applied)


class _Replace(cst.CSTTransformer):
    def __init__(self, mapping: dict[int, cst.CSTNode]):
        super().__init__()
        self.mapping = mapping

    def on_leave(self, original_node, updated_node):
        return self.mapping.get(id(original_node), updated_node)


def _add_imports(module: cst.Module, statements: Sequence[str]) -> cst.Module:
    present = {module.code_for_node(s).strip() for s in module.body
               if isinstance(s, cst.SimpleStatementLine)}
    wanted = [s for s in dict.fromkeys(statements) if s not in present]
    if not wanted:
        return module
    body = list(module.body)
    at = 0
    for i, stmt in enumerate(body):
        if isinstance(stmt, cst.SimpleStatementLine) and \
                all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body):
            at = i + 1
        elif at == 0 and i == 0 and isinstance(stmt, cst.SimpleStatementLine) and \
                isinstance(stmt.body[0], cst.Expr) and isinstance(stmt.body[0].value, cst.SimpleString):
            at = 1  # after the module docstring
    new = [cst.parse_statement(s + "\n") for s in wanted]
    return module.with_changes(body=body[:at] + new + body[at:])


def fixable(rule_codes_safety: dict[str, str], code: str, unsafe: bool) -> bool:
    safety = rule_codes_safety.get(code)
    return safety == "safe" or (unsafe and safety == "unsafe")


def fix_source(source: str, rules: Sequence[type], options: Options = Options(),
               unsafe: bool = False) -> FixResult:
    safety = {r.code: r.fix_safety for r in rules}
    result = FixResult(source)
    # The pre-filtered check is cheap; the whole-file parse a fix needs is not.
    if not any(fixable(safety, r.code, unsafe) for r in check_source(source, rules=rules,
                                                                        options=options)):
        return result
    for _ in range(MAX_ROUNDS):
        try:
            module = cst.parse_module(result.source)
        except Exception:
            return result
        pairs = _disjoint([(report, fix) for report, fix in run_rules_with_fixes(module, rules, options)
                           if fix is not None and fixable(safety, report.code, unsafe)])
        if not pairs:
            return result
        mapping = {id(fix.old): fix.new for _, fix in pairs}
        new_module = module.visit(_Replace(mapping))
        new_module = _add_imports(new_module, [imp for _, fix in pairs for imp in fix.imports])
        new_source = new_module.code
        if not _improves(result.source, new_source, [r for r, _ in pairs], rules, options):
            return result
        result.source = new_source
        result.applied += [r for r, _ in pairs]
    return result


def _subtree_ids(node: cst.CSTNode) -> set[int]:
    ids, todo = set(), [node]
    while todo:
        n = todo.pop()
        ids.add(id(n))
        todo.extend(traverse.children(n))
    return ids


def _disjoint(pairs):
    """The fixes of this round: none inside another (those wait for the next round)."""
    kept, covered = [], []
    for report, fix in pairs:
        inside = _subtree_ids(fix.old)
        if any(id(fix.old) in c for c in covered) or any(id(k.old) in inside for _, k in kept):
            continue
        kept.append((report, fix))
        covered.append(inside)
    return kept


def _improves(old: str, new: str, fixed: list[Report], rules, options) -> bool:
    try:
        ast.parse(new)
        before = Counter(r.code for r in run_rules(cst.parse_module(old), rules, options))
        after = Counter(r.code for r in run_rules(cst.parse_module(new), rules, options))
    except Exception:  # noqa: BLE001 - a fix that breaks the module is dropped
        return False
    return all(after[code] < before[code] for code in {r.code for r in fixed})
