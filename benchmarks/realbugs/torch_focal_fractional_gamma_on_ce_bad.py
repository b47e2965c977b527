# source: https://github.com/kaidic/LDAM-DRW/issues/17
# what: focal factor (1 - p) ** gamma with gamma = 0.5 and p = exp(-ce); p reaches 1 (or exceeds it when ce rounds negative) and the power gives an inf/NaN gradient
import torch
import torch.nn as nn
import torch.nn.functional as F


class FocalOnCE(nn.Module):
    def __init__(self, gamma=0.5, weight=None):
        super().__init__()
        self.gamma = gamma
        self.weight = weight

    def forward(self, logits, target):
        ce = F.cross_entropy(logits, target, weight=self.weight, reduction="none")
        p = torch.exp(-ce)
        return ((1 - p) ** self.gamma * ce).mean()  # expect: NAN505
