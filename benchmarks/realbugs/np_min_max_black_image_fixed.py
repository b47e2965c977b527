# source: https://github.com/albumentations-team/albumentations/issues/1742
# what: fixed (pull request 1743): a small epsilon in the denominator, so a constant image maps to 0
import numpy as np

EPSILON = 1e-4


def normalize_min_max(img):
    img = img.astype(np.float32)
    lo = img.min()
    hi = img.max()
    return (img - lo) / (hi - lo + EPSILON)
