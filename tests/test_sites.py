"""What the model reads of a module's calls of its own functions (model/sites.py)."""
import ast
import textwrap

from flake8_nan.model import Sites


def sites(code: str) -> Sites:
    code = textwrap.dedent(code)
    return Sites(code, ast.parse(code))


def numbers(s: Sites, owner, name, param, slot):
    passed = s.passed(owner, name, param, slot)
    return None if passed is None else [s.number(e, caller) for e, caller in passed]


def test_every_construction_passes_the_parameter():
    s = sites("""
        EPS = 1e-9
        class Norm:
            def __init__(self, dim, eps=1e-8): ...
        def build(dim, eps=1e-7):
            return Norm(dim, eps=1e-6), Norm(dim, 1e-5), Norm(dim, eps=eps), Norm(dim, EPS)
    """)
    assert numbers(s, None, "Norm", "eps", 1) == [1e-6, 1e-5, 1e-7, 1e-9]


def test_a_construction_that_leaves_the_default_or_hides_its_arguments():
    assert sites("""
        class Norm:
            def __init__(self, dim, eps=1e-8): ...
        def build(dim):
            return Norm(dim, eps=1e-6), Norm(dim)
    """).passed(None, "Norm", "eps", 1) is None
    assert sites("""
        class Norm:
            def __init__(self, dim, eps=1e-8): ...
        def build(dim, **kw):
            return Norm(dim, eps=1e-6), Norm(dim, **kw)
    """).passed(None, "Norm", "eps", 1) is None


def test_a_class_used_as_a_value_or_a_base_has_calls_unseen():
    for use in ("layer = Norm", "class Sub(Norm): ...", "make = partial(Norm, 4)"):
        s = sites(f"""
            class Norm:
                def __init__(self, dim, eps=1e-8): ...
            def build(dim):
                return Norm(dim, eps=1e-6)
            {use}
        """)
        assert s.passed(None, "Norm", "eps", 1) is None, use


def test_module_level_code_and_calls_on_other_objects_are_unseen():
    s = sites("""
        def _helper(x, eps=1e-8): ...
        y = _helper(1, eps=1e-6)
    """)
    assert s.passed(None, "_helper", "eps", 1) is None
    s = sites("""
        class Head:
            def _norm(self, x, eps=1e-8): ...
            def forward(self, x):
                return self._norm(x, eps=1e-6)
        def other(head, x):
            return head._norm(x)
    """)
    assert s.passed("Head", "_norm", "eps", 1) is None
    assert s.callers("Head", "_norm") is None


def test_the_callers_of_a_method_through_self():
    s = sites("""
        class Head:
            def _norm(self, x, eps=1e-8): ...
            def forward(self, x):
                return self._norm(x, eps=1e-6)
            def loss(self, x):
                return self._norm(x, 1e-5)
    """)
    assert numbers(s, "Head", "_norm", "eps", 1) == [1e-6, 1e-5]
    assert sorted(f.name for f, holder in s.callers("Head", "_norm")) == ["forward", "loss"]
    assert s.function(*s.callers("Head", "_norm")[0]).name.value in ("forward", "loss")


def test_a_class_that_builds_itself_has_constructions_unseen():
    for build in ("cls(dim)", "type(self)(dim)", "self.__class__(dim)"):
        s = sites(f"""
            class Norm:
                def __init__(self, dim, eps=1e-8): ...
                def again(self, cls, dim):
                    return {build}
            def build(dim):
                return Norm(dim, eps=1e-6)
        """)
        assert s.passed(None, "Norm", "eps", 1) is None, build


def test_a_name_the_caller_binds_is_not_the_module_constant():
    s = sites("""
        EPS = 1e-6
        class Norm:
            def __init__(self, dim, eps=1e-8): ...
        def build(dim, scale):
            EPS = scale * 1e-9
            return Norm(dim, eps=EPS)
    """)
    assert numbers(s, None, "Norm", "eps", 1) == [None]
