# source: https://github.com/hwalsuklee/tensorflow-mnist-VAE/issues/4
# what: fixed: the answer's suggestion, sigmoid_cross_entropy_with_logits on the decoder logits
import tensorflow as tf


def reconstruction_loss(x, decoder_logits):
    log_px = -tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=decoder_logits), 1)
    return -tf.reduce_mean(log_px)
