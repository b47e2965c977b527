# source: https://github.com/rushter/MLAlgorithms/pull/30
# what: fixed (pull request 31, after a first attempt that divided by zero for very negative z): np.logaddexp(0, z)
import numpy as np


def softplus(z):
    return np.logaddexp(0, z)
