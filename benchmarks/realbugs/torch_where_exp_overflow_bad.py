# source: https://github.com/pytorch/pytorch/issues/156212
# what: torch.where keeps exp(x) only below a threshold, but exp is evaluated everywhere; where it overflows, the unselected branch sends NaN into the gradient
import torch


def capped_exp(x, threshold=10.0, fallback=1.0):
    return torch.where(x <= threshold, torch.exp(x), torch.full_like(x, fallback))  # expect: NAN502
