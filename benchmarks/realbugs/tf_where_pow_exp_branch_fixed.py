# source: https://github.com/tensorflow/tensorflow/issues/38349
# what: fixed: the pattern documented by pull request 38467, an inner tf.where feeds a safe value to the dangerous branch
import tensorflow as tf


def guarded_growth(a):
    small = a < 15.0
    safe_a = tf.where(small, tf.zeros_like(a), a)
    return tf.where(small, a, tf.math.pow(10.0, tf.math.exp(safe_a)))
