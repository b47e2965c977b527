# source: https://github.com/xtudbxk/DSRG-tensorflow/issues/11
# what: fixed: the author's answer, a small positive number keeps the scores away from 0
import numpy as np


def crf_unary(feat):
    # feat: (H, W, C) class probabilities from the network
    unary = -np.log(feat + 1e-5)
    return np.ascontiguousarray(unary.transpose(2, 0, 1).reshape(feat.shape[2], -1))
