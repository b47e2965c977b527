# source: https://github.com/aymericdamien/TensorFlow-Examples/issues/383
# what: the logistic-regression cost takes tf.log of the softmax prediction; a prediction of exactly 0 gives -inf and the training loss becomes NaN
import tensorflow as tf


def build_cost(x, y, W, b):
    pred = tf.nn.softmax(tf.matmul(x, W) + b)
    cost = tf.reduce_mean(-tf.reduce_sum(y * tf.log(pred), reduction_indices=1))  # expect: NAN102
    return pred, cost
