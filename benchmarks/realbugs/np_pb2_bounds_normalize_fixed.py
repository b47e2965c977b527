# source: https://github.com/ray-project/ray/pull/14118
# what: fixed: a small constant is added to the range so a constant column no longer divides by zero
import numpy as np


def normalize(data, wrt):
    lo = np.min(wrt, axis=0)
    hi = np.max(wrt, axis=0)
    return (data - lo) / (hi - lo + 1e-8)
