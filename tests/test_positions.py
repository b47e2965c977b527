"""Positions computed per statement equal libcst's PositionProvider, node for node."""
import ast
import textwrap

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from flake8_nan.engine import parse
from flake8_nan.positions import all_ranges, first_lines, ranges_of
from flake8_nan.prefilter import select
from fixture_expectations import fixture_files, rule_sets

HOSTILE = [
    "# header\n\n\nimport torch\n",
    "import torch\n\n# lead\n@a\n# between\n@b(\n  1)\n\ndef f(p):\n    return torch.log(p)\n",
    "a = 1; b = torch.log(a);\nc = (\n  1 +\n  2)\n",
    "import torch\r\n\r\nx = torch.log(p)\r\n# tail\r\n",
    "if x:\n\tpass\nelse:\n\ty = torch.log(x)\n",
    "x = 1\n\x0c\ndef f():\n    return torch.log(x)\n",
    "class C:\n    '''doc'''\n\n    # c\n    def f(self):\n        return self.x / 2\n",
    "x = [\n    1,  # one\n]\n# trailing comment\n",
    'x = """\na\n"""; y = 2\n',
    "@decorator\nclass A: pass\n\n\n\n@d\nasync def g(): await x\n",
]


def check(text: str, module: cst.Module) -> int:
    whole = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    ours = dict(all_ranges(module, text))
    inside, todo = [], list(module.body)  # every node of the statements, trivia included
    while todo:
        node = todo.pop()
        inside.append(node)
        todo.extend(node.children)
    assert set(ours) == set(inside)
    for node in inside:
        assert ours[node] == whole[node], (type(node).__name__, ours[node], whole[node])
    # what the engine asks: a few nodes of a statement, written only as far as needed
    lines = first_lines(module, ast.parse(text))
    for stmt, line in zip(module.body, lines):
        nodes = [n for n in inside_of(stmt) if not isinstance(n, TRIVIA)][::7]
        got = ranges_of(module, stmt, line, nodes)
        for node in nodes:
            assert got[node] == whole[node], (type(node).__name__, got[node], whole[node])
    return len(inside)


TRIVIA = (cst.BaseParenthesizableWhitespace, cst.Comma, cst.Newline, cst.EmptyLine,
          cst.TrailingWhitespace, cst.Comment)


def inside_of(node):
    todo, out = [node], []
    while todo:
        n = todo.pop()
        out.append(n)
        todo.extend(n.children)
    return out


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_layouts(source):
    assert check(source, cst.parse_module(source)) > 0


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: p.name)
def test_fixtures_whole_and_pre_filtered(path):
    source = path.read_text(encoding="utf-8")
    assert check(source, cst.parse_module(source)) > 0
    for rules in rule_sets().values():
        chosen = select(source, ast.parse(source), rules, 1e-7)
        if chosen is not None:
            check(chosen.text, parse(chosen.text, chosen.starts, chosen.members))


def test_real_code():
    from real_sample import sample_files
    for path in sample_files()[:10]:
        source = path.read_text(encoding="utf-8")
        check(source, cst.parse_module(source))


def test_statements_that_do_not_line_up_give_none():
    module = cst.parse_module("a = 1\nb = 2\n")
    assert first_lines(module, ast.parse("a = 1\n")) is None
    assert first_lines(module, ast.parse(textwrap.dedent("a = 1\nb = 2\n"))) == [1, 2]
