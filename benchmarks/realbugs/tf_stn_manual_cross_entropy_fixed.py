# source: https://github.com/tensorflow/models/pull/181
# what: fixed: the built-in softmax_cross_entropy_with_logits on the unnormalised logits
import tensorflow as tf


def classifier_loss(h_fc1, W_fc2, b_fc2, y):
    y_logits = tf.matmul(h_fc1, W_fc2) + b_fc2
    cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=y_logits, labels=y))
    return y_logits, cross_entropy
