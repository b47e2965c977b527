# source: https://github.com/jax-ml/jax/issues/347
# what: row norms are taken with sqrt before jnp.where replaces the small ones; a zero row still differentiates sqrt(0) and the gradient is NaN
import jax.numpy as jnp


def clipped_norm_total(x):
    norms = jnp.sqrt(jnp.sum(x ** 2, axis=1))  # expect: NAN501
    norms = jnp.where(norms > 0.5, norms, jnp.ones_like(norms))
    return jnp.sum(norms)
