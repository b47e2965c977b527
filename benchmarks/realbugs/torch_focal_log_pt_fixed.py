# source: https://github.com/mathiaszinnen/focal_loss_torch/issues/3
# what: fixed: a machine epsilon is added inside the log, as suggested in the issue and merged
import numpy as np
import torch
import torch.nn as nn


class MultiClassFocal(nn.Module):
    def __init__(self, gamma=2.0):
        super().__init__()
        self.gamma = gamma

    def forward(self, probs, target):
        eps = np.finfo(float).eps
        p_t = probs.gather(1, target.unsqueeze(1)).squeeze(1)
        loss = -((1 - p_t) ** self.gamma) * torch.log(p_t + eps)
        return loss.mean()
