# source: https://github.com/jax-ml/jax/issues/21723
# what: a squared norm written as norm(x) ** 2 differentiates the norm itself, whose gradient at 0 is 0/0 = NaN
import jax
import jax.numpy as jnp


def value_penalty(x):
    return jnp.linalg.norm(x) ** 2  # expect: NAN504


penalty_grad = jax.grad(value_penalty)
