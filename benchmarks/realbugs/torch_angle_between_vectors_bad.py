# source: https://github.com/pytorch/pytorch/issues/59194
# what: the angle is arccos of the normalised dot product; for (anti)parallel vectors the argument reaches +-1 and the gradient of arccos explodes to inf/NaN
import torch


def angle(a, b, dim=-1):
    c = (a * b).sum(dim) / (a.norm(dim=dim) * b.norm(dim=dim))
    return c.arccos()  # expect: NAN503
