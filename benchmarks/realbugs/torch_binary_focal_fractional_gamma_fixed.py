# source: https://github.com/kornia/kornia/issues/918
# what: fixed: eps is added to the base of each power as well, so the fractional power is never taken at exactly 0
import torch


def focal_with_logits(logits, target, alpha=0.25, gamma=0.5, eps=1e-8):
    p = torch.sigmoid(logits)
    pos = -alpha * torch.pow(1.0 - p + eps, gamma) * target * torch.log(p + eps)
    neg = -(1 - alpha) * torch.pow(p + eps, gamma) * (1.0 - target) * torch.log(1.0 - p + eps)
    return (pos + neg).mean()
