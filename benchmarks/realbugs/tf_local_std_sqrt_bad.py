# source: https://github.com/dingkeyan93/DISTS/issues/1
# what: a local variance computed with convolutions goes straight into tf.sqrt; flat regions give 0 (or a tiny negative from rounding) and training a CNN with the metric as loss hits NaN
import tensorflow as tf


def local_std(x, window):
    mu = tf.nn.depthwise_conv2d(x, window, strides=[1, 1, 1, 1], padding="VALID")
    second = tf.nn.depthwise_conv2d(tf.square(x), window, strides=[1, 1, 1, 1], padding="VALID")
    var = second - tf.square(mu)
    return tf.sqrt(var)  # expect: NAN501
