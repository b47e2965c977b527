# source: https://github.com/tensorflow/tensorflow/issues/12071
# what: fixed: the usual workaround, the norm written as sqrt(sum of squares + eps) so the gradient at 0 is finite
import tensorflow as tf


def residual_norm_loss(pred, target, eps=1e-12):
    sq = tf.reduce_sum(tf.square(pred - target), axis=1)
    return tf.reduce_mean(tf.sqrt(sq + eps))
