# source: https://github.com/NVIDIA/apex/issues/1105
# what: masked attention scores are filled with -1e10, which float16 cannot hold; under mixed precision this overflows (a conversion error, or -inf)
import torch.nn as nn
import torch.nn.functional as F


class HeadAttention(nn.Module):
    def forward(self, q, k, v, head_mask):
        scores = q @ k.transpose(-1, -2)
        scores = scores.masked_fill(head_mask == 0, -1e10)  # expect: NAN302
        return F.softmax(scores, dim=-1) @ v
