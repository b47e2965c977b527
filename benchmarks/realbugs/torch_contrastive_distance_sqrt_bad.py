# source: https://github.com/adambielski/siamese-triplet/issues/18
# what: the contrastive loss takes sqrt of the squared distance; two identical embeddings give sqrt(0) and the derivative is inf, so the gradients turn NaN
import torch.nn as nn
import torch.nn.functional as F


class ContrastiveLoss(nn.Module):
    def __init__(self, margin):
        super().__init__()
        self.margin = margin

    def forward(self, out1, out2, target):
        distances = (out2 - out1).pow(2).sum(1)
        dist = distances.sqrt()  # expect: NAN501
        losses = 0.5 * (target.float() * distances + (1 - target).float() * F.relu(self.margin - dist).pow(2))
        return losses.mean()
