# source: https://github.com/ShangtongZhang/DeepRL/pull/4
# what: fixed: the epsilon is added outside softplus, so std is at least 1e-5
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class GaussianActor(nn.Module):
    def __init__(self, hidden, action_dim):
        super().__init__()
        self.fc_mean = nn.Linear(hidden, action_dim)
        self.fc_std = nn.Linear(hidden, action_dim)

    def log_prob(self, phi, action):
        mean = torch.tanh(self.fc_mean(phi))
        std = F.softplus(self.fc_std(phi)) + 1e-5
        log_std = std.log()
        z = (action - mean) / std
        return (-0.5 * z.pow(2) - log_std - 0.5 * math.log(2 * math.pi)).sum(-1)
