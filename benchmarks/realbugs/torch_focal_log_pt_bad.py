# source: https://github.com/mathiaszinnen/focal_loss_torch/issues/3
# what: the predicted probability of the true class reaches 0 and torch.log(p_t) is -inf, so the focal loss becomes inf/NaN
import torch
import torch.nn as nn


class MultiClassFocal(nn.Module):
    def __init__(self, gamma=2.0):
        super().__init__()
        self.gamma = gamma

    def forward(self, probs, target):
        p_t = probs.gather(1, target.unsqueeze(1)).squeeze(1)
        loss = -((1 - p_t) ** self.gamma) * torch.log(p_t)  # expect: NAN101
        return loss.mean()
