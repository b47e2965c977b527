# source: https://github.com/kaidic/LDAM-DRW/issues/17
# what: fixed: as the thread suggests, the cross entropy is kept non-negative with relu and a small value is added to the base of the power
import torch
import torch.nn as nn
import torch.nn.functional as F


class FocalOnCE(nn.Module):
    def __init__(self, gamma=0.5, weight=None):
        super().__init__()
        self.gamma = gamma
        self.weight = weight

    def forward(self, logits, target):
        ce = F.relu(F.cross_entropy(logits, target, weight=self.weight, reduction="none"))
        p = torch.exp(-ce)
        return ((1 - p + 1e-6) ** self.gamma * ce).mean()
