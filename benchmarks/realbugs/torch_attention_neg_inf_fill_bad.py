# source: https://github.com/THUwangcy/ReChorus/issues/8
# what: attention scores are filled with -inf where masked; a user history whose positions are all masked gives a row of -inf and softmax returns NaN
import numpy as np
import torch
import torch.nn as nn


class ScaledDotAttention(nn.Module):
    def forward(self, q, k, v, d_k, mask=None):
        scores = torch.matmul(q, k.transpose(-2, -1)) / np.sqrt(d_k)
        if mask is not None:
            scores = scores.masked_fill(mask == 0, -np.inf)  # expect: NAN303
        weights = torch.softmax(scores, dim=-1)
        return torch.matmul(weights, v)
