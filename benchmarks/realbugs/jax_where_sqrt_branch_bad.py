# source: https://github.com/jax-ml/jax/issues/5798
# what: jnp.where(x < 1, x, sqrt(x)) selects x at 0, but the gradient of the unselected sqrt at 0 is inf and the result is NaN
import jax.numpy as jnp


def soft_root(x):
    return jnp.where(x < 1.0, x, jnp.sqrt(x))  # expect: NAN502
