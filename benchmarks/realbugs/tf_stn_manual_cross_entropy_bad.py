# source: https://github.com/tensorflow/models/pull/181
# what: the cluttered-MNIST example computed cross entropy by hand as -sum(y * log(softmax)); when the true class probability reaches 0 the loss turns NaN after some epochs
import tensorflow as tf


def classifier_loss(h_fc1, W_fc2, b_fc2, y):
    y_logits = tf.matmul(h_fc1, W_fc2) + b_fc2
    y_prob = tf.nn.softmax(y_logits)
    cross_entropy = -tf.reduce_sum(y * tf.log(y_prob))  # expect: NAN102
    return y_logits, cross_entropy
