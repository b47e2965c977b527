# source: https://github.com/MhLiao/DB/issues/14
# what: masked L1 loss divided by mask.sum(); an image with no text pixels has an empty mask and the loss is 0/0 = NaN
import torch
import torch.nn as nn


class ThresholdL1(nn.Module):
    def forward(self, pred, gt, mask):
        diff = torch.abs(pred[:, 0] - gt) * mask
        return diff.sum() / mask.sum()  # expect: NAN201
