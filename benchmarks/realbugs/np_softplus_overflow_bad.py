# source: https://github.com/rushter/MLAlgorithms/pull/30
# what: softplus written as log(1 + exp(z)); for a large z exp overflows and softplus returns inf instead of z
import numpy as np


def softplus(z):
    return np.log(1 + np.exp(z))  # expect: NAN104
