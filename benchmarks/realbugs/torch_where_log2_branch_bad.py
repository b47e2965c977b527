# source: https://github.com/pytorch/pytorch/issues/108618
# what: torch.where(x > 2, log2(x), 2x) still differentiates log2 at x = 0, whose derivative is inf, so the gradient there is NaN
import torch


def piecewise_feature(x):
    return torch.where(x > 2, torch.log2(x), 2 * x)  # expect: NAN502
