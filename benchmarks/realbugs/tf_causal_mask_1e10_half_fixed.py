# source: https://github.com/openai/gpt-2/pull/122
# what: fixed: the pull request's change, 1e4, which float16 can hold
import tensorflow as tf


def mask_attn_weights(w, nd, ns):
    i = tf.range(nd)[:, None]
    j = tf.range(ns)
    b = tf.cast(i >= j - ns + nd, w.dtype)
    b = tf.reshape(b, [1, 1, nd, ns])
    return w * b - tf.cast(1e4, w.dtype) * (1 - b)
