# source: https://github.com/tensorflow/tensorflow/issues/12071
# what: a loss built on tf.norm of the residual; a row whose residual is exactly 0 gets gradient 0/0 = NaN (and inf for residuals around 1e-19)
import tensorflow as tf


def residual_norm_loss(pred, target):
    return tf.reduce_mean(tf.norm(pred - target, ord="euclidean", axis=1))  # expect: NAN504
