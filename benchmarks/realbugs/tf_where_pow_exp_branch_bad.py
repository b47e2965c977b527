# source: https://github.com/tensorflow/tensorflow/issues/38349
# what: tf.where keeps a below 15 and 10 ** exp(a) above it; at a = 10 the unselected branch is inf and the gradient of the where is NaN
import tensorflow as tf


def guarded_growth(a):
    return tf.where(a < 15.0, a, tf.math.pow(10.0, tf.math.exp(a)))  # expect: NAN502
