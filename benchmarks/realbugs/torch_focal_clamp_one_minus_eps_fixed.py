# source: https://github.com/NVIDIA/apex/issues/358
# what: fixed: eps is added inside both logs, so log(1 - p) stays finite where the clamp could not keep p below 1
# residual: NAN301 (the accepted fix keeps eps = 1e-8, which float16 still rounds to 0)
import torch


def binary_focal(y_pred, y_true, gamma=0.0):
    eps = 1e-8
    y_pred = torch.clamp(y_pred, eps, 1 - eps)
    pos = y_true * torch.pow(1 - y_pred, gamma) * torch.log(y_pred + eps)
    neg = (1 - y_true) * torch.pow(y_pred, gamma) * torch.log(1 - y_pred + eps)
    return -(pos + neg).sum() / y_pred.size(0)
