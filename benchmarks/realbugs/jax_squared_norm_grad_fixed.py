# source: https://github.com/jax-ml/jax/issues/21723
# what: fixed: the reporter's change, the squared norm as a plain sum of squares, whose gradient 2x is defined everywhere
import jax
import jax.numpy as jnp


def value_penalty(x):
    return jnp.sum(x ** 2)


penalty_grad = jax.grad(value_penalty)
