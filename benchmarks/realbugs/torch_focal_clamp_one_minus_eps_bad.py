# source: https://github.com/NVIDIA/apex/issues/358
# what: predictions clamped to [1e-8, 1 - 1e-8], but 1 - 1e-8 rounds to 1.0 in float32, so log(1 - p) is log(0) = -inf and the focal loss is NaN
import torch


def binary_focal(y_pred, y_true, gamma=0.0):
    eps = 1e-8
    y_pred = torch.clamp(y_pred, eps, 1 - eps)  # expect: NAN301
    pos = y_true * torch.pow(1 - y_pred, gamma) * torch.log(y_pred)
    neg = (1 - y_true) * torch.pow(y_pred, gamma) * torch.log(1 - y_pred)  # expect: NAN101
    return -(pos + neg).sum() / y_pred.size(0)
