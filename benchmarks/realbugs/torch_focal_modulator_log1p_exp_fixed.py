# source: https://github.com/rwightman/efficientdet-pytorch/pull/77
# what: fixed: softplus, as the maintainer suggested in the review, computes log(1 + exp(z)) without overflowing
import torch
import torch.nn.functional as F


def focal_modulated(logits, targets, alpha=0.25, gamma=1.5):
    bce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    z = -logits
    modulator = torch.exp(gamma * targets * z - gamma * F.softplus(z))
    loss = modulator * bce
    return torch.where(targets == 1.0, alpha * loss, (1.0 - alpha) * loss).sum()
