"""The engine's traversal calls visitors exactly as libcst.visit_batched does."""
import libcst as cst
import pytest

from flake8_nan import traverse
from fixture_expectations import fixture_files
from real_sample import sample_files


def _node_types():
    seen, todo = set(), [cst.CSTNode]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return {t.__name__ for t in seen if not t.__name__.startswith("_")}


NODE_TYPES = _node_types()


class Recorder(cst.BatchableCSTVisitor):
    """Records every visit and leave of every node type it is told to watch."""

    def __init__(self, types):
        super().__init__()
        self.events = []
        self.types = types

    def get_visitors(self):
        out = {}
        for name in self.types:
            out[f"visit_{name}"] = lambda node, name=name: self.events.append(("visit", name, id(node)))
            out[f"leave_{name}"] = lambda node, name=name: self.events.append(("leave", name, id(node)))
        return out


def events(module, walker, types):
    recorder = Recorder(types)
    walker(module, [recorder])
    return recorder.events


SOURCES = [*fixture_files(), *sample_files()]


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_same_calls_as_libcst(path):
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    # Every node type but whitespace and punctuation, which the traversal skips
    # when no visitor asks for them: the same calls, on the same nodes, in order.
    types = NODE_TYPES - traverse._TRIVIA_NAMES
    assert events(module, traverse.visit, types) == events(module, cst.visit_batched, types)


def test_trivia_is_visited_when_asked_for():
    module = cst.parse_module("x = (a  +  b)  # c\n")
    types = {"Comment", "Add", "Name"}
    assert events(module, traverse.visit, types) == events(module, cst.visit_batched, types)
    assert ("visit", "Comment", id(module.body[0].trailing_whitespace.comment)) in \
        events(module, traverse.visit, types)
