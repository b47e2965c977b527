# source: https://github.com/ShangtongZhang/DeepRL/pull/4
# what: the epsilon meant to keep the std positive was put inside softplus; for a very negative pre-activation softplus still underflows to 0 and std.log() is -inf (NaN in training)
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
        std = F.softplus(self.fc_std(phi) + 1e-5)
        log_std = std.log()  # expect: NAN101
        z = (action - mean) / std
        return (-0.5 * z.pow(2) - log_std - 0.5 * math.log(2 * math.pi)).sum(-1)
