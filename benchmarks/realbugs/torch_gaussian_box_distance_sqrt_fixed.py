# source: https://github.com/open-mmlab/mmrotate/issues/205
# what: fixed: as in the original implementation, the value is clamped to at least 1e-7 before the square root
import torch


def gwd_loss(pred, target, tau=1.0):
    # pred, target: (N, 4) boxes as (cx, cy, w, h), seen as axis-aligned Gaussians
    xy = (pred[:, :2] - target[:, :2]).pow(2).sum(dim=-1)
    wh = ((pred[:, 2:] - target[:, 2:]) / 2).pow(2).sum(dim=-1)
    distance = torch.sqrt((xy + wh).clamp(min=1e-7))
    return 1 - 1 / (tau + torch.log1p(distance))
