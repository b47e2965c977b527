# source: https://github.com/uber/causalml/issues/167
# what: fixed: the suggestion in the issue, terms with pk = 0 or pk = 1 are 0 by convention and are left out
import numpy as np


def kl_divergence(pk, qk):
    qk = min(max(qk, 0.1 ** 6), 1 - 0.1 ** 6)
    if pk == 0:
        return np.log(1 / (1 - qk))
    if pk == 1:
        return np.log(1 / qk)
    return pk * np.log(pk / qk) + (1 - pk) * np.log((1 - pk) / (1 - qk))
