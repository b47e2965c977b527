# source: https://github.com/rwightman/efficientdet-pytorch/pull/77
# what: the focal modulator computes log1p(exp(z)); for a large z exp overflows to inf and the loss (and its gradient) becomes inf/NaN
import torch
import torch.nn.functional as F


def focal_modulated(logits, targets, alpha=0.25, gamma=1.5):
    bce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    z = -logits
    modulator = torch.exp(gamma * targets * z - gamma * torch.log1p(torch.exp(z)))  # expect: NAN104
    loss = modulator * bce
    return torch.where(targets == 1.0, alpha * loss, (1.0 - alpha) * loss).sum()
