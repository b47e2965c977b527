# source: https://github.com/jax-ml/jax/issues/5798
# what: fixed: the double-where trick from the answer, sqrt only ever sees a safe value
import jax.numpy as jnp


def soft_root(x):
    small = x < 1.0
    safe = jnp.where(small, 1.0, x)
    return jnp.where(small, x, jnp.sqrt(safe))
