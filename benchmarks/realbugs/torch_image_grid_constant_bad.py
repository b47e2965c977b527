# source: https://github.com/pytorch/vision/issues/397
# what: each image is rescaled to [0, 1] in place by dividing by (max - min); a constant image gives 0/0 = NaN (a division error on CUDA)
import torch


def norm_range(img, low, high):
    img.clamp_(min=low, max=high)
    img.sub_(low).div_(high - low)  # expect: NAN204
    return img


def normalize_batch(batch):
    for t in batch:
        norm_range(t, float(t.min()), float(t.max()))
    return batch
