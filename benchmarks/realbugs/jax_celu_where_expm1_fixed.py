# source: https://github.com/jax-ml/jax/issues/9873
# what: fixed: as elu already did, a safe input (0 where x > 0) goes into expm1, so the discarded branch cannot overflow
import flax.linen as nn
import jax.numpy as jnp


def celu(x, alpha=1.0):
    safe_x = jnp.where(x > 0, 0.0, x)
    return jnp.where(x > 0, x, alpha * jnp.expm1(safe_x / alpha))


class MLP(nn.Module):
    features: tuple

    @nn.compact
    def __call__(self, x):
        for f in self.features:
            x = celu(nn.Dense(f)(x), alpha=2.0)
        return jnp.squeeze(nn.Dense(1)(x))
