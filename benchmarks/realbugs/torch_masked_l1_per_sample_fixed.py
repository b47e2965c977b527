# source: https://github.com/ecmwf/WeatherGenerator/issues/2723
# what: fixed (pull request 2717): excluded tokens are selected away with torch.where(mask, loss, 0) instead of multiplied
import torch


def masked_l1_per_sample(pred, target, mask):
    per_token = (pred - target).abs().mean(dim=-1)
    masked = torch.where(mask.bool(), per_token, 0.0)
    return masked.sum(dim=-1) / mask.sum(dim=-1).clamp(min=1)
