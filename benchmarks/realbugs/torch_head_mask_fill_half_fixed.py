# source: https://github.com/NVIDIA/apex/issues/1105
# what: fixed: the smaller fill value the reporter found to work, which float16 can hold
import torch.nn as nn
import torch.nn.functional as F


class HeadAttention(nn.Module):
    def forward(self, q, k, v, head_mask):
        scores = q @ k.transpose(-1, -2)
        scores = scores.masked_fill(head_mask == 0, -1e4)
        return F.softmax(scores, dim=-1) @ v
