# source: https://github.com/pytorch/pytorch/issues/59194
# what: fixed: Kahan's formula proposed in the issue, 2 * atan2(|a|b| - b|a||, |a|b| + b|a||), which is well behaved near 0 and pi
import torch


def angle(a, b, dim=-1):
    a_len = a.norm(dim=dim, keepdim=True)
    b_len = b.norm(dim=dim, keepdim=True)
    u = a * b_len
    v = b * a_len
    return 2 * torch.atan2((u - v).norm(dim=dim), (u + v).norm(dim=dim))
