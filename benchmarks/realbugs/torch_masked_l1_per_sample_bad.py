# source: https://github.com/ecmwf/WeatherGenerator/issues/2723
# what: mask-excluded tokens are zeroed by multiplying the per-token L1 with the mask; NaN * 0 = NaN, so garbage in an excluded row takes down the whole loss and its gradient
import torch


def masked_l1_per_sample(pred, target, mask):
    per_token = (pred - target).abs().mean(dim=-1)
    masked = per_token * mask  # expect: NAN108
    return masked.sum(dim=-1) / mask.sum(dim=-1).clamp(min=1)
