# source: https://github.com/pytorch/pytorch/issues/156212
# what: fixed: exp is applied only to the selected elements (index assignment, the behaviour the report expected), so nothing overflows
import torch


def capped_exp(x, threshold=10.0, fallback=1.0):
    out = torch.full_like(x, fallback)
    keep = x <= threshold
    out[keep] = torch.exp(x[keep])
    return out
