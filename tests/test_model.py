"""Probes of the semantic model, written apart from the fixtures."""
import textwrap

import pytest

from flake8_nan.engine import Options, check_source

# The probes ask what the model resolves, of values whatever their range: nan-strict.
STRICT = Options(strict=True)


def codes(src):
    src = textwrap.dedent(src)
    fast = [(r.line, r.code) for r in check_source(src, options=STRICT)]
    assert fast == [(r.line, r.code) for r in check_source(src, options=STRICT, full=True)]
    return fast


@pytest.mark.parametrize("imports", [
    "import torch.nn.functional as F",
    "from torch.nn import functional as F",
    "import torch.nn.functional\nF = torch.nn.functional",
])
def test_functional_aliases(imports):
    src = f"import torch\n{imports}\n" + "def f(x, t):\n    return F.kl_div(F.softmax(x, -1), t)\n"
    assert [c for _, c in codes(src)] == ["NAN401"]


def test_alias_of_a_function():
    assert codes("""\
        import torch
        mylog = torch.log
        def f(p):
            return mylog(p)
        """) == [(4, "NAN101")]


def test_unknown_module_is_not_torch():
    assert codes("""\
        import pandas as torch_like
        import math
        def f(p):
            return torch_like.log(p) + math.log(p)
        """) == []


def test_numpy_is_a_framework_math_is_not():
    assert codes("""\
        import numpy as torch_like
        import math
        def f(p):
            return torch_like.log(p) + math.log(p)
        """) == [(4, "NAN101")]


def test_parameter_named_like_torch_shadows_it():
    assert codes("""\
        import torch
        def f(torch, p):
            return torch.log(p)
        """) == []


def test_eps_from_init_default_through_attribute():
    assert codes("""\
        import torch
        class M:
            def __init__(self, eps=1e-12):
                self.eps = eps
            def forward(self, x):
                return x / (x.norm() + self.eps)
        """) == [(6, "NAN301")]


def test_eps_from_init_is_unknown_when_assigned_twice_differently():
    assert codes("""\
        import torch
        class M:
            def __init__(self, eps=1e-12, fp16=False):
                self.eps = eps
                if fp16:
                    self.eps = 1e-4
            def forward(self, x):
                return x / (x.norm() + self.eps)
        """) == []


def test_eps_overridden_by_caller_is_still_the_default():
    # The default is what runs unless a caller passes another: the report names it.
    src = textwrap.dedent("""\
        import torch
        def norm(x, eps=1e-9):
            return torch.sqrt(x + eps)
        """)
    [report] = check_source(src)
    assert report.code == "NAN301" and "default of parameter eps in norm()" in report.message


def test_origin_through_shape_chain_and_local():
    assert codes("""\
        import torch
        def f(x, mask):
            denom = mask.sum(dim=1)
            d2 = denom.unsqueeze(-1).expand_as(x).float()
            return x / d2[:, :1]
        """) == [(5, "NAN201")]


def test_reassignment_after_a_guard_wins():
    assert codes("""\
        import torch
        def f(x, mask):
            d = mask.sum(1)
            d = d.clamp_min(1)
            return x / d
        """) == []


def test_branches_that_disagree_make_the_origin_unknown():
    assert codes("""\
        import torch
        import torch.nn.functional as F
        def f(x, t, use_log):
            if use_log:
                p = F.log_softmax(x, -1)
            else:
                p = F.softmax(x, -1)
            return F.kl_div(p, t)
        """) == []


def test_branches_that_agree_keep_the_origin():
    assert codes("""\
        import torch
        import torch.nn.functional as F
        def f(x, t, hot):
            if hot:
                p = F.softmax(x / 2, -1)
            else:
                p = F.softmax(x, -1)
            return F.kl_div(p, t)
        """) == [(8, "NAN401")]


def test_value_used_before_reassignment():
    assert codes("""\
        import torch
        def f(p):
            p = torch.log(p)
            return p
        """) == [(3, "NAN101")]


def test_local_class_named_like_a_transformers_model():
    assert codes("""\
        from transformers import BertModel
        def f(ids):
            class BertModel:
                def __call__(self, ids):
                    return ids
            return BertModel()(ids)
        """) == []


def test_module_constant_and_module_level_model():
    assert codes("""\
        import torch
        from transformers import AutoModelForMaskedLM
        TINY = 1e-30
        model = AutoModelForMaskedLM.from_pretrained("x")

        def run(ids, x):
            return model(ids), torch.log(x + TINY)
        """) == [(7, "NAN601"), (7, "NAN301")]


def test_lambda_and_comprehension_parameters_shadow():
    assert codes("""\
        import torch
        EPS = 1e-10
        f = lambda EPS, x: x / (x.sum() + EPS)
        g = [x / (x.sum() + EPS) for EPS in (1e-3,)]
        """) == []


def test_where_that_keeps_only_positive_values_is_positive():
    assert codes("""\
        import torch
        def f(x, eps):
            a = torch.log(torch.where(x > 0, x, 1.0))
            b = torch.log(x.where(0 < x, 2.0))
            c = torch.log(torch.where(x <= 0, 1.0, x))
            d = torch.log(torch.where(x >= eps, x, 1.0))
            return a, b, c, d
        """) == []
    assert codes("""\
        import torch
        def f(x, mask):
            a = torch.log(torch.where(x >= 0, x, 1.0))
            b = torch.log(torch.where(mask, x, 1.0))
            return a, b
        """) == [(3, "NAN101"), (4, "NAN101")]


def test_log_inside_a_where_is_reported_once():
    assert codes("""\
        import torch
        def f(x):
            return torch.where(x > 0, torch.log(x), 0.0)
        """) == [(3, "NAN502")]


def test_register_buffer_binds_the_attribute():
    src = """\
        import torch
        import torch.nn.functional as F
        class Attention(torch.nn.Module):
            def __init__(self, n):
                super().__init__()
                self.register_buffer("bias", {mask})
            def forward(self, att, T):
                att = att.masked_fill(self.bias[:, :T] == 0, float("-inf"))
                return F.softmax(att, dim=-1)
        """
    assert codes(src.format(mask="torch.tril(torch.ones(n, n))")) == []
    assert codes(src.format(mask="torch.ones(n, n)")) == [(8, "NAN303")]


def test_layer_instances_give_their_output_origin():
    assert codes("""\
        import torch.nn as nn
        class Head(nn.Module):
            def __init__(self):
                super().__init__()
                self.act = nn.Softmax(dim=-1)
                self.loss = nn.NLLLoss()
            def forward(self, x, y):
                return self.loss(self.act(x), y)
        """) == [(8, "NAN404")]


def test_a_method_of_self_is_not_a_tensor_method():
    # `self.norm` is a LayerNorm here, not Tensor.norm: no cosine similarity to report
    assert codes("""\
        import torch
        class Block(torch.nn.Module):
            def forward(self, a, b):
                return torch.acos((a * b).sum(-1) / self.norm(a))
        """) == []


def test_infinities_and_their_signs():
    assert codes("""\
        import math
        import torch
        NEG = float("-inf")
        def f(s, m):
            a = torch.softmax(s.masked_fill(m, -NEG), -1)
            b = torch.softmax(s.masked_fill(m, -(-math.inf)), -1)
            c = torch.softmax(s.masked_fill(m, -float("Infinity")), -1)
            return a, b, c
        """) == [(7, "NAN303")]


def test_script_steps_at_module_level_are_followed():
    assert codes("""\
        import torch
        model = torch.nn.Linear(4, 4)
        model.half()
        optimizer = torch.optim.Adam(model.parameters())
        criterion = torch.nn.BCELoss()
        loss = criterion(torch.sigmoid(model(torch.ones(4))), torch.ones(4))
        """) == [(4, "NAN304"), (6, "NAN403")]


def test_arange_from_one_is_positive():
    assert codes("""\
        import torch
        def init(n, d):
            A = torch.arange(1, n + 1, dtype=torch.float32)[None, :]
            A = A.expand(d, -1).contiguous()
            B = torch.arange(n).float()
            return torch.log(A), torch.log(B)
        """) == [(6, "NAN101")]


def test_top_values_of_a_softmax_through_a_function():
    assert codes("""\
        import torch
        def top(x, k):
            p = torch.softmax(x, -1)
            return torch.topk(p, k)
        def route(x, k):
            weights, experts = top(x, k)
            return weights / weights.sum(-1, keepdim=True), experts / experts.sum()
        """) == [(7, "NAN201")]


def test_integer_cast_seen_through_shape_methods():
    assert codes("""\
        import torch
        def bucket(rel, n):
            a = (torch.log(rel.float() / n) * 8).to(dtype=torch.int64)
            b = (torch.log(rel.float() / n) * 8).to(torch.float32)
            return a, b
        """) == [(4, "NAN101")]


def test_a_where_test_bounds_its_value_through_joins_negations_chains_and_abs():
    """Model.interval: the bounds a where's test puts on the value it compares, where its
    branch is not chosen (NAN502 reports an exp that overflows there)."""
    assert codes("""\
        import torch
        def f(x, mask):
            a = torch.where((x <= 3) & mask, torch.exp(x), 0.0)
            b = torch.where((x <= 3) | mask, torch.exp(x), 0.0)
            c = torch.where(~(x > 3), torch.exp(x), 0.0)
            d = torch.where(0 < x < 3, torch.exp(x), 0.0)
            e = torch.where(x.abs() < 3, torch.sinh(x), 0.0)
            g = torch.where((x > 3) & (x < 5), x, torch.exp(x))
            h = torch.where(x < 100.0, x, torch.exp(x / 2))
            k = torch.where(not_tested(x) < 3, torch.exp(x), 0.0)
            return a, b, c, d, e, g, h, k
        """) == [(3, "NAN502"), (4, "NAN502"), (5, "NAN502"), (6, "NAN502"), (7, "NAN502")]


def test_neg_inf_fills_are_followed_to_a_loss():
    # a fill on one path of an `if`, a write through a subscript or an in-place masked_fill_
    # (the last one written is reported) and an additive mask each carry their -inf through
    # a scale, a shape method and a log_softmax; a finite fill over them, a softmax and a
    # triangle of the mask end it (b's own fill is NAN303's: it reaches a softmax)
    assert codes("""\
        import torch
        import torch.nn.functional as F
        def on_a_path(z, m, t):
            if m is not None:
                z = z.masked_fill(m, float("-inf"))
            return -(t * F.log_softmax(z / 2.0, -1)).sum()
        def written(z, m, t):
            z[m] = float("-inf")
            z.masked_fill_(m.flip(0), float("-inf"))
            return F.kl_div(z.float().log_softmax(-1), t)
        def additive(z, n, t):
            bias = z.new_full((n, n), float("-inf"))
            z = z + bias
            return -(t * F.log_softmax(z, -1)).sum()
        def ended(z, m, t, n):
            a = z.masked_fill(m, float("-inf")).masked_fill(m, 0.0)
            b = F.softmax(z.masked_fill(m, float("-inf")), -1)
            c = z + torch.triu(torch.full((n, n), float("-inf")), 1)
            return -(t * F.log_softmax(a, -1)).sum(), -(b * F.log_softmax(c, -1)).sum()
        """) == [(5, "NAN305"), (9, "NAN305"), (12, "NAN305"), (17, "NAN303")]
