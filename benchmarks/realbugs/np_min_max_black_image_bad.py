# source: https://github.com/albumentations-team/albumentations/issues/1742
# what: per-image min-max normalisation divides by (max - min); an all-black image has max == min and every pixel becomes 0/0 = NaN
import numpy as np


def normalize_min_max(img):
    img = img.astype(np.float32)
    lo = img.min()
    hi = img.max()
    return (img - lo) / (hi - lo)  # expect: NAN204
