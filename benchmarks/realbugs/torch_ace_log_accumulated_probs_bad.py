# source: https://github.com/summerlvsong/Aggregation-Cross-Entropy/issues/2
# what: per-class softmax mass accumulated over all time steps is exactly 0 for a class absent from the image; its log is -inf and the loss is NaN
import torch
import torch.nn as nn


class AggregationCE(nn.Module):
    def forward(self, probs, counts):
        # probs: (batch, steps, classes), already softmax-normalised
        batch, steps, _ = probs.shape
        freq = probs.sum(dim=1) / steps
        target = counts / steps
        return -(target * torch.log(freq)).sum() / batch  # expect: NAN101
