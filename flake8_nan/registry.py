"""The explicit list of rules, in code order."""
from .rules.nan101_log_of_zero import LogOfZero
from .rules.nan102_log_of_softmax import LogOfSoftmax
from .rules.nan103_log_of_sigmoid import LogOfSigmoid
from .rules.nan104_log1p_expm1 import Log1pExpm1
from .rules.nan105_logsumexp import LogSumExp
from .rules.nan106_filtered_nonfinite import FilteredNonFinite
from .rules.nan107_xlogx import XLogX
from .rules.nan108_masked_by_multiplication import MaskedByMultiplication
from .rules.nan201_divide_by_sum import DivideBySum
from .rules.nan202_divide_by_norm import DivideByNorm
from .rules.nan203_mean_of_selection import MeanOfSelection
from .rules.nan204_min_max import MinMaxNormalisation
from .rules.nan205_unbiased_std import UnbiasedStdOfOne
from .rules.nan301_tiny_eps import TinyEps
from .rules.nan302_float16_overflow_fill import Float16OverflowFill
from .rules.nan303_neg_inf_softmax import NegInfSoftmax
from .rules.nan304_half_optimizer_eps import HalfOptimizerEps
from .rules.nan305_neg_inf_loss import NegInfIntoLoss
from .rules.nan403_bce_on_sigmoid import BCEOnSigmoid
from .rules.nan404_nll_on_probabilities import LossOnProbabilities
from .rules.nan4xx_kl_div import KLDivInputNotLog, KLDivTargetSpace
from .rules.nan501_sqrt_of_squares import SqrtOfSquares
from .rules.nan502_where_gradient import WhereGradient
from .rules.nan503_acos_of_cosine import AcosOfCosine
from .rules.nan505_fractional_power import FractionalPower
from .rules.nan601_missing_attention_mask import MissingAttentionMask
from .rules.nan602_clip_scaled_gradients import ClipScaledGradients
from .rules.nan603_unclipped_step import UnclippedStep
from .rules.nan604_summed_loss import SummedLoss
from .rules.nan605_unchecked_grad_norm import UncheckedGradNorm
from .rules.nan701_compare_with_nan import CompareWithNan

RULES = (
    LogOfZero,
    LogOfSoftmax,
    LogOfSigmoid,
    Log1pExpm1,
    LogSumExp,
    FilteredNonFinite,
    XLogX,
    MaskedByMultiplication,
    DivideBySum,
    DivideByNorm,
    MeanOfSelection,
    MinMaxNormalisation,
    UnbiasedStdOfOne,
    TinyEps,
    Float16OverflowFill,
    NegInfSoftmax,
    HalfOptimizerEps,
    NegInfIntoLoss,
    KLDivInputNotLog,
    KLDivTargetSpace,
    BCEOnSigmoid,
    LossOnProbabilities,
    SqrtOfSquares,
    WhereGradient,
    AcosOfCosine,
    FractionalPower,
    MissingAttentionMask,
    ClipScaledGradients,
    UnclippedStep,
    SummedLoss,
    UncheckedGradNorm,
    CompareWithNan,
)

BY_CODE = {rule.code: rule for rule in RULES}
