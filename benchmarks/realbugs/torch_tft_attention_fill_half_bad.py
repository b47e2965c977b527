# source: https://github.com/unit8co/darts/issues/3081
# what: the attention mask fill value -1e9 exceeds the float16 range; under 16-mixed precision masked_fill on the half scores overflows
import torch
import torch.nn as nn


class ScaledDotProductAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.softmax = nn.Softmax(dim=2)

    def forward(self, q, k, v, mask=None):
        attn = torch.bmm(q, k.permute(0, 2, 1)) / k.shape[-1] ** 0.5
        if mask is not None:
            attn = attn.masked_fill(mask, -1e9)  # expect: NAN302
        attn = self.softmax(attn)
        return torch.bmm(attn, v), attn
