"""Value ranges: the lattice (flake8_nan/ranges.py) and what the model reads of values
(flake8_nan/model/values.py): why a value can reach 0, and why it cannot."""
import textwrap

import libcst as cst
import pytest

from flake8_nan import ranges, traverse
from flake8_nan.model import Model
from flake8_nan.ranges import POSITIVE, UNKNOWN, Precision, Range


# ------------------------------------------------------------------ the lattice
def test_join_is_safe_only_where_both_are():
    zero = Range(zero="a ReLU output")
    assert ranges.join(POSITIVE, POSITIVE).positive
    assert ranges.join(POSITIVE, zero) == Range(zero="a ReLU output")
    assert ranges.join(zero, Range(negative="a difference")).negative == "a difference"
    assert ranges.join(UNKNOWN, UNKNOWN) == UNKNOWN


def test_origins_give_reasons():
    assert "underflows" in ranges.of_origin("softmax").zero and ranges.of_origin("softmax").unit
    assert ranges.of_origin("relu").zero.startswith("a ReLU output")
    assert ranges.of_origin("norm").zero.startswith("a norm")
    assert ranges.of_origin("difference").negative
    assert ranges.of_origin("exp", positive=True).positive
    assert ranges.of_origin("softplus").positive
    assert ranges.of_origin("unknown-op") == UNKNOWN and ranges.of_origin(None) == UNKNOWN


def test_an_exp_underflows_only_where_float16_is_in_play():
    assert ranges.of_origin("exp", positive=True, precision=Precision(float16=True)).zero
    assert ranges.of_origin("exp", positive=True).reaches_zero is None


def test_sums_and_one_minus():
    assert ranges.summed(Range(mask=True, zero="a mask")).count
    assert "count" in ranges.summed(Range(mask=True, zero="a mask")).zero
    assert ranges.summed(POSITIVE).positive
    assert ranges.summed(Range(zero="a ReLU output, 0 below 0")).zero.startswith("a sum over a ReLU output")
    # a class's mass over time steps: 0 where every step underflows
    assert ranges.summed(Range(unit=True, zero="a probability")).zero.startswith("a sum over a probability")
    assert ranges.summed(Range(zero="x", negative="y")) == UNKNOWN  # terms of both signs
    assert ranges.one_minus(ranges.of_origin("sigmoid")).zero.startswith("1 - p of a sigmoid")
    assert ranges.one_minus(UNKNOWN) == UNKNOWN


@pytest.mark.parametrize("name, kind", [("probs", "unit"), ("p_fake_prob", "unit"),
                                        ("likelihood", "unit"), ("label_mask", "mask"),
                                        ("mask", "mask"), ("problem", None), ("masked", None)])
def test_names_say_what_a_value_is(name, kind):
    r = ranges.of_name(name)
    assert (kind is None and r == UNKNOWN) or getattr(r, kind)
    assert (kind == "unit") == bool(r.zero)  # a mask by its name may have a token in every row


# ------------------------------------------------------------------ the model
class _Probe(cst.BatchableCSTVisitor):
    """Records the model's range of the argument of each `probe(...)` call."""

    def __init__(self, model):
        super().__init__()
        self.model, self.found = model, []

    def visit_Call(self, node):
        if isinstance(node.func, cst.Name) and node.func.value == "probe":
            self.found.append(self.model.value_range(node.args[0].value))


def probe(source: str, float16: bool = False) -> Range:
    model = Model(precision=Precision(float16=float16))
    p = _Probe(model)
    traverse.visit(cst.parse_module(textwrap.dedent(source)), [model, p])
    assert len(p.found) == 1
    return p.found[0]


HEAD = "import torch\nimport torch.nn.functional as F\nimport numpy as np\n"


@pytest.mark.parametrize("code, reason", [
    ("probe(F.softmax(x, -1))", "a softmax output"),
    ("p = torch.sigmoid(x)\nprobe(p)", "a sigmoid output"),
    ("probe(F.relu(x))", "a ReLU output"),
    ("probe(x.abs())", "an absolute value"),
    ("probe((labels != -100).sum(1))", "a count of a mask"),
    ("probe((x > 0).sum())", "a count of a mask"),
    ("probe(x.norm(dim=-1))", "a norm"),
    ("probe(x.std())", "a standard deviation"),
    ("probe(a - b)", "a difference"),
    ("probe(x.max() - x.min())", "a max minus a min"),
    ("probe(1 - torch.sigmoid(x))", "1 - p of a sigmoid output"),
    ("probe(torch.zeros(3))", "a tensor of zeros"),
    ("probe(F.relu(x).sum())", "a sum over a ReLU output"),
    ("probe(((a - b) ** 2).mean())", "a mean over a square"),
    ("probe(probs)", "a probability named probs"),
    ("probe(x * (labels > 0))", "a value masked by a mask"),
    ("probe((x * (y > 0)).sum(1))", "a sum over a value masked by a mask"),
    ("probe(torch.empty(3).uniform_(0, 1))", "a uniform random value from 0"),
    ("probe(F.pairwise_distance(a, b))", "a distance"),
])
def test_evidence_of_zero(code, reason):
    r = probe(HEAD + code)
    assert r.reaches_zero and r.reaches_zero.startswith(reason), r


@pytest.mark.parametrize("code", [
    "probe(x.clamp_min(1e-6))",
    "probe(x + 1e-6)",
    "probe(torch.exp(x))",
    "probe(F.softplus(x))",
    "probe(torch.exp(x).sum())",
    "probe(torch.ones(3))",
    "probe(torch.arange(1, n))",
    "probe(F.relu(x) + 1e-6)",
    "d = torch.where(d == 0, 1, d)\nprobe(d)",
    "probe(torch.where(m, x, 1).clamp_min(1e-6))",
])
def test_evidence_of_safety(code):
    r = probe(HEAD + code)
    assert r.positive or r.nonzero, r


def test_unknown_stays_unknown():
    r = probe(HEAD + "def f(x):\n    probe(x)\n")
    assert r.reaches_zero is None and not r.positive and not r.negative


@pytest.mark.parametrize("code", [
    "def f(x, mask):\n    n = mask.sum()\n    if n == 0:\n        return x\n    probe(n)\n",
    "def f(x, mask):\n    if mask.sum() == 0:\n        raise ValueError\n    probe(mask.sum())\n",
    "def f(x, mask):\n    if not mask.any():\n        return x\n    probe(mask.sum())\n",
    "def f(x, d):\n    assert d > 0\n    probe(d)\n",
    "def f(x, d):\n    if d != 0:\n        probe(d)\n",
    "def f(x, d):\n    return probe(d) if d != 0 else 0\n",
    "def f(x, d):\n    m = d > 0\n    probe(d[m])\n",
])
def test_guards_the_code_has_passed(code):
    r = probe(HEAD + code.replace("probe(d) if", "probe(d) if"))
    assert r.nonzero or r.positive, r


def test_a_guard_holds_only_where_it_was_passed():
    r = probe(HEAD + "def f(x, d):\n    if d != 0:\n        y = 1\n    probe(d.sum())\n")
    assert not (r.nonzero or r.positive)
    r = probe(HEAD + "def f(x, labels):\n    n = (labels > 0).sum(1)\n    if (n == 0).any():\n        pass\n"
               "    probe(n)\n")
    assert r.reaches_zero


@pytest.mark.parametrize("code, host, wide", [
    ("probe(torch.log(x))", "tensor", False),
    ("probe(x.norm(dim=-1))", "tensor", False),
    ("probe(x.sum(dim=-1))", "tensor", False),
    ("probe(np.log(x))", "numpy", False),
    ("probe(len(x) + 1)", "python", False),
    ("probe(x.item())", "python", False),
    ("probe(x.float().norm(dim=-1))", "tensor", True),
    ("y = x.to(torch.float32)\nprobe(y.std(dim=0))", "tensor", True),
    ("probe(x.half().float().half())", "tensor", False),
    ("probe(torch.sigmoid(x.float()).to(x.dtype).sum(-1))", "tensor", False),
    ("probe(torch.sigmoid(x.float()).to(x.device).sum(-1))", "tensor", True),
    ("probe(x.float().type_as(h).sum(-1))", "tensor", False),
    # a dtype named for float32 where the input is narrow, in a cast and in a factory
    ("acc = torch.float32 if x.dtype in (torch.float16, torch.bfloat16) else x.dtype\n"
     "probe(x.to(dtype=acc).sum(-1))", None, True),
    ("acc = torch.float32 if x.dtype in (torch.float16, torch.bfloat16) else x.dtype\n"
     "probe(torch.zeros(3, dtype=acc))", "tensor", True),
    ("def f(x: torch.Tensor):\n    probe(x)\n", "tensor", False),
    # a function of a float32 tensor computes in float32, whichever operand it is
    ("probe(torch.sigmoid(F.linear(h.float(), w)).sum(-1))", "tensor", True),
    ("probe(torch.matmul(w, h.double()))", "tensor", True),
    ("probe(torch.matmul(w, h))", "tensor", False),
    # a cast on every path survives the `if`; on one path only, it does not
    ("y = x.float()\nif c:\n    y = (y + 1).clamp(max=1)\nprobe(y)", "tensor", True),
    ("y = x\nif c:\n    y = x.float()\nprobe(y)", "tensor", False),
    # a dtype test that casts the narrow dtypes to float32
    ("h = torch.matmul(a, b)\nif h.dtype in (torch.float16, torch.bfloat16):\n    h = h.float()\n"
     "probe(h)", "tensor", True),
    ("h = torch.matmul(a, b)\nif c.dtype in (torch.float16, torch.bfloat16):\n    h = h.float()\n"
     "probe(h)", "tensor", False),
    # an in-place update keeps the tensor's dtype
    ("h = 0.1 * torch.rand(3, 4)\nh /= h.sum(0)\nprobe(h)", "tensor", True),
    ("h = x.half()\nh /= h.float().sum(0)\nprobe(h)", "tensor", False),
])
def test_what_kind_of_value_and_its_precision(code, host, wide):
    r = probe(HEAD + code)
    assert (r.host, r.wide) == (host, wide), r


def test_a_factory_makes_float32_unless_the_default_dtype_is_changed():
    assert probe(HEAD + "probe(torch.rand(3) * 2)", float16=True).wide
    model = Model(precision=Precision(float16=True, default_half=True))
    p = _Probe(model)
    traverse.visit(cst.parse_module(HEAD + "probe(torch.rand(3) * 2)"), [model, p])
    assert not p.found[0].wide


@pytest.mark.parametrize("code, constant", [
    ("probe(x.detach())", True),
    ("probe((x > 0).sum())", True),
    ("probe(x.sum())", False),
    ("probe(x.long())", True),
    ("probe(torch.arange(n) * 2)", True),
    ("probe(torch.zeros(3, requires_grad=True))", False),
])
def test_what_no_gradient_flows_through(code, constant):
    assert probe(HEAD + code).constant == constant


@pytest.mark.parametrize("code", [
    "probe(attention_mask.sum(1))",  # every sequence holds a real token
    "probe(mask.sum(1))",  # most masks by that name are of padded sequences
    "probe(F.relu(a) + F.relu(b))",  # two terms that can each be 0: no evidence both are
    "probe(torch.sigmoid(a) * x)",  # an underflow times a value: not a hard zero
    "probe(torch.where(x > 0, x.abs(), 1))",  # the test picks the branch
    "probe(torch.empty(3).uniform_(lo, hi))",  # a bound of unknown value
    "probe(F.softmax(x, -1).sum(-1))",
])
def test_no_evidence(code):
    assert probe(HEAD + code).reaches_zero is None


def test_a_branch_does_not_see_what_its_sibling_bound():
    code = ("def f(kind, v, beta):\n    if kind == 1:\n        v = torch.log(v)\n"
            "    elif kind == 2:\n        probe(v)\n")
    assert probe(HEAD + code).negative is None
    code = ("def f(kind, v):\n    if kind == 1:\n        v = torch.log(v)\n"
            "    else:\n        probe(v)\n")
    assert probe(HEAD + code).negative is None


@pytest.mark.parametrize("write", ["acc[0] = 1.0", "acc[m] += x", "acc.index_add_(0, i, x)",
                                   "acc.fill_(1.0)"])
def test_a_value_written_in_place_is_no_longer_what_it_was_bound_to(write):
    code = f"def f(x, i, m):\n    acc = torch.zeros(3)\n    {write}\n    probe(acc)\n"
    assert probe(HEAD + code).reaches_zero is None
    assert probe(HEAD + "def f(x):\n    acc = torch.zeros(3)\n    probe(acc)\n").reaches_zero


def test_a_cap_that_rounds_to_one_lets_one_minus_p_reach_zero():
    # float32's spacing below 1 is 6e-8: 1 - 1e-8 is 1.0, 1 - 1e-6 is not
    assert probe(HEAD + "q = torch.clamp(p, 0.01, 1 - 1e-8)\nprobe(1 - q)").reaches_zero
    assert probe(HEAD + "q = torch.clamp(p, 0.01, 1 - 1e-6)\nprobe(1 - q)").positive
    # in float16 (spacing 4.9e-4 below 1) 1 - 1e-6 rounds to 1 as well
    assert probe(HEAD + "q = torch.clamp(p, 0.01, 1 - 1e-6)\nprobe(1 - q)", float16=True).reaches_zero


@pytest.mark.parametrize("code, integer", [
    ("probe(sf.view(torch.int32))", True),  # the float's bits: integer arithmetic follows
    ("probe(x.to(torch.int64))", True),
    ("probe(x.view(-1, 4))", False),  # a view of the same float tensor
    ("probe(x.to(torch.float16))", False),
])
def test_a_cast_to_an_integer_dtype_makes_an_integer(code, integer):
    r = probe(HEAD + code, float16=True)
    assert r.count == integer
    if integer:
        assert r.constant and not r.wide


def test_a_shift_is_folded_into_a_number():
    model = Model(precision=Precision())
    module = cst.parse_module("big = 1 << 30\nhuge = 1 << 5000\n")
    traverse.visit(module, [model])
    assert model.const(cst.Name("big")).value == 2 ** 30
    assert model.const(cst.Name("huge")) is None  # an unbounded shift is not computed
