"""The explicit list of rules, in code order."""
from .rules.nan101_log_of_zero import LogOfZero
from .rules.nan102_log_of_softmax import LogOfSoftmax
from .rules.nan103_log_of_sigmoid import LogOfSigmoid
from .rules.nan104_log1p_expm1 import Log1pExpm1
from .rules.nan105_logsumexp import LogSumExp
from .rules.nan106_filtered_nonfinite import FilteredNonFinite
from .rules.nan201_divide_by_sum import DivideBySum
from .rules.nan202_divide_by_norm import DivideByNorm
from .rules.nan203_mean_of_selection import MeanOfSelection
from .rules.nan301_tiny_eps import TinyEps
from .rules.nan4xx_kl_div import KLDivInputNotLog, KLDivTargetSpace
from .rules.nan601_missing_attention_mask import MissingAttentionMask
from .rules.nan701_compare_with_nan import CompareWithNan

RULES = (
    LogOfZero,
    LogOfSoftmax,
    LogOfSigmoid,
    Log1pExpm1,
    LogSumExp,
    FilteredNonFinite,
    DivideBySum,
    DivideByNorm,
    MeanOfSelection,
    TinyEps,
    KLDivInputNotLog,
    KLDivTargetSpace,
    MissingAttentionMask,
    CompareWithNan,
)

BY_CODE = {rule.code: rule for rule in RULES}
