# source: https://github.com/xtudbxk/DSRG-tensorflow/issues/11
# what: CRF unary potentials are -log of the class scores; after some iterations a score of exactly 0 gives divide by zero in log and the constrain loss collapses
import numpy as np


def crf_unary(feat):
    # feat: (H, W, C) class probabilities from the network
    unary = -np.log(feat)  # expect: NAN101
    return np.ascontiguousarray(unary.transpose(2, 0, 1).reshape(feat.shape[2], -1))
