# source: https://github.com/google-deepmind/optax/issues/896
# what: invalid classes get -inf logits; the cross entropy computes labels * log_softmax, and a zero label on a -inf log-probability is 0 * -inf = NaN
import jax
import jax.numpy as jnp


def masked_cross_entropy(logits, labels, valid):
    logits = jnp.where(valid, logits, -jnp.inf)  # expect: NAN305
    return -jnp.sum(labels * jax.nn.log_softmax(logits, axis=-1), axis=-1)
