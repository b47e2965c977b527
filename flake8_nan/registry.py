"""The explicit list of rules, in code order."""
from .rules.nan101_log_of_zero import LogOfZero
from .rules.nan201_divide_by_sum import DivideBySum
from .rules.nan301_tiny_eps import TinyEps
from .rules.nan4xx_kl_div import KLDivInputNotLog, KLDivTargetSpace
from .rules.nan601_missing_attention_mask import MissingAttentionMask
from .rules.nan603_unclipped_step import UnclippedStep
from .rules.nan604_summed_loss import SummedLoss

RULES = (
    LogOfZero,
    DivideBySum,
    TinyEps,
    KLDivInputNotLog,
    KLDivTargetSpace,
    MissingAttentionMask,
    UnclippedStep,
    SummedLoss,
)

BY_CODE = {rule.code: rule for rule in RULES}
