# source: https://github.com/open-mmlab/mmrotate/issues/205
# what: the Gaussian box distance takes sqrt of a sum of squared differences; a prediction equal to its target gives sqrt(0), whose gradient is inf/NaN
import torch


def gwd_loss(pred, target, tau=1.0):
    # pred, target: (N, 4) boxes as (cx, cy, w, h), seen as axis-aligned Gaussians
    xy = (pred[:, :2] - target[:, :2]).pow(2).sum(dim=-1)
    wh = ((pred[:, 2:] - target[:, 2:]) / 2).pow(2).sum(dim=-1)
    distance = torch.sqrt(xy + wh)  # expect: NAN501
    return 1 - 1 / (tau + torch.log1p(distance))
