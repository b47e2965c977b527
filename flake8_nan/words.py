"""The pseudo-words the pre-filter reads from code besides its identifiers.

A rule names the ones it needs in `Rule.triggers`; this module imports nothing, so
rules, the pre-filter and the engine can all depend on it.
"""
DIVISION = "/"
TINY = "<tiny>"  # a float literal below the eps threshold
HF = "<hf>"  # a name imported from transformers
BIG = "<big>"  # a number literal beyond the float16 range, or a power
SHIFTED_BIG = "<x - big>"  # such a number added or subtracted: `x -= 2 ** 30`, `s + -1e9`
# every statement of a loss: a function named for one, or the forward of a class named for
# one (Model.in_loss)
IN_LOSS = "<in loss>"
# `log`, `log2` or `log10` other than Python's `math.log(...)`, which raises where a tensor's
# gives -inf
ARRAY_LOG = "<array log>"
LOG_WORDS = frozenset({"log", "log2", "log10"})
ROOT = "<root>"  # `** e` with a fractional or negative exponent (`** 0.5`, `** -1`)
NAMED_POWER = "<** name>"  # `** gamma`, `** self.gamma`: an exponent set elsewhere
FRACTION = "<** 0.5>"  # `** e` with a literal exponent in (0, 1): `** 0.5`, `** (1 / 3)`
# an identifier that names a probability (`probs`, `p_fake_prob`, `likelihood`, `pt`)
PROBABILITY = "<prob>"
# `x.view(-1, g)`, `.reshape`, `.unflatten`: a regrouping, read by its own name
REGROUPED = "<x.view(-1, g)>"
REGROUPING_METHODS = frozenset({"view", "reshape", "unflatten"})
# a value that reaches 0 by what made it, by the name of the operation: a probability, a
# ReLU or an abs (a pseudo-word, so that a config naming `act_layer="relu"` is no script step)
ZERO_REACHING = "<relu|sigmoid|...>"
ZERO_REACHING_WORDS = frozenset({"sigmoid", "softmax", "exp", "relu", "relu_", "relu6", "abs", "abs_",
                                 "Sigmoid", "Softmax", "ReLU", "ReLU6"})
# `x.min()`, `torch.amin(x, 1)`: a min written as a call of a module or a method, as
# NAN204 reads one (the builtin `min(a, b)` of two numbers is none)
MIN_REDUCTION = "<x.min()>"
# an identifier that names a per-batch quantity of reinforcement learning (`advantages`)
PER_BATCH = "<per-batch>"
REDUCED_SELECTION = "<x[m].mean()>"  # a mean, std or var of x[i], i maybe a mask
SELF_COMPARE = "<x==x>"  # a value compared with itself: x != x
ABS_MAX = "<abs-max>"  # `x.abs().max()`: abs and max in one statement
SQRT_REDUCE = "<sqrt-reduce>"  # sqrt with a sum or a var: a norm or a std written out
CONTEXT = "<context>"  # a context word of some rule (Rule.context)
NAN_TEXT = "<nan>"  # the string "nan" (any case, signed): float("nan")
# an infinity written: `float("-inf")`, `math.inf`, `-np.inf`, `torch.inf`, or a name bound
# to one at module level
INF = "<inf>"
INF_WORDS = frozenset({"inf", "Inf", "INF", "infty", "infinity", "Infinity", "NINF"})
# a division, a root or a singular call in the arguments of a `where` (or before `.where`)
SINGULAR_IN_WHERE = "<where(1/x)>"
# a power `**` in the arguments of a `where` (or before `.where`): `10 ** x` overflows
POWER_IN_WHERE = "<where(c ** x)>"
# a value that is a log, sqrt, rsqrt, acos or asin call (`lx = torch.log(x)`), not an
# expression holding one (`s = q @ k / math.sqrt(d)`)
SINGULAR_VALUE = "<=log(x)>"
# a 0/1 mask: an identifier that names one (`mask`, `loss_mask`), a comparison, a `~`
MASKING = "<mask>"
