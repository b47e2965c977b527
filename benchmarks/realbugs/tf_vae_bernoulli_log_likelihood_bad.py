# source: https://github.com/hwalsuklee/tensorflow-mnist-VAE/issues/4
# what: the Bernoulli decoder's likelihood takes tf.log of the sigmoid output and of 1 minus it; a saturated pixel gives log(0) and the loss jumps from about 100 to NaN
import tensorflow as tf


def reconstruction_loss(x, decoder_logits):
    y = tf.sigmoid(decoder_logits)
    log_px = tf.reduce_sum(x * tf.log(y) + (1 - x) * tf.log(1 - y), 1)  # expect: NAN103
    return -tf.reduce_mean(log_px)
