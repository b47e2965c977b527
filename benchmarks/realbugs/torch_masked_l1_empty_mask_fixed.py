# source: https://github.com/MhLiao/DB/issues/14
# what: fixed: an empty mask returns the (zero) mask sum as the loss instead of dividing by it
import torch
import torch.nn as nn


class ThresholdL1(nn.Module):
    def forward(self, pred, gt, mask):
        total = mask.sum()
        if total.item() == 0:
            return total
        diff = torch.abs(pred[:, 0] - gt) * mask
        return diff.sum() / total
