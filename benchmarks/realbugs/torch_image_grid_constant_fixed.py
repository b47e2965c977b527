# source: https://github.com/pytorch/vision/issues/397
# what: fixed: the range is floored at a small positive value before it divides
import torch


def norm_range(img, low, high):
    img.clamp_(min=low, max=high)
    img.sub_(low).div_(max(high - low, 1e-5))
    return img


def normalize_batch(batch):
    for t in batch:
        norm_range(t, float(t.min()), float(t.max()))
    return batch
