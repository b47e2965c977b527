# source: https://github.com/pytorch/pytorch/issues/8069
# what: fixed: the cosine is clamped to [-1 + eps, 1 - eps] with eps = 1e-7, as the reporter settled on
import torch
import torch.nn.functional as F


def angular_error(pred, target, eps=1e-7):
    cos = F.cosine_similarity(pred, target, dim=-1)
    return torch.acos(torch.clamp(cos, min=-1 + eps, max=1 - eps)).mean()
