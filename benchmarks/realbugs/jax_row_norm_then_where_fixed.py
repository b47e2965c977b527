# source: https://github.com/jax-ml/jax/issues/347
# what: fixed: the version from the report that works, jnp.where on the squared norm first and sqrt after, so sqrt never sees 0
import jax.numpy as jnp


def clipped_norm_total(x):
    sq = jnp.sum(x ** 2, axis=1)
    sq = jnp.where(sq > 0.25, sq, jnp.ones_like(sq))
    return jnp.sum(jnp.sqrt(sq))
