# source: https://github.com/aymericdamien/TensorFlow-Examples/issues/383
# what: fixed: the change proposed in the issue, the prediction is clipped to [1e-10, 1] before the log
import tensorflow as tf


def build_cost(x, y, W, b):
    pred = tf.nn.softmax(tf.matmul(x, W) + b)
    cost = tf.reduce_mean(-tf.reduce_sum(y * tf.log(tf.clip_by_value(pred, 1e-10, 1.0)), reduction_indices=1))
    return pred, cost
