"""The pre-filter keeps what a rule can report on and what that depends on, and no more.

Exactness (the same reports as a full parse) is checked on every fixture and on real code
in test_fixtures.py; these tests check that the filtering happens at all.
"""
import ast
import textwrap

import libcst as cst
import pytest

from flake8_nan.engine import Options, check_source, parse
from flake8_nan.prefilter import select
from flake8_nan.registry import BY_CODE

DIVIDE_BY_SUM = [BY_CODE["NAN201"]]
# what the pre-filter keeps must serve values of unknown range too
STRICT = Options(strict=True)


def kept(source: str, rules=DIVIDE_BY_SUM):
    source = textwrap.dedent(source)
    found = select(source, ast.parse(source), rules, 1e-7)
    return None if found is None else found.text


def test_a_sum_and_an_unrelated_division_keep_nothing():
    assert kept("""
        import torch

        def f(x, n):
            total = x.sum()
            print(total)
            return x / n
        """) is None


def test_a_sum_reaching_the_division_through_a_local_is_kept_with_its_binding_only():
    text = kept("""
        import torch

        def f(x, mask, n):
            s = mask.sum()
            unrelated = x * 2
            print(unrelated)
            return x / s
        """)
    assert "s = mask.sum()" in text and "return x / s" in text
    assert "unrelated" not in text


def test_an_attribute_set_in_init_brings_its_assignment_not_the_rest_of_init():
    text = kept("""
        import torch
        import torch.nn as nn

        class Pool(nn.Module):
            def __init__(self, mask, d):
                super().__init__()
                self.proj = nn.Linear(d, d)
                self.dropout = nn.Dropout(0.1)
                self.count = mask.sum()

            def forward(self, x):
                return self.proj(x) / self.count

            def extra_repr(self):
                return "pool"
        """)
    assert "self.count = mask.sum()" in text and "return self.proj(x) / self.count" in text
    assert "self.proj = nn.Linear" in text  # read by the kept statement: what it is may matter
    assert "self.dropout" not in text and "extra_repr" not in text


def test_words_in_comments_and_prose_keep_nothing():
    assert kept('''
        import torch

        def f(x, n):
            """Divide by n; never by x.sum()."""
            y = x / n  # the sum is elsewhere
            return y
        ''') is None


def test_a_slice_is_no_boolean_selection():
    rules = [BY_CODE["NAN203"]]
    assert kept("import torch\ny = x[:, 0].mean() + x[0].mean() + d['k'].mean()\n", rules) is None
    assert kept("import torch\ny = x[mask].mean()\n", rules) is not None


def test_a_selection_counts_only_where_it_is_reduced():
    rules = [BY_CODE["NAN203"]]
    source = """
        import torch

        def forward(self, x, idx):
            x = self.blocks[idx](x)
            y = x[idx] + 1
            return x.mean(dim=1), y.std()
        """
    assert kept(source, rules) is None
    for reduced in ("x[idx].float().mean()", "torch.std(x[idx])", "x[\n" + " " * 12 + "idx].var()"):
        assert kept(source.replace("x.mean(dim=1)", reduced), rules) is not None, reduced


def test_a_function_scope_rule_sees_the_whole_function():
    text = kept("""
        import torch

        def step(model, opt, scaler, loss):
            scaler.scale(loss).backward()
            log = {"ok": 1}
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        """, [BY_CODE["NAN602"]])
    assert 'log = {"ok": 1}' in text


def test_pieces_print_as_the_text_they_were_parsed_from():
    body = "".join(f"def f{i}(x):\n    if x:\n        return x / {i}\n    return x\n"
                   for i in range(120))
    text = "import torch\n" + body
    starts = [1] + [2 + 4 * i for i in range(120)]
    module = parse(text, starts)
    assert module.code == text
    assert len(module.body) == 121


def test_pieces_with_other_indentation_fall_back_to_one_parse():
    first = "".join(f"def f{i}(x):\n    return x\n" for i in range(150))
    second = "".join(f"def g{i}(x):\n  return x\n" for i in range(150))
    text = first + second
    starts = [1 + 2 * i for i in range(300)]
    assert parse(text, starts).code == text


def test_filtered_and_full_parse_agree_on_these_cases():
    source = textwrap.dedent("""
        import torch
        import torch.nn as nn

        class Pool(nn.Module):
            def __init__(self, mask, d):
                super().__init__()
                self.proj = nn.Linear(d, d)
                self.count = mask.sum()

            def forward(self, x):
                s = x.sum(-1)
                return self.proj(x) / self.count + x / s
        """)
    rules = [BY_CODE["NAN201"], BY_CODE["NAN203"]]
    fast = check_source(source, rules=rules, options=STRICT)
    assert fast == check_source(source, rules=rules, options=STRICT, full=True)
    assert [(r.line, r.code) for r in fast] == [(13, "NAN201"), (13, "NAN201")]


def test_pieces_of_a_whole_module_keep_its_comments_and_blank_lines():
    body = "".join(f"\n# step {i}\n\ndef f{i}(p):\n    # inside\n    return torch.log(p) / {i}\n"
                   for i in range(150))
    source = "import torch\nx = (1,\n     2); y = torch.log(x)\n" + body + "\n# the end\n"
    found = select(source, ast.parse(source), [BY_CODE["NAN101"]], 1e-7)
    assert found.text == source and len(found.starts) > 100  # all kept, cut at statements
    assert 3 not in found.starts  # `y = ...` begins inside the statement before it
    assert parse(found.text, found.starts).code == source


def test_a_long_class_is_parsed_in_runs_of_members():
    methods = "".join(f"    @staticmethod\n    def m{i}(p):\n        s = p.sum()\n        return p / s\n"
                      for i in range(120))
    source = f"import torch\n\n\nclass Big:\n    '''Doc.'''\n{methods}\n\nx = 1\n"
    found = select(source, ast.parse(source), DIVIDE_BY_SUM, 1e-7)
    first = found.text.splitlines().index("class Big:") + 1
    assert len(found.members[first]) > 100  # every method after the first may start a run
    module = parse(found.text, found.starts, found.members)
    assert module.code == found.text
    big = module.body[1]
    assert big.name.value == "Big" and len(big.body.body) == 121
    reports = check_source(source, rules=DIVIDE_BY_SUM, options=STRICT)
    assert len(reports) == 120 and reports == check_source(source, rules=DIVIDE_BY_SUM,
                                                           options=STRICT, full=True)


def test_a_module_whose_words_meet_no_trigger_is_done_before_its_statements():
    rules = [BY_CODE["NAN302"]]
    source = "import torch\n\ndef f(x, m):\n    y = x * 2\n    return x.masked_fill(m, -1e4)\n"
    assert kept(source, rules) is None
    assert kept(source.replace("-1e4", "-1e9"), rules) is not None
    assert kept(source.replace("-1e4", "-1e4)  # -1e9"), rules) is None  # a comment says nothing


def test_a_root_counts_for_a_where_only_as_what_a_branch_holds():
    rules = [BY_CODE["NAN502"]]
    source = """
        import math
        import torch

        def attend(q, k, mask):
            scores = q @ k / math.sqrt(k.shape[-1])
            return torch.where(mask, scores, -1e4)
        """
    assert kept(source, rules) is None
    assert kept(source.replace("q @ k / math.sqrt(k.shape[-1])", "torch.sqrt(q)"), rules) is not None


def test_a_power_counts_for_a_where_only_inside_it():
    """`2 ** x` in a where's branch overflows for a large x; a power computed elsewhere is
    no branch the rule reads through a name."""
    rules = [BY_CODE["NAN502"]]
    source = """
        import torch

        def grow(x, y):
            s = y ** 2
            return torch.where(x < 0, s, x)
        """
    assert kept(source, rules) is None
    assert kept(source.replace("torch.where(x < 0, s, x)", "torch.where(x < 0, 2 ** x, x)"),
                rules) is not None
    assert kept(source.replace("y ** 2", "torch.exp(x)"), rules) is not None


# ------------------------------------------------------------------ the module gate
def _rule_sets():
    from flake8_nan.registry import RULES
    yield "default", tuple(r for r in RULES if r.default_enabled)
    yield "all", RULES
    for r in RULES:
        yield r.code, (r,)


def test_the_gate_ends_and_agrees_with_finding_everything_for_every_open_combination():
    """Each rule set, with the plain words that leave a rule open only on costly
    pseudo-words, and each combination of what the costly finders would find: the gate
    runs each finder at most once and answers as if it had found everything."""
    import itertools

    from flake8_nan.prefilter import _COSTLY, _COSTLY_WORDS, _rules, gate

    costly = sorted(_COSTLY_WORDS)
    checked = 0
    for label, rules in _rule_sets():
        triggers = _rules(rules).triggers
        # one plain word from every group a costly word cannot fill, per rule
        opens = {frozenset(sorted(g)[0] for g in t if g.isdisjoint(_COSTLY_WORDS)) for t in triggers}
        for plain in opens | {frozenset()}:
            for n in range(len(costly) + 1):
                for present in itertools.combinations(costly, n):
                    present = set(present)
                    calls = []

                    def look(find):
                        calls.append(find)
                        return next(p for p, f in _COSTLY if f is find) & present

                    got = gate(set(plain), triggers, look)
                    everything = set(plain) | present
                    assert got == any(all(not everything.isdisjoint(g) for g in t)
                                      for t in triggers), (label, plain, present)
                    assert len(calls) == len(set(calls)) <= len(_COSTLY), (label, plain, present)
                    checked += 1
    assert checked > 1000


def test_a_where_with_a_float_literal_is_done_at_once():
    source = "import torch\ny = torch.where(m, x, 0.0)\n"
    from flake8_nan.registry import RULES
    for rules in (tuple(r for r in RULES if r.default_enabled), RULES):
        assert select(source, ast.parse(source), rules, 1e-7) is None


def test_a_trigger_word_that_names_an_operation_brings_all_its_spellings():
    """`x.div_(s)` is the division `x.div(s)` is: a trigger set that names one spelling of
    an operation must name them all, or the pre-filter drops what a full parse reports."""
    from flake8_nan import vocab
    from flake8_nan.prefilter import WORD_ALIASES
    from flake8_nan.registry import RULES
    spellings: dict = {}
    for method, (op, _) in vocab.METHODS.items():
        spellings.setdefault(op, set()).add(method)
    for qualname, op in vocab.FUNCTIONS.items():
        spellings.setdefault(op, set()).add(qualname.rsplit(".", 1)[-1])
    missing = []
    for rule in RULES:
        for group in rule.triggers:
            for op, names in spellings.items():
                if op in group or not names.isdisjoint(group):
                    missing += [(rule.code, op, s) for s in names
                                if s not in group and WORD_ALIASES.get(s) not in group]
    assert not missing


def test_a_class_whose_hazard_is_in_a_nested_class_is_kept():
    """A test suite class that wraps its tests in an inner class (`class DistributedTest:
    class _Base: ...`): the inner class is a member that is not a function."""
    source = textwrap.dedent("""
        import torch

        class Outer:
            class Inner:
                def test_step(self, model, x):
                    opt = torch.optim.SGD(model.parameters(), lr=0.1)
                    model(x).sum().backward()
                    opt.step()
        """)
    rules = [BY_CODE["NAN603"]]
    assert kept(source, rules) is not None
    assert check_source(source, rules=rules) == check_source(source, rules=rules, full=True) != []


@pytest.mark.parametrize("between,cls,reported", [("clip(model)", "SGD", False),
                                                  ("pass", "SGD", True),
                                                  ("pass", "AdamW", False)])
def test_nan603_reads_clipping_helpers_and_optimizers_where_no_trigger_meets(between, cls, reported):
    """A function that clips and a construction of the optimizer decide NAN603 from
    statements where its trigger words do not meet: both parses read them."""
    source = textwrap.dedent(f"""
        import torch

        def clip(model):
            torch.nn.utils.clip_grad_value_(model.parameters(), 1.0)

        def train(model, optimizer, loss):
            loss.backward()
            {between}
            optimizer.step()

        def build(model):
            return torch.optim.{cls}(model.parameters(), lr=0.1)
        """)
    rules = [BY_CODE["NAN603"]]
    assert "clip_grad_value_" in kept(source, rules) and cls in kept(source, rules)
    fast = check_source(source, rules=rules)
    assert fast == check_source(source, rules=rules, full=True)
    assert [r.line for r in fast] == ([10] if reported else [])


LONG_BLOCKS = {
    "if_else": ("if HAVE_FAST:\n    from fast import kernel\nelse:\n", ""),
    "elif": ("if A:\n    import a\nelif B:\n    import b\nelse:\n", ""),
    "try_except": ("try:\n    from fast import kernel\nexcept ImportError:\n", ""),
    "try_finally": ("try:\n    import fast\nexcept ImportError:\n    fast = None\nfinally:\n", ""),
    "with": ("with ctx():\n", ""),
}


@pytest.mark.parametrize("name", LONG_BLOCKS)
def test_a_long_statement_kept_whole_is_parsed_in_runs_of_its_last_block(name, monkeypatch):
    """An `if` holding an import and a fallback implementation is kept whole: its last
    block is parsed in runs (libcst's parser holds ~14 KB a line while it runs), comment
    and blank lines between the runs included, and prints back as it was."""
    from flake8_nan import engine, prefilter
    monkeypatch.setattr(engine, "PIECE_LINES", 12)
    monkeypatch.setattr(prefilter, "PIECE_LINES", 12)
    head, _ = LONG_BLOCKS[name]
    funcs = "".join(f"\n    # fallback {i}\n\n    def f{i}(p):\n        return torch.log(p) / p.sum()\n"
                    + ("\n    \n" if i % 3 == 0 else "") for i in range(12))
    source = f"import torch\n{head}{funcs}\n\n# after\nx = 1\n"
    found = select(source, ast.parse(source), DIVIDE_BY_SUM, 1e-7)
    assert any(len(cuts) > 5 for cuts in found.members.values())
    module = parse(found.text, found.starts, found.members)
    assert module.code == found.text
    assert module.deep_equals(cst.parse_module(found.text))
    assert check_source(source, rules=DIVIDE_BY_SUM) == check_source(source, rules=DIVIDE_BY_SUM,
                                                                     full=True)


def test_a_model_imported_inside_init_is_a_transformers_model():
    source = textwrap.dedent("""
        import torch

        class Wrapper(torch.nn.Module):
            def __init__(self, name):
                super().__init__()
                from transformers import BertModel
                self.model = BertModel.from_pretrained(name)

            def forward(self, ids):
                return self.model(ids)
        """)
    rules = [BY_CODE["NAN601"]]
    assert check_source(source, rules=rules) == check_source(source, rules=rules, full=True) != []


def test_an_eps_default_of_init_reaches_the_method_that_reads_it():
    source = textwrap.dedent("""
        import torch

        class Drop(torch.nn.Module):
            def __init__(self, low, epsilon=1e-12):
                super().__init__()
                self.epsilon = epsilon

            def forward(self, x):
                return torch.log(x.clamp(min=self.epsilon))
        """)
    rules = [BY_CODE["NAN301"]]
    assert check_source(source, rules=rules) == check_source(source, rules=rules, full=True) != []


def test_a_table_of_functions_is_data_not_a_candidate():
    """`{torch.log: [...], torch.softmax: [...]}` names operations it never calls."""
    rows = "".join(f"    torch.{name}: [{{'name': 'self', 'type': 'Tensor'}}],\n"
                   for name in ("log", "softmax", "sum", "sigmoid", "kl_div", "sqrt") * 3)
    source = f"import torch\n\nannotated = {{\n{rows}}}\n"
    from flake8_nan.registry import RULES
    assert select(source, ast.parse(source), RULES, 1e-7) is None


def test_a_power_is_kept_only_where_its_exponent_and_its_base_can_be_reported():
    """NAN505 reads exponents in (0, 1) or set elsewhere, of a value that reaches 0: an
    attention scale `d ** -0.5`, the unpacking `**kwargs`, `x.pow(2)` and `2 ** i` are not
    such powers, and a power of a value with no word of a probability or a ReLU is left."""
    power = [BY_CODE["NAN505"]]
    for safe in ("scale = d ** -0.5", "y = f(x, **kwargs)", "y = {**d}", "y = x.pow(2)",
                 "y = 2 ** i * x", "y = torch.sigmoid(x) ** 2", "y = x ** 0.5"):
        assert kept(f"import torch\n\ndef f(x, d, i, kwargs):\n    {safe}\n    return y\n",
                    power) is None, safe
    for hazard in ("y = torch.sigmoid(x) ** 0.5", "y = (1 - probs) ** gamma",
                   "y = torch.pow(F.relu(x), gamma)", "y = p_t.pow(self.gamma)",
                   "y = torch.sigmoid(x) ** (1 / 3)"):
        assert kept(f"import torch\n\ndef f(x, probs, gamma, p_t):\n    {hazard}\n    return y\n",
                    power) is not None, hazard


def test_an_unbiased_std_is_kept_only_with_a_regrouping_or_a_per_batch_name():
    std = [BY_CODE["NAN205"]]
    assert kept("import torch\n\ndef f(x):\n    return x.std(-1)\n", std) is None
    for hazard in ("g = x.view(-1, n)\n    return g.std(1)", "return advantages.std()",
                   "return norm_rewards.var()"):
        assert kept(f"import torch\n\ndef f(x, n, advantages, norm_rewards):\n    {hazard}\n",
                    std) is not None, hazard


def test_a_range_is_kept_only_where_a_min_is_called_on_a_tensor():
    """NAN204 reads `x.max() - x.min()`; the builtin `min(a, b)` beside an unrelated
    division keeps nothing."""
    minmax = [BY_CODE["NAN204"]]
    assert kept("import torch\n\ndef f(a, b, x):\n    n = min(a, b)\n    return x / 2, n\n",
                minmax) is None
    for hazard in ("x.min()", "torch.amin(x, 1)", "tf.math.reduce_min(x)"):
        assert kept(f"import torch\n\ndef f(x):\n    return (x - {hazard}) / (x.max() - {hazard})\n",
                    minmax) is not None, hazard


def test_a_backward_pass_is_kept_for_nan602_only_with_a_scaler_and_a_clip():
    clip = [BY_CODE["NAN602"]]
    assert kept("import torch\n\ndef step(model, loss, opt):\n    loss.backward()\n"
                "    opt.step()\n", clip) is None
    assert kept("import torch\n\ndef step(model, loss, opt, scaler):\n"
                "    scaler.scale(loss).backward()\n"
                "    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n", clip) is not None


@pytest.mark.parametrize("write", ["mask[idx] = True", "mask[idx][0] = True", "mask[idx] |= True",
                                   "mask.fill_(True)", "mask[idx].fill_(True)"])
def test_a_tensor_written_in_place_keeps_the_write(write):
    """A tensor of zeros filled in afterwards is no longer known to be zeros: the
    statement that writes it comes along with the division that reads it, as the model
    reads it in a full parse (found on sentence-transformers' adr_mse.py)."""
    source = ("import torch\n\ndef f(loss, n, idx):\n"
              "    mask = torch.zeros(n, dtype=torch.bool)\n"
              f"    {write}\n"
              "    return loss.sum() / mask.sum()\n")
    rules = [BY_CODE["NAN201"]]
    assert check_source(source, rules=rules) == check_source(source, rules=rules, full=True) == []
    assert write in kept(source, rules)


def test_the_strict_level_reads_what_its_own_triggers_ask_for():
    # NAN104's default level needs a log and an exp (a softplus by hand); under nan-strict
    # a lone log(1 + x) is a candidate too, and both parses agree at each level
    source = "import torch\n\n\ndef f(x):\n    return torch.log(1 + x)\n"
    rules = (BY_CODE["NAN104"],)
    tree = ast.parse(source)
    assert select(source, tree, rules, 1e-7) is None
    assert select(source, tree, rules, 1e-7, strict=True) is not None
    for strict in (False, True):
        options = Options(strict=strict)
        fast = check_source(source, tree, options, rules)
        assert fast == check_source(source, tree, options, rules, full=True)
        assert [r.code for r in fast] == (["NAN104"] if strict else [])


def test_a_name_imported_under_another_name_is_read_as_its_own():
    source = textwrap.dedent("""
        import torch.nn.functional as F
        from torch import log as ln

        def f(x):
            return ln(F.softmax(x, -1))
        """)
    fast = check_source(source)
    assert fast == check_source(source, full=True)
    assert [(r.line, r.code) for r in fast] == [(6, "NAN102")]


def test_pythons_math_log_is_no_tensor_log():
    # math.log(0) raises instead of giving -inf: NAN101 reads only the other logs
    rules = [BY_CODE["NAN101"]]
    assert kept("import math\nimport torch\ny = math.log(10000.0) / d\n", rules) is None
    for spelling in ("torch.log(p)", "p.log2()", "np.log10(p)", "tf.math.log(p)", "ln(p)"):
        source = f"import math\nimport torch\nfrom torch import log as ln\ny = {spelling}\n"
        assert kept(source, rules) is not None, spelling


def test_nan501_by_default_reads_only_losses():
    rules = [BY_CODE["NAN501"]]
    body = "    return torch.sqrt(((a - b) ** 2).sum(-1))\n"
    assert kept("import torch\ndef distance(a, b):\n" + body, rules) is None
    assert kept("import torch\ndef contrastive_loss(a, b):\n" + body, rules) is not None
    assert kept("import torch\nclass PairLoss:\n    def forward(self, a, b):\n    " + body,
                rules) is not None
    found = select("import torch\ndef distance(a, b):\n" + body,
                   ast.parse("import torch\ndef distance(a, b):\n" + body), rules, 1e-7, strict=True)
    assert found is not None


def test_a_big_number_alone_keeps_nothing_for_nan302():
    # a configuration that holds a big number is no float16 write; a shift by one is
    rules = [BY_CODE["NAN302"]]
    assert kept("import torch\ncfgs = make(dict(size=2 ** 20, vocab=100000.0))\n", rules) is None
    assert kept("import torch\nlogits -= 2 ** 30\n", rules) is not None
    assert kept("import torch\nscores = logits + -1e9\n", rules) is not None


@pytest.mark.parametrize("partial", [False, True])
def test_a_long_method_of_a_long_class_is_parsed_in_runs_of_its_statements(partial, monkeypatch):
    """A method longer than a piece is cut at the statements of its body (depth 2), with
    the comments and blank lines between runs where a whole parse puts them, whether the
    method is kept whole or in part; the class's next members follow it as before."""
    from flake8_nan import engine, prefilter
    monkeypatch.setattr(engine, "PIECE_LINES", 12)
    monkeypatch.setattr(prefilter, "PIECE_LINES", 12)
    long = engine._parse_long
    steps = "".join(
        f"        s{i} = p.sum()\n"
        + (f"        if s{i} > 0:\n            s{i} = s{i} * 2\n            # inner\n" if i % 4 == 0 else "")
        + ("\n        # step\n" if i % 3 == 0 else "")
        + (f"        u{i} = {i}\n" if partial else "")
        + f"        q{i} = p / s{i}\n" for i in range(30))
    other = "".join(f"    def m{i}(self, p):\n        return torch.log(p) / p.sum()\n\n" for i in range(20))
    source = (f"import torch\n\n\nclass Big:\n    def first(self, p):\n        return p\n\n"
              f"    def long(self, p):\n{steps}        return q0\n    # after long\n\n{other}"
              f"\n# the end\nx = 1\n")
    found = select(source, ast.parse(source), DIVIDE_BY_SUM, 1e-7, True)
    assert any(d == 2 for cuts in found.members.values() for _, d in cuts)
    assert "u1 = 1" not in found.text and ("u1 = 1" in source) is partial
    pieces = []
    monkeypatch.setattr(engine, "_parse_long", lambda *a: pieces.append(long(*a)) or pieces[-1])
    module = parse(found.text, found.starts, found.members)
    assert pieces and None not in pieces  # no piece fell back to a whole parse
    assert module.code == found.text
    assert module.deep_equals(cst.parse_module(found.text))
    reports = check_source(source, rules=DIVIDE_BY_SUM, options=STRICT)
    assert len(reports) > 40  # (not `q{i} = p / s{i}` where `s{i} > 0` was tested)
    assert reports == check_source(source, rules=DIVIDE_BY_SUM, options=STRICT, full=True)


@pytest.mark.parametrize("fill,kept_", [("0", False), ("eos", True)])
def test_a_statement_reads_the_signature_lines_of_the_parameters_it_reads(fill, kept_):
    """`eos: int = 151645` is a number beyond float16 (NAN302's trigger) only for the
    statements that read `eos`, not for every statement that reads a parameter."""
    source = textwrap.dedent(f"""
        import torch

        def f(x,
              eos: int = 151645):
            a = torch.where(x > 0, x, {fill})
            return a
        """)
    assert (kept(source, [BY_CODE["NAN302"]]) is not None) is kept_


def test_a_table_made_a_container_is_not_parsed_for_the_statements_that_read_it():
    rows = "".join(f'        ("m{i}", "Model{i}"),\n' for i in range(40))
    source = (f"import torch\nfrom collections import OrderedDict\n\nNAMES = OrderedDict(\n    [\n"
              f"{rows}    ]\n)\n\n\ndef f(p, k):\n    return torch.log(p) / NAMES[k]\n")
    found = kept(source, [BY_CODE["NAN101"]])
    assert "torch.log(p)" in found and "Model1" not in found


def test_an_attribute_set_lazily_brings_the_setting_block_of_its_method():
    """`if self.m is None: self.m = torch.zeros(..., dtype=torch.float32)` in another method
    says what `self.m` is where it is read: the pre-filter keeps that block, and the reports
    are those of a full parse (none: the eps meets float32 counts)."""
    body = "".join(f"        v{i} = a * {i}\n" for i in range(30))
    source = textwrap.dedent("""
        import torch

        class Counts:
            def __init__(self, nc):
                self.nc = nc
                self.matrix = None

            def update(self, preds):
        """) + body + textwrap.indent(textwrap.dedent("""
            if self.matrix is None:
                self.matrix = torch.zeros(self.nc, device=preds.device, dtype=torch.float32)
            return v0

        def accuracy(self):
            return self.matrix / (self.matrix.sum() + 1e-10)


        HALF = torch.float16
        """), "    ").replace("    HALF", "HALF")
    rules = [BY_CODE["NAN301"]]
    text = kept(source, rules)
    assert "if self.matrix is None:" in text and "v1 = a * 1" not in text
    assert check_source(source, rules=rules) == check_source(source, rules=rules, full=True) == []
    assert check_source(source.replace("dtype=torch.float32", "dtype=torch.float16"),
                        rules=rules) != []


def test_the_reported_operation_must_be_in_the_statement_not_only_in_what_it_reads():
    # the sum's closure holds a division, but no statement divides by a sum
    assert kept("""
        import torch

        def f(x):
            half = x / 2
            total = half.sum()
            return total
        """) is None
    # the division holds the sum through a local: kept, with the binding
    text = kept("""
        import torch

        def f(x, m):
            n = m.sum()
            print(n)
            return x / n
        """)
    assert "return x / n" in text and "n = m.sum()" in text and "print" not in text


def test_a_helper_whose_return_is_made_of_a_mask_is_kept_for_the_division_by_its_sum():
    # the model reads a call's value through the helper: a mask, so the sum can be 0
    text = kept("""
        import torch

        def _token_mask(ids, pad):
            token_mask = ids.eq(pad)
            return ~token_mask

        def score(x, ids, pad):
            m = _token_mask(ids, pad)
            return x.sum(dim=1) / m.sum(dim=1)
        """)
    assert "return ~token_mask" in text
