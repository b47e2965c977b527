"""Probes of the NAN102-NAN106, NAN202, NAN203 and NAN701 rules and the origins
they added to the model, written apart from the fixtures."""
import textwrap
import time

from flake8_nan.engine import Options, check_source

# The probes ask what the model resolves, of values whatever their range: nan-strict.
STRICT = Options(strict=True)


def reports(src):
    src = textwrap.dedent(src)
    fast = check_source(src, options=STRICT)
    assert fast == check_source(src, options=STRICT, full=True)
    return fast


def codes(src):
    return [(r.line, r.code) for r in reports(src)]


def test_softmax_module_through_self_attribute():
    assert codes("""\
        import torch
        from torch import nn
        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.probs = nn.Softmax(dim=-1)
            def forward(self, x):
                return torch.log(self.probs(x))
        """) == [(8, "NAN102")]


def test_log_of_softmax_message_names_input_and_dim():
    [r] = reports("""\
        import torch.nn.functional as F
        def f(logits):
            p = F.softmax(logits, dim=1)
            return p.log()
        """)
    assert r.code == "NAN102" and "F.log_softmax(logits, dim=1)" in r.message


def test_one_minus_sigmoid_is_reported_by_one_rule_only():
    [r] = reports("""\
        import torch
        def f(z):
            return torch.log(1 - torch.sigmoid(-z))
        """)
    assert r.code == "NAN103" and "F.logsigmoid(z)" in r.message


def test_one_minus_unknown_is_still_nan101():
    assert codes("""\
        import torch
        def f(p):
            return torch.log(1 - p)
        """) == [(3, "NAN101")]


def test_kl_div_input_log_softmax_is_left_to_nan401():
    assert codes("""\
        import torch
        import torch.nn.functional as F
        def f(x, t):
            return F.kl_div(torch.log(F.softmax(x, -1)), t)
        """) == [(4, "NAN401")]


def test_hand_written_softmax_is_not_a_division_by_sum():
    assert codes("""\
        import torch
        def f(x):
            e = x.exp()
            return e / e.sum(-1, keepdim=True)
        """) == [(4, "NAN105")]


def test_log_of_hand_written_softmax_is_one_report():
    [r] = reports("""\
        import torch
        def f(x):
            return torch.log(torch.exp(x) / torch.exp(x).sum(-1, keepdim=True))
        """)
    assert r.code == "NAN105" and "F.log_softmax(x, dim=-1)" in r.message


def test_filter_of_a_guarded_log_is_silent_and_of_a_raw_one_reported():
    assert codes("""\
        import torch
        def f(p, eps):
            a = torch.nan_to_num(torch.log(p + eps))
            y = torch.log(p)
            y[y != y] = 0
            return a, y
        """) == [(4, "NAN101"), (5, "NAN106")]


def test_self_compare_alone_triggers_the_fast_path():
    assert codes("""\
        import torch
        y = None
        def f(p):
            y = torch.log(p)
            y[y != y] = 0
            return y
        """) == [(4, "NAN101"), (5, "NAN106")]


def test_self_compare_of_a_division_may_be_numpy():
    assert codes("""\
        import torch
        def f(a, b):
            r = a / b
            r[r != r] = 0
            return torch.where(r != r, 0.0, r)
        """) == [(5, "NAN106")]


def test_nan_constant_bound_at_module_level():
    assert codes("""\
        import torch
        MISSING = float("nan")

        def f(x):
            return x == MISSING
        """) == [(5, "NAN701")]


def test_norm_guarded_by_an_eps_attribute():
    assert codes("""\
        import torch
        class M:
            def __init__(self, eps=1e-6):
                self.eps = eps
            def forward(self, x):
                return x / x.norm(dim=-1, keepdim=True).clamp_min(self.eps), x / x.std()
        """) == [(6, "NAN202")]


def test_selection_with_an_integer_origin_is_not_boolean():
    assert codes("""\
        import torch
        def f(x, mask):
            idx = torch.tensor([0, 2])
            keep = mask.nonzero()
            return x[idx].mean(), x[mask].mean(), x[keep].mean()
        """) == [(5, "NAN203")]


def test_arithmetic_origin_stays_linear_in_the_length_of_a_sum():
    terms = " + ".join(f"torch.log(p{i}) * w{i}" for i in range(200))
    src = f"import torch\ndef f():\n    z = {terms}\n    return torch.nan_to_num(z)\n"
    start = time.perf_counter()
    found = [r.code for r in check_source(src)]
    assert time.perf_counter() - start < 10
    assert found.count("NAN106") == 1
