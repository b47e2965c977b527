"""What the model knows about PyTorch spellings.

Every spelling of an operation maps onto one operation name, so rules speak
of operations ("log", "softmax", "sum") and never of spellings.
"""
import re
from typing import Optional


_F = "torch.nn.functional"

# Fully qualified function names -> operation.
FUNCTIONS = {
    **{f"torch.{n}": n for n in ("log", "log2", "log10", "exp", "sqrt", "rsqrt", "sigmoid",
                                  "softmax", "log_softmax", "sum", "count_nonzero", "clamp",
                                  "clip", "clamp_min", "maximum", "div", "true_divide",
                                  "divide", "ones", "ones_like", "tensor", "kl_div", "arange")},
    **{f"torch.Tensor.{n}": n for n in ("log", "log2", "log10", "exp", "sqrt", "rsqrt",
                                         "sigmoid", "softmax", "log_softmax", "sum",
                                         "count_nonzero", "clamp", "clip", "clamp_min",
                                         "div", "true_divide", "divide")},
    "torch.special.log_softmax": "log_softmax",
    "torch.special.softmax": "softmax",
    "torch.special.expit": "sigmoid",
    "torch.special.exp2": "exp",
    "torch.exp2": "exp",
    f"{_F}.softmax": "softmax",
    f"{_F}.log_softmax": "log_softmax",
    f"{_F}.sigmoid": "sigmoid",
    f"{_F}.kl_div": "kl_div",
    "torch.nn.KLDivLoss": "KLDivLoss",
    "torch.nn.modules.loss.KLDivLoss": "KLDivLoss",
    **{f"torch.{n}": "shape" for n in ("unsqueeze", "squeeze", "reshape", "transpose",
                                        "permute", "flatten", "detach", "movedim")},
}

# Tensor method names -> operation, with the largest number of positional
# arguments the tensor method takes.  The cap keeps `self.log("loss", x)`
# (a Lightning logger) or `logger.log(level, msg)` from reading as Tensor.log.
METHODS = {
    "log": ("log", 0), "log2": ("log2", 0), "log10": ("log10", 0),
    "exp": ("exp", 0), "sqrt": ("sqrt", 0), "rsqrt": ("rsqrt", 0),
    "sigmoid": ("sigmoid", 0), "softmax": ("softmax", 2), "log_softmax": ("log_softmax", 2),
    "sum": ("sum", 2), "count_nonzero": ("count_nonzero", 1),
    "clamp": ("clamp", 2), "clip": ("clamp", 2), "clamp_min": ("clamp_min", 1),
    "clamp_": ("clamp", 2), "clamp_min_": ("clamp_min", 1),
    "div": ("div", 1), "div_": ("div", 1), "true_divide": ("div", 1), "divide": ("div", 1),
}

# Methods that change shape, dtype or device and cannot turn a zero into
# anything else, or return their receiver (`model.eval()`): a value keeps
# its origin through them.
SHAPE_METHODS = frozenset({
    "unsqueeze", "unsqueeze_", "squeeze", "squeeze_", "expand", "expand_as", "view",
    "view_as", "reshape", "reshape_as", "transpose", "transpose_", "permute", "flatten",
    "float", "double", "half", "bfloat16", "to", "type", "type_as", "detach", "detach_",
    "contiguous", "clone", "cpu", "cuda", "repeat", "repeat_interleave", "movedim",
    "eval", "train", "requires_grad_",
})

LOG_OPS = frozenset({"log", "log2", "log10"})

# transformers classes whose instances are models that take an attention mask.
HF_MODEL_SUFFIXES = ("Model", "Encoder")
HF_NOT_MODELS = ("Tokenizer", "Config", "Processor", "FeatureExtractor", "Pipeline",
                 "Trainer", "Output")


# Models of images and audio take no attention mask over their patches or frames.
HF_NOT_TEXT = re.compile(r"Vision|Image|ViT|Swin|ConvNext|Dinov|Segformer|Detr|Wav2Vec|Whisper"
                         r"|Audio|Speech|Hubert|Intermediate|Output|Pooler|Embeddings")


def is_hf_model_class(qualname: str) -> bool:
    """A transformers class whose instances are text models that take an attention mask:
    `BertModel`, `AutoModelForCausalLM`, `T5EncoderModel`; not `CLIPVisionModel` nor the
    `QFormer` MLP blocks (`Former` is not `For`)."""
    if not qualname.startswith("transformers."):
        return False
    name = qualname.rsplit(".", 1)[-1]
    if any(bad in name for bad in HF_NOT_MODELS) or not name[:1].isupper() or HF_NOT_TEXT.search(name):
        return False
    return name.endswith(HF_MODEL_SUFFIXES) or re.search(r"For[A-Z]", name) is not None or \
        name.startswith("AutoModel")


# ----------------------------------------------------------------- more operations
# Masked writes, squares and norms, losses and layers whose output the model follows.
FUNCTIONS.update({
    **{f"torch.{n}": n for n in ("where", "masked_fill", "pow", "square", "mean", "var",
                                  "norm", "acos", "asin", "matmul", "mm", "bmm", "dot",
                                  "tril", "triu", "nan_to_num", "full_like")},
    "torch.arccos": "acos", "torch.arcsin": "asin",
    "torch.linalg.norm": "norm", "torch.linalg.vector_norm": "norm",
    f"{_F}.normalize": "unit",
    f"{_F}.cosine_similarity": "cosine", "torch.cosine_similarity": "cosine",
    f"{_F}.binary_cross_entropy": "binary_cross_entropy",
    f"{_F}.nll_loss": "nll_loss",
    f"{_F}.cross_entropy": "cross_entropy",
    **{f"{m}.{n}": n for m in ("torch.nn", "torch.nn.modules.loss")
       for n in ("BCELoss", "NLLLoss", "CrossEntropyLoss")},
    **{f"{m}.{n}": n for m in ("torch.nn", "torch.nn.modules.activation")
       for n in ("Softmax", "LogSoftmax", "Sigmoid")},
    "torch.nn.CosineSimilarity": "CosineSimilarity",
    "torch.nn.modules.distance.CosineSimilarity": "CosineSimilarity",
    **{f"{m}.GradScaler": "GradScaler" for m in ("torch.amp", "torch.amp.grad_scaler",
                                                 "torch.cuda.amp", "torch.cpu.amp")},
})
METHODS.update({
    "where": ("where", 2), "masked_fill": ("masked_fill", 2), "masked_fill_": ("masked_fill", 2),
    "fill_": ("fill_", 1), "new_full": ("new_full", 2),
    "pow": ("pow", 1), "pow_": ("pow", 1), "square": ("square", 0), "mean": ("mean", 2),
    "var": ("var", 3), "norm": ("norm", 2), "acos": ("acos", 0), "arccos": ("acos", 0),
    "asin": ("asin", 0), "arcsin": ("asin", 0), "matmul": ("matmul", 1), "mm": ("mm", 1),
    "bmm": ("bmm", 1), "dot": ("dot", 1), "tril": ("tril", 1), "triu": ("triu", 1),
    "nan_to_num": ("nan_to_num", 3), "new_ones": ("new_ones", 8),
})

# What calling an instance of a layer returns.
MODULE_OUTPUTS = {"Softmax": "softmax", "LogSoftmax": "log_softmax", "Sigmoid": "sigmoid",
                  "CosineSimilarity": "cosine"}

# Names of infinity; `-math.inf` and `float("-inf")` are followed by the model.
INF_NAMES = frozenset({"math.inf", "torch.inf", "numpy.inf", "numpy.Inf", "numpy.infty"})

# The largest finite float16 value.
FLOAT16_MAX = 65504.0
HALF_DTYPES = frozenset({"torch.float16", "torch.half"})
# Attributes that transpose a tensor: a value keeps its origin through them.
SHAPE_ATTRIBUTES = frozenset({"T", "mT", "H", "mH"})

# Reductions, norms, NaN/inf tests and selections.  Kept apart from the tables
# above so that each addition stays a plain append.
FUNCTIONS.update({
    **{f"torch.{n}": n for n in ("mean", "nanmean", "std", "var", "norm", "abs", "max", "amax",
                                  "isinf", "isnan", "isfinite", "isposinf", "isneginf",
                                  "nan_to_num", "where", "masked_select", "masked_fill")},
    **{f"torch.Tensor.{n}": n for n in ("mean", "nanmean", "std", "var", "norm", "abs", "max",
                                         "amax", "isinf", "isnan", "isfinite", "nan_to_num",
                                         "masked_select", "masked_fill")},
    "torch.linalg.norm": "norm",
    "torch.linalg.vector_norm": "norm",
    "torch.abs_": "abs",
    "torch.absolute": "abs",
    **{f"torch.{n}": "shape" for n in ("gather", "index_select", "take_along_dim")},
})
METHODS.update({
    "mean": ("mean", 2), "nanmean": ("nanmean", 2), "std": ("std", 3), "var": ("var", 3),
    "norm": ("norm", 3), "abs": ("abs", 0), "absolute": ("abs", 0),
    "max": ("max", 2), "amax": ("amax", 2),
    "isinf": ("isinf", 0), "isnan": ("isnan", 0), "isfinite": ("isfinite", 0),
    "isposinf": ("isposinf", 0), "isneginf": ("isneginf", 0),
    "nan_to_num": ("nan_to_num", 3), "nan_to_num_": ("nan_to_num", 3),
    "masked_select": ("masked_select", 1),
    "masked_fill": ("masked_fill", 2), "masked_fill_": ("masked_fill", 2),
})
# Selecting elements keeps zeros zeros and positive values positive.
SHAPE_METHODS = SHAPE_METHODS | {"gather", "index_select", "take_along_dim"}

NONFINITE_TESTS = frozenset({"isinf", "isnan", "isfinite", "isposinf", "isneginf"})
NONFINITE_FILTERS = NONFINITE_TESTS | {"nan_to_num", "nan_to_num_"}

# nn.Module classes that apply one operation when called: the instance's
# origin is "module" with the operation as `inner`, the call's is the operation.
MODULES = {
    **{f"torch.nn.{cls}": op for cls, op in (("Softmax", "softmax"), ("Sigmoid", "sigmoid"),
                                             ("LogSoftmax", "log_softmax"))},
    **{f"torch.nn.modules.activation.{cls}": op
       for cls, op in (("Softmax", "softmax"), ("Sigmoid", "sigmoid"),
                       ("LogSoftmax", "log_softmax"))},
}

# Qualified names of the float NaN constants.
NAN_CONSTANTS = frozenset({"math.nan", "torch.nan", "numpy.nan", "numpy.NaN", "numpy.NAN"})

# ----------------------------------------------------------- same-file definitions
# Decorators that leave a function's return value as it is.
TRANSPARENT_DECORATORS = frozenset({
    "builtins.staticmethod", "builtins.classmethod", "torch.no_grad", "torch.inference_mode",
    "torch.enable_grad", "torch.jit.script", "torch.compile", "functools.cache",
    "functools.lru_cache", "jax.jit", "tensorflow.function",
})
# Base classes whose subclasses' instances run `forward` when called.
MODULE_BASES = frozenset({
    "torch.nn.Module", "torch.nn.modules.module.Module", "lightning.LightningModule",
    "lightning.pytorch.LightningModule", "pytorch_lightning.LightningModule",
})
# Containers whose instances apply their layers in order: the last one decides.
SEQUENTIAL = frozenset({"torch.nn.Sequential", "torch.nn.modules.container.Sequential"})

# ------------------------------------------------------------------- training steps
# The gradient clipping of torch.nn.utils that returns the total norm of the gradients.
GRAD_NORM_CLIPS = frozenset(f"torch.nn.utils.{m}{n}" for m in ("", "clip_grad.")
                            for n in ("clip_grad_norm_", "clip_grad_norm"))
# Optimizer classes (the last part of the qualified name, in any library) by whether one
# step's size is bounded whatever the gradient.  SGD-style steps are the gradient times the
# learning rate; Adam-style ones divide it by a running root mean square of the gradients,
# or take its sign, and move each weight by about the learning rate at most.
UNBOUNDED_OPTIMIZERS = frozenset({"SGD", "ASGD", "LBFGS", "FusedSGD", "SGDW", "SGDP"})
BOUNDED_OPTIMIZERS = frozenset({
    "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "SparseAdam", "RMSprop", "Adagrad", "Adadelta",
    "Adafactor", "Rprop", "Muon", "Lamb", "LAMB", "FusedLamb", "FusedLAMB", "Lion", "Adan",
    "NovoGrad", "Novograd", "AdaBelief", "AdaBound", "Prodigy", "Sophia", "LARS", "Lars",
})
# what a class whose name holds one of these is (FusedAdam, AdamW8bit, PagedLion8bit)
_BOUNDED_PARTS = ("Adam", "Lion")


def optimizer_bounded(qualname: Optional[str]) -> Optional[bool]:
    """Whether the optimizer class `qualname` bounds the size of a step (False: SGD and its
    like); None where it names no optimizer class known here."""
    if not qualname:
        return None
    name = qualname.rsplit(".", 1)[-1]
    if name in UNBOUNDED_OPTIMIZERS:
        return False
    if name in BOUNDED_OPTIMIZERS or any(part in name for part in _BOUNDED_PARTS):
        return True
    return None


# what a text that names one of them holds (the pre-filter's context words)
OPTIMIZER_WORDS = UNBOUNDED_OPTIMIZERS | BOUNDED_OPTIMIZERS | frozenset(_BOUNDED_PARTS)


def may_name_optimizer(word: str) -> bool:
    """Whether an identifier can be the name of an optimizer class (before asking what
    it refers to)."""
    return word in OPTIMIZER_WORDS or any(part in word for part in _BOUNDED_PARTS)


# ----------------------------------------------------------------- other frameworks
# NumPy/SciPy, JAX and TensorFlow spell the same operations; each maps onto the
# operation names above, so every rule that speaks of operations covers them.
# A framework is a table here: its spellings, its names for the fixes the
# messages suggest, and the words the pre-filter must read as the operation.
_ELEMENTWISE = {n: n for n in ("log", "log2", "log10", "exp", "sqrt", "sum", "count_nonzero",
                               "maximum", "where", "mean", "var", "std", "square", "abs",
                               "isnan", "isinf", "isfinite", "nan_to_num", "matmul", "dot")}
_ELEMENTWISE.update({"clip": "clamp", "divide": "div", "true_divide": "div", "arccos": "acos",
                     "arcsin": "asin", "absolute": "abs", "exp2": "exp", "power": "pow",
                     "reshape": "shape", "squeeze": "shape", "expand_dims": "shape",
                     "transpose": "shape", "linalg.norm": "norm"})
_SPECIAL = {"softmax": "softmax", "log_softmax": "log_softmax", "expit": "sigmoid",
            "logsumexp": "logsumexp"}
_TF = {"log": "log", "exp": "exp", "sqrt": "sqrt", "rsqrt": "rsqrt", "sigmoid": "sigmoid",
       "maximum": "maximum", "where": "where", "square": "square", "abs": "abs",
       "clip_by_value": "clamp", "reduce_sum": "sum", "reduce_mean": "mean",
       "count_nonzero": "count_nonzero", "div": "div", "divide": "div", "truediv": "div",
       "realdiv": "div", "acos": "acos", "asin": "asin", "pow": "pow", "norm": "norm",
       "is_nan": "isnan", "is_inf": "isinf", "is_finite": "isfinite",
       "reshape": "shape", "squeeze": "shape", "expand_dims": "shape", "transpose": "shape"}
_TF_NN = {"softmax": "softmax", "log_softmax": "log_softmax", "sigmoid": "sigmoid"}
FRAMEWORK_FUNCTIONS = {
    **{f"numpy.{k}": v for k, v in _ELEMENTWISE.items()},
    **{f"scipy.special.{k}": v for k, v in _SPECIAL.items()},
    **{f"jax.numpy.{k}": v for k, v in _ELEMENTWISE.items()},
    **{f"jax.nn.{k}": v for k, v in (*_SPECIAL.items(), ("sigmoid", "sigmoid"),
                                     ("log_sigmoid", "logsigmoid"))},
    **{f"jax.scipy.special.{k}": v for k, v in _SPECIAL.items()},
    **{f"{m}.{k}": v for m in ("tensorflow", "tensorflow.math", "tensorflow.compat.v1")
       for k, v in _TF.items()},
    **{f"{m}.{k}": v for m in ("tensorflow.nn", "tensorflow.math") for k, v in _TF_NN.items()},
    "tensorflow.math.log_sigmoid": "logsigmoid",
    "tensorflow.reduce_logsumexp": "logsumexp", "tensorflow.math.reduce_logsumexp": "logsumexp",
}
FUNCTIONS.update({k: v for k, v in FRAMEWORK_FUNCTIONS.items() if k not in FUNCTIONS})

# Which framework a qualified name belongs to, by its first component.
FRAMEWORKS = {"torch": "torch", "numpy": "numpy", "scipy": "numpy", "jax": "jax",
              "tensorflow": "tf"}
# Frameworks without automatic differentiation: gradient hazards do not apply.
NO_AUTOGRAD = frozenset({"numpy"})
# Keyword names other frameworks give the operands the rules ask for by the torch name.
KEYWORD_ALIASES = {"input": ("x", "a", "logits", "input_tensor"), "min": ("a_min", "clip_value_min"),
                   "other": ("x2", "y"), "dim": ("axis",)}
# Words of a statement that the pre-filter reads as the operation they spell.
WORD_ALIASES = {q.rsplit(".", 1)[-1]: op for q, op in FRAMEWORK_FUNCTIONS.items()
                if q.rsplit(".", 1)[-1] != op}


def framework(qualname: str) -> str:
    return FRAMEWORKS.get(qualname.split(".", 1)[0], "")


# The exponentials `e ** x` (not 2 ** x) in every framework.
NATURAL_EXP = frozenset({"torch.exp", "torch.Tensor.exp", "numpy.exp", "jax.numpy.exp",
                         "tensorflow.exp", "tensorflow.math.exp", "tensorflow.compat.v1.exp"})

# ------------------------------------------------------------------ fixes in messages
# How each framework writes the fixes that messages suggest.  An entry is a format
# string over the operands a rule passes: {x} the value, {floor} a lower bound, {dim} an
# axis ("..." when unknown), {op} the log the code called, {end} "min" or "max", {m} a
# mask.  A field followed by "." is a receiver and is parenthesised where needed.  An
# entry None: the framework has no such function, and its messages leave it out.
SUGGESTIONS = {
    "torch": {
        "log": "torch.{op}({x})",
        "clamp_min": "{x}.clamp_min({floor})",
        "clamp_max": "{x}.clamp(max={cap})",
        "clamp_inside": "{x}.clamp(-1 + eps, 1 - eps)",
        "eps_of": "torch.finfo(x.dtype).eps",
        "limit_of": "torch.finfo(x.dtype).{end}",
        "log_softmax": "F.log_softmax({x}, dim={dim})",
        "log_softmax_of_layer": "F.log_softmax(x, dim) (nn.LogSoftmax(dim) for a module)",
        "softmax": "torch.softmax({x}, dim={dim})",
        "logsumexp": "torch.logsumexp({x}, dim={dim})",
        "logsigmoid": "F.logsigmoid({x})",
        "softplus": "F.softplus({x})",
        "normalize": "F.normalize(x, dim=...)",
        "safe_norm": "torch.linalg.vector_norm",
        "where": "torch.where",
        "where_overflow": "torch.where stores it as an infinity in float16",
        "masked_mean": "({x} * {m}).sum() / {m}.sum().clamp_min(1)",
        "count": "{m}.sum()",
        "isnan": "torch.isnan({x}) (tensors)",
        "with_logits": "F.binary_cross_entropy_with_logits({x}, target) or nn.BCEWithLogitsLoss",
        "bce_saturation": "(log clamped at -100, zero gradient) and raises under float16 autocast",
        "kl_log_target": "add log_target=True",
        "kl_probability_target": "drop log_target=True or pass log_softmax",
        "xlogy": "torch.special.xlogy({x}, {y})",
    },
    "numpy": {
        "log": "np.{op}({x})",
        "clamp_min": "np.maximum({x}, {floor})",
        "clamp_max": "np.minimum({x}, {cap})",
        "clamp_inside": "np.clip({x}, -1 + eps, 1 - eps)",
        "eps_of": "np.finfo(x.dtype).eps",
        "limit_of": "np.finfo(x.dtype).{end}",
        "log_softmax": "scipy.special.log_softmax({x}, axis={dim})",
        "log_softmax_of_layer": "scipy.special.log_softmax(logits, axis=...) on the logits",
        "softmax": "scipy.special.softmax({x}, axis={dim})",
        "logsumexp": "scipy.special.logsumexp({x}, axis={dim})",
        "logsigmoid": "scipy.special.log_expit({x})",
        "softplus": "np.logaddexp(0, {x})",
        "normalize": None,
        "safe_norm": None,
        "where": "np.where",
        "where_overflow": "np.where stores it as an infinity in float16 (NumPy 2)",
        "masked_mean": "({x} * {m}).sum() / max({m}.sum(), 1)",
        "count": "{m}.sum()",
        "isnan": "np.isnan({x}) (arrays)",
        "xlogy": "scipy.special.xlogy({x}, {y})",
    },
    "jax": {
        "log": "jnp.{op}({x})",
        "clamp_min": "jnp.maximum({x}, {floor})",
        "clamp_max": "jnp.minimum({x}, {cap})",
        "clamp_inside": "jnp.clip({x}, -1 + eps, 1 - eps)",
        "eps_of": "jnp.finfo(x.dtype).eps",
        "limit_of": "jnp.finfo(x.dtype).{end}",
        "log_softmax": "jax.nn.log_softmax({x}, axis={dim})",
        "log_softmax_of_layer": "jax.nn.log_softmax(logits, axis=...) on the logits",
        "softmax": "jax.nn.softmax({x}, axis={dim})",
        "logsumexp": "jax.nn.logsumexp({x}, axis={dim})",
        "logsigmoid": "jax.nn.log_sigmoid({x})",
        "softplus": "jax.nn.softplus({x})",
        "normalize": None,
        "safe_norm": None,  # jnp.linalg.norm is the same root of a sum of squares
        "where": "jnp.where",
        "where_overflow": "jnp.where stores it as an infinity in float16",
        "masked_mean": "({x} * {m}).sum() / jnp.maximum({m}.sum(), 1)",
        "count": "{m}.sum()",
        "isnan": "jnp.isnan({x}) (arrays)",
        "with_logits": "optax.sigmoid_binary_cross_entropy({x}, labels)",
        "kl_log_target": "use optax.losses.kl_divergence_with_log_targets",
        "kl_probability_target": "use optax.losses.kl_divergence or pass jax.nn.log_softmax",
        "xlogy": "jax.scipy.special.xlogy({x}, {y})",
    },
    "tf": {
        "log": "tf.math.{op}({x})",
        "clamp_min": "tf.maximum({x}, {floor})",
        "clamp_max": "tf.minimum({x}, {cap})",
        "clamp_inside": "tf.clip_by_value({x}, -1 + eps, 1 - eps)",
        "eps_of": "np.finfo(x.dtype.as_numpy_dtype).eps",
        "limit_of": "x.dtype.{end}",
        "log_softmax": "tf.nn.log_softmax({x}, axis={dim})",
        "log_softmax_of_layer": "tf.nn.log_softmax(logits, axis=...) on the output of a last "
                                "layer without the softmax",
        "softmax": "tf.nn.softmax({x}, axis={dim})",
        "logsumexp": "tf.reduce_logsumexp({x}, axis={dim})",
        "logsigmoid": "tf.math.log_sigmoid({x})",
        "softplus": "tf.math.softplus({x})",
        "normalize": "tf.math.l2_normalize(x, axis=...)",
        "safe_norm": None,  # tf.norm is the same root of a sum of squares
        "where": "tf.where",
        "where_overflow": "tf.where stores it as an infinity in float16",
        "masked_mean": "tf.reduce_sum({x} * w) / tf.maximum(tf.reduce_sum(w), 1) with "
                       "w = tf.cast({m}, {x}.dtype)",
        "count": "tf.math.count_nonzero({m})",
        "isnan": "tf.math.is_nan({x}) (tensors)",
        "with_logits": "tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits={x})",
        "bce_saturation": "(its eps of 1e-7 caps the loss at 16.1, zero gradient)",
        "xlogy": "tf.math.xlogy({x}, {y})",
    },
}

# ------------------------------------------------------------------------------ Keras
# Keras layers and models hold their activations: a model whose last layer applies a
# softmax or a sigmoid returns probabilities when called (or asked to `predict`).
_KERAS = ("keras", "tensorflow.keras", "tf_keras")
FRAMEWORKS.update({"keras": "tf", "tf_keras": "tf", "optax": "jax"})
KERAS_ACTIVATIONS = {"softmax": "softmax", "sigmoid": "sigmoid", "log_softmax": "log_softmax"}
# Layers whose output is their activation applied to an affine map of the input, with
# the position of `activation` where it may be given by position.
KERAS_ACTIVATED = {
    **{f"{k}.layers.{name}": None for k in _KERAS for name in (
        "EinsumDense", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
        "Conv3DTranspose", "Convolution1D", "Convolution2D", "Convolution3D",
        "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D")},
    **{f"{k}.layers.Dense": 1 for k in _KERAS},
    **{f"{k}.layers.Activation": 0 for k in _KERAS},
}
# Functional models: `keras.Model(inputs, outputs)` returns what `outputs` is.
KERAS_MODELS = frozenset(f"{k}.{m}Model" for k in _KERAS for m in ("", "models."))
# Methods of a model that return what calling it returns.
PREDICT_METHODS = frozenset({"predict", "predict_on_batch"})
SEQUENTIAL = SEQUENTIAL | {f"{k}.{m}Sequential" for k in _KERAS for m in ("", "models.")}
MODULES.update({f"{k}.layers.Softmax": "softmax" for k in _KERAS})

# ------------------------------------------------------- losses of other frameworks
# Losses that apply a softmax themselves (PyTorch's cross_entropy), one that takes the log
# of probabilities clamped by eps (binary_cross_entropy) and optax's kl_div (input in log
# space).  Keras losses are left out: they take probabilities by design and recover the
# logits of a Keras softmax or sigmoid layer's output themselves.
_FRAMEWORK_LOSSES = {
    **{f"{m}.{n}": "cross_entropy" for m in ("tensorflow.nn", "tensorflow.compat.v1.nn")
       for n in ("softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2",
                 "sparse_softmax_cross_entropy_with_logits")},
    **{f"{m}.{n}": "cross_entropy" for m in ("optax", "optax.losses")
       for n in ("softmax_cross_entropy", "softmax_cross_entropy_with_integer_labels")},
    **{f"{m}.log_loss": "binary_cross_entropy" for m in ("tensorflow.losses",
                                                           "tensorflow.compat.v1.losses")},
    **{f"{m}.kl_divergence": "kl_div" for m in ("optax", "optax.losses")},
    **{f"{m}.kl_divergence_with_log_targets": "kl_div" for m in ("optax", "optax.losses")},
}
# Where their prediction is, when it is not the first argument: (position, keyword).
LOSS_PREDICTION = {
    **{q: (1, "logits") for q in _FRAMEWORK_LOSSES if q.startswith("tensorflow.") and "nn." in q},
    **{q: (1, "predictions") for q in _FRAMEWORK_LOSSES if q.endswith(".log_loss")},
}
# Losses whose target is in log space by definition (`log_target=True` built in).
LOG_TARGET_LOSSES = frozenset(q for q in _FRAMEWORK_LOSSES if q.endswith("_with_log_targets"))
# More TensorFlow spellings: reductions and a boolean selection.
_TF_MORE = {"reduce_variance": "var", "reduce_std": "std", "reduce_max": "max",
            "boolean_mask": "masked_select"}
_MORE = {**_FRAMEWORK_LOSSES,
         **{f"{m}.{k}": v for m in ("tensorflow", "tensorflow.math") for k, v in _TF_MORE.items()
            if k != "boolean_mask" or m == "tensorflow"},
         **{f"{k}.activations.{n}": op for k in _KERAS for n, op in KERAS_ACTIVATIONS.items()},
         # the Keras backend (`from keras import backend as K`) in which Keras 2 losses and
         # metrics are written: `K.sqrt(K.sum(K.square(x - y), axis=1))`
         **{f"{k}.backend.{n}": op for k in _KERAS for n, op in (
             ("sqrt", "sqrt"), ("sum", "sum"), ("mean", "mean"), ("square", "square"),
             ("log", "log"), ("exp", "exp"), ("abs", "abs"), ("maximum", "maximum"),
             ("clip", "clamp"), ("std", "std"), ("var", "var"), ("max", "max"), ("pow", "pow"),
             ("softmax", "softmax"), ("sigmoid", "sigmoid"), ("switch", "where"))}}
FRAMEWORK_FUNCTIONS.update(_MORE)
FUNCTIONS.update({k: v for k, v in _MORE.items() if k not in FUNCTIONS})
WORD_ALIASES.update({q.rsplit(".", 1)[-1]: op for q, op in _MORE.items()
                     if q.rsplit(".", 1)[-1] != op})
KEYWORD_ALIASES.update({"input": (*KEYWORD_ALIASES["input"], "log_predictions"),
                        "target": ("targets", "log_targets")})
INF_NAMES = INF_NAMES | {"jax.numpy.inf", "tensorflow.experimental.numpy.inf"}
NAN_CONSTANTS = NAN_CONSTANTS | {"jax.numpy.nan", "tensorflow.experimental.numpy.nan"}

# ----------------------------------------------------------------- positive values
# Spellings the model reads to prove a value positive: `-torch.expm1(-x)`, a uniform
# draw above a positive bound, a tensor filled with a positive constant, the top
# values of a softmax.
FUNCTIONS.update({
    "torch.expm1": "expm1", "torch.special.expm1": "expm1", "torch.full": "full",
    "torch.topk": "topk", "torch.nn.init.uniform_": "uniform",
})
METHODS.update({"expm1": ("expm1", 0), "uniform_": ("uniform", 2), "topk": ("topk", 4)})
# The functions that overflow to inf for a large argument (NAN502 reads them in the
# branches of a `where`), in the frameworks with gradients.
FUNCTIONS.update({
    **{f"{m}.expm1": "expm1" for m in ("numpy", "jax.numpy", "tensorflow.math")},
    **{f"{m}.{n}": n for m in ("torch", "numpy", "jax.numpy", "tensorflow", "tensorflow.math")
       for n in ("cosh", "sinh")},
})
METHODS.update({"cosh": ("cosh", 0), "sinh": ("sinh", 0)})
# Integer dtypes: a value cast to one holds no NaN or inf and carries no gradient.
INTEGER_DTYPES = frozenset(f"torch.{n}" for n in (
    "long", "int", "short", "int64", "int32", "int16", "int8", "uint8"))
INTEGER_CAST_METHODS = frozenset({"long", "int", "short", "byte"})


# ------------------------------------------------------------------ values that reach 0
# Activations, constructors and distances whose values the model gives a range
# (ranges.py): a ReLU output and a distance reach 0, a softplus does not.
FUNCTIONS.update({
    **{f"torch.{n}": n for n in ("relu", "zeros", "min", "amin", "cdist",
                                  "pairwise_distance", "square", "rand")},
    "torch.rand_like": "rand", "numpy.random.rand": "rand", "numpy.random.random": "rand",
    **{f"torch.{n}": "randn" for n in ("randn", "randn_like", "normal")},
    "numpy.random.randn": "randn", "numpy.random.normal": "randn",
    "torch.zeros_like": "zeros",
    **{f"{_F}.{n}": n for n in ("relu", "softplus", "pairwise_distance", "mse_loss")},
    f"{_F}.relu6": "relu",
    f"{_F}.relu_": "relu",
    "torch.relu_": "relu",
    **{f"{m}.{n}": op for m in ("numpy", "jax.numpy")
       for n, op in (("zeros", "zeros"), ("zeros_like", "zeros"), ("min", "min"), ("amin", "amin"),
                     ("max", "max"), ("amax", "amax"))},
    "jax.nn.relu": "relu", "jax.nn.softplus": "softplus",
    **{f"{m}.{n}": op for m in ("tensorflow", "tensorflow.math")
       for n, op in (("reduce_min", "min"), ("reduce_max", "max"), ("zeros", "zeros"),
                     ("zeros_like", "zeros"), ("reduce_std", "std"),
                     ("reduce_variance", "var"))},
    "tensorflow.nn.relu": "relu", "tensorflow.nn.softplus": "softplus",
    "tensorflow.math.softplus": "softplus",
})
METHODS.update({
    "relu": ("relu", 0), "relu_": ("relu", 0), "min": ("min", 2), "amin": ("amin", 2),
    "new_zeros": ("zeros", 1),
})
MODULE_OUTPUTS.update({"ReLU": "relu", "ReLU6": "relu", "Softplus": "softplus"})
FUNCTIONS.update({f"{m}.{n}": n for m in ("torch.nn", "torch.nn.modules.activation")
                  for n in ("ReLU", "ReLU6", "Softplus")})
# `values, indices = x.max(dim)` and `x.max(dim).values`: the attribute keeps the origin.
SHAPE_ATTRIBUTES = SHAPE_ATTRIBUTES | {"values"}
# Casts that make a value float32 or float64 (an eps then survives), and the dtypes; and
# bfloat16, which keeps float32's exponent (1e-8 and -1e9 fit in it).
WIDE_CASTS = frozenset({"float", "double"})
WIDE_DTYPES = frozenset({"torch.float32", "torch.float", "torch.float64", "torch.double",
                         "numpy.float32", "numpy.float64", "torch.bfloat16"})
# Tensor methods that no NumPy array, Python number or container has: a receiver
# called with one is a tensor.
TORCH_ONLY_METHODS = frozenset({
    "norm", "clamp", "clamp_min", "clamp_max", "clamp_", "masked_fill", "masked_fill_",
    "softmax", "log_softmax", "sigmoid", "unsqueeze", "view", "view_as", "detach", "float",
    "half", "bfloat16", "cuda", "expand", "expand_as", "new_zeros", "new_ones", "new_full",
    "new_tensor", "relu", "exp_", "log_", "sum_to_size", "type_as", "masked_select",
    "logsumexp", "numel",
})
