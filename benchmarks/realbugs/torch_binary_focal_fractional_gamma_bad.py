# source: https://github.com/kornia/kornia/issues/918
# what: with 0 < gamma < 1, pow(1 - p, gamma) and pow(p, gamma) have an infinite derivative where the sigmoid saturates to 1 or 0, and backward gives NaN
import torch


def focal_with_logits(logits, target, alpha=0.25, gamma=0.5, eps=1e-8):
    p = torch.sigmoid(logits)
    pos = -alpha * torch.pow(1.0 - p, gamma) * target * torch.log(p + eps)  # expect: NAN505
    neg = -(1 - alpha) * torch.pow(p, gamma) * (1.0 - target) * torch.log(1.0 - p + eps)  # expect: NAN505
    return (pos + neg).mean()
