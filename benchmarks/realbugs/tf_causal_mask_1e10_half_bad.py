# source: https://github.com/openai/gpt-2/pull/122
# what: the causal mask subtracts 1e10 cast to the attention dtype; in float16 1e10 becomes inf, inf * 0 on kept positions is NaN and training overflows
import tensorflow as tf


def mask_attn_weights(w, nd, ns):
    i = tf.range(nd)[:, None]
    j = tf.range(ns)
    b = tf.cast(i >= j - ns + nd, w.dtype)
    b = tf.reshape(b, [1, 1, nd, ns])
    return w * b - tf.cast(1e10, w.dtype) * (1 - b)  # expect: NAN302
