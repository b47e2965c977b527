"""NumPy, JAX, TensorFlow and Keras: the rules read them, and speak their spelling."""
import re
import string
import textwrap

import pytest

from flake8_nan import vocab
from flake8_nan.engine import Options, check_source
from flake8_nan.fixes import fix_source
from flake8_nan.registry import RULES
from fixture_expectations import FIXTURES

FRAMEWORK_FIXTURES = sorted(FIXTURES.glob("frameworks_*.py"))
# What only PyTorch writes: a message that names one of these suggests PyTorch code.
TORCH_SPELLING = re.compile(r"(?<![\w.])(?:torch|F|nn)\.|clamp_min|\.clamp\(|\bdim=")


def reports(src, strict=False):
    src = textwrap.dedent(src)
    options = Options(strict=strict)
    fast = check_source(src, options=options, rules=RULES)
    assert fast == check_source(src, options=options, rules=RULES, full=True)
    return fast


def messages(src, strict=False):
    return {r.code: r.message for r in reports(src, strict)}


@pytest.mark.parametrize("path", FRAMEWORK_FIXTURES, ids=[p.name for p in FRAMEWORK_FIXTURES])
def test_messages_speak_the_framework_of_the_call(path):
    found = check_source(path.read_text(encoding="utf-8"), rules=RULES)
    assert found
    for r in found:
        assert not TORCH_SPELLING.search(r.message), f"{path.name}:{r.line}: {r.message}"


def _fields(template):
    return {f for _, f, _, _ in string.Formatter().parse(template or "") if f}


def test_every_framework_spells_with_the_operands_pytorch_gets():
    torch = vocab.SUGGESTIONS["torch"]
    for framework, spellings in vocab.SUGGESTIONS.items():
        assert set(spellings) <= set(torch), framework
        for name, template in spellings.items():
            assert _fields(template) <= _fields(torch[name]), (framework, name)


@pytest.mark.parametrize("module, log, guarded", [
    ("import numpy as np", "np.log", "np.log(np.maximum(probs, eps))"),
    ("import jax.numpy as jnp", "jnp.log", "jnp.log(jnp.maximum(probs, eps))"),
    ("import tensorflow as tf", "tf.math.log", "tf.math.log(tf.maximum(probs, eps))"),
    ("import torch", "torch.log", "torch.log(probs.clamp_min(eps))"),
])
def test_guarded_log_in_each_spelling(module, log, guarded):
    assert guarded in messages(f"{module}\ndef f(probs):\n    return {log}(probs)\n")["NAN101"]


def test_methods_take_the_spelling_of_the_module():
    numpy_only = ("import numpy as np\ndef f(x, labels):\n    mask = labels > 0\n"
                  "    return x.sum() / mask.sum()\n")
    assert "np.maximum(mask.sum(), 1)" in messages(numpy_only)["NAN201"]
    both = ("import numpy as np\nimport torch\ndef f(x, labels):\n    mask = labels > 0\n"
            "    return x.sum() / mask.sum()\n")
    assert "mask.sum().clamp_min(1)" in messages(both)["NAN201"]


@pytest.mark.parametrize("src, code, text", [
    ("import numpy as np\ndef f(x):\n    return np.log(np.sum(np.exp(x), axis=1))\n",
     "NAN105", "scipy.special.logsumexp(x, axis=1)"),
    ("import tensorflow as tf\ndef f(x):\n    return tf.exp(x) / tf.reduce_sum(tf.exp(x))\n",
     "NAN105", "tf.nn.softmax(x, axis=...)"),
    ("import jax\nimport jax.numpy as jnp\ndef f(x):\n    return jnp.log(jax.nn.softmax(x, axis=1))\n",
     "NAN102", "jax.nn.log_softmax(x, axis=1)"),
    ("import tensorflow as tf\ndef f(z):\n    return tf.math.log(1 - tf.sigmoid(z))\n",
     "NAN103", "tf.math.log_sigmoid(-z)"),
    ("import numpy as np\ndef f(x):\n    return np.log(1 + np.exp(x))\n", "NAN104", "np.logaddexp(0, x)"),
    ("import tensorflow as tf\ndef f(x):\n    return tf.exp(x) - 1\n", "NAN104", "tf.math.expm1(x)"),
    ("import jax.numpy as jnp\ndef f(p):\n    return jnp.log(jnp.clip(p, 1e-10, 1))\n",
     "NAN301", "jnp.finfo(x.dtype).eps"),
    ("import tensorflow as tf\ndef f(s, m):\n    return tf.where(m, s, -1e9)\n", "NAN302", "x.dtype.min"),
    ("import jax.numpy as jnp\ndef f(c):\n    return jnp.arccos(jnp.clip(c, -1, 1))\n",
     "NAN503", "jnp.clip(c, -1 + eps, 1 - eps)"),
    ("import numpy as np\ndef f(x):\n    return x == np.nan\n", "NAN701", "np.isnan(x)"),
    ("import tensorflow as tf\ndef f(y, z):\n    return tf.compat.v1.losses.log_loss(y, tf.sigmoid(z))\n",
     "NAN403", "tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z)"),
    ("import jax\nimport optax\ndef f(a, b):\n"
     "    return optax.kl_divergence(jax.nn.log_softmax(a), jax.nn.log_softmax(b))\n",
     "NAN402", "optax.losses.kl_divergence_with_log_targets"),
])
def test_fix_named_in_the_framework(src, code, text):
    # (at the strict level, which adds the lost digits of `tf.exp(x) - 1` to the default's)
    assert text in messages(src, strict=True)[code]


def test_no_gradient_no_gradient_hazard_in_numpy():
    assert reports("""\
        import numpy as np
        def f(x, y, c, p):
            a = np.where(np.isinf(x / y), 0.0, x / y)
            b = (x ** 2).sum() ** 0.5
            d = np.arccos(np.clip(c, -1, 1))
            return a, b, d

        def my_loss(x):
            return np.sum(x ** 2)
        """) == []


KERAS = """\
    import tensorflow as tf
    from tensorflow import keras
    from tensorflow.keras import layers
    model = keras.Sequential([layers.Dense(8, activation="relu"), {last}])
    def f(x, y):
        return {use}
    """


@pytest.mark.parametrize("last, code", [
    ('layers.Dense(3, activation="softmax")', "NAN102"),
    ("layers.Dense(3, activation=tf.nn.softmax)", "NAN102"),
    ("layers.Softmax()", "NAN102"),
    ('layers.Activation("softmax")', "NAN102"),
    ('layers.Dense(1, activation="sigmoid")', "NAN103"),
    ("layers.Dense(3)", "NAN101"),
])
def test_keras_model_output_is_what_its_last_layer_gives(last, code):
    # a linear layer's output has no known range: its log is reported under nan-strict
    found = reports(KERAS.format(last=last, use="tf.math.log(model(x))"), strict=True)
    assert [r.code for r in found] == [code]


@pytest.mark.parametrize("use", [
    "keras.losses.BinaryCrossentropy()(y, model(x))",
    "keras.losses.BinaryCrossentropy(from_logits=True)(y, model(x))",
    "tf.keras.losses.binary_crossentropy(y, model.predict(x))",
])
def test_keras_losses_take_probabilities(use):
    """Keras losses expect probabilities, and recover the logits of a sigmoid or softmax
    layer themselves: measured with TensorFlow 2.21 and Keras 3.15, the loss of a sigmoid
    output at logit -200 is 200 with from_logits=False and True alike."""
    assert reports(KERAS.format(last='layers.Dense(1, activation="sigmoid")', use=use)) == []


def test_keras_model_output_fed_to_a_loss_that_applies_softmax():
    use = "tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=model(x))"
    found = reports(KERAS.format(last="layers.Softmax()", use=use))
    assert [r.code for r in found] == ["NAN404"]
    assert found[0].message.startswith("softmax_cross_entropy_with_logits is given a softmax")


def test_module_of_several_frameworks_gets_pytorch_fixes_only_for_pytorch_values():
    source = textwrap.dedent("""\
        import jax.numpy as jnp
        import numpy as np
        import torch


        def f(a, b, x, mask, scores):
            s = np.sum(mask)
            r = x / s
            cos = jnp.dot(a, b) / (jnp.linalg.norm(a) * jnp.linalg.norm(b))
            t = jnp.arccos(cos)
            w = jnp.where(mask, scores, -1e9)
            v = torch.where(mask, scores, -1e9)
            q = torch.log(torch.relu(x))
            return r, t, w, v, q
        """)
    fixed = fix_source(source, RULES, unsafe=True)
    assert sorted((r.line, r.code) for r in fixed.applied) == [(12, "NAN302"), (13, "NAN101")]
