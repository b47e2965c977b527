# source: https://github.com/THUwangcy/ReChorus/issues/8
# what: fixed (the maintainer's choice): NaN attention weights of fully masked rows are set to 0 after the softmax
import numpy as np
import torch
import torch.nn as nn


class ScaledDotAttention(nn.Module):
    def forward(self, q, k, v, d_k, mask=None):
        scores = torch.matmul(q, k.transpose(-2, -1)) / np.sqrt(d_k)
        if mask is not None:
            scores = scores.masked_fill(mask == 0, -np.inf)
        weights = torch.softmax(scores, dim=-1)
        weights = weights.masked_fill(torch.isnan(weights), 0)
        return torch.matmul(weights, v)
