# source: https://github.com/ray-project/ray/pull/14118
# what: hyperparameters are scaled by the range of their bounds; a column whose min equals its max gives 0/0 = NaN in the data fed to the Gaussian process
import numpy as np


def normalize(data, wrt):
    lo = np.min(wrt, axis=0)
    hi = np.max(wrt, axis=0)
    return (data - lo) / (hi - lo)  # expect: NAN204
