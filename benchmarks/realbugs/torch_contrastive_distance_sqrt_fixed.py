# source: https://github.com/adambielski/siamese-triplet/issues/18
# what: fixed: a small epsilon is added under the square root, as the maintainer merged
import torch.nn as nn
import torch.nn.functional as F


class ContrastiveLoss(nn.Module):
    def __init__(self, margin, eps=1e-9):
        super().__init__()
        self.margin = margin
        self.eps = eps

    def forward(self, out1, out2, target):
        distances = (out2 - out1).pow(2).sum(1)
        dist = (distances + self.eps).sqrt()
        losses = 0.5 * (target.float() * distances + (1 - target).float() * F.relu(self.margin - dist).pow(2))
        return losses.mean()
