# source: https://github.com/jax-ml/jax/issues/9873
# what: celu computes expm1(x / alpha) for every x and lets jnp.where keep it only for x <= 0; for large positive x expm1 overflows and the gradient of the discarded branch is NaN
import flax.linen as nn
import jax.numpy as jnp


def celu(x, alpha=1.0):
    return jnp.where(x > 0, x, alpha * jnp.expm1(x / alpha))  # expect: NAN502


class MLP(nn.Module):
    features: tuple

    @nn.compact
    def __call__(self, x):
        for f in self.features:
            x = celu(nn.Dense(f)(x), alpha=2.0)
        return jnp.squeeze(nn.Dense(1)(x))
