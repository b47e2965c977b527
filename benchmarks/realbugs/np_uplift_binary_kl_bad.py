# source: https://github.com/uber/causalml/issues/167
# what: the split criterion's binary KL divergence clips qk but not pk; pk = 0 or 1 gives 0 * log(0) = NaN
import numpy as np


def kl_divergence(pk, qk):
    qk = min(max(qk, 0.1 ** 6), 1 - 0.1 ** 6)
    return pk * np.log(pk / qk) + (1 - pk) * np.log((1 - pk) / (1 - qk))  # expect: NAN107
