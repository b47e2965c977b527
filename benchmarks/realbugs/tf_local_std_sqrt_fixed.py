# source: https://github.com/dingkeyan93/DISTS/issues/1
# what: fixed: the variance is floored at 1e-5 before the square root, the reporter's fix that was adopted
import tensorflow as tf


def local_std(x, window):
    mu = tf.nn.depthwise_conv2d(x, window, strides=[1, 1, 1, 1], padding="VALID")
    second = tf.nn.depthwise_conv2d(tf.square(x), window, strides=[1, 1, 1, 1], padding="VALID")
    var = second - tf.square(mu)
    return tf.sqrt(tf.maximum(var, 1e-5))
