# source: https://github.com/bentrevett/pytorch-seq2seq/issues/191
# what: attention energy masked with -1e10, which cannot be converted to half precision in 16-bit training (and -inf instead led to NaN losses)
import torch
import torch.nn as nn


class MultiHeadAttention(nn.Module):
    def __init__(self, head_dim):
        super().__init__()
        self.scale = head_dim ** 0.5

    def forward(self, query, key, value, mask=None):
        energy = torch.matmul(query, key.permute(0, 1, 3, 2)) / self.scale
        if mask is not None:
            energy = energy.masked_fill(mask == 0, -1e10)  # expect: NAN302
        attention = torch.softmax(energy, dim=-1)
        return torch.matmul(attention, value), attention
