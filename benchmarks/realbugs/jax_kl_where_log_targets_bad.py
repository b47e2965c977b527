# source: https://github.com/google-deepmind/optax/pull/1786
# what: KL divergence guards log(targets) with jnp.where(targets == 0, 0, log(targets)), but the log is still differentiated at the zero targets and their gradient is NaN
import jax.numpy as jnp


def kl_divergence(log_predictions, targets):
    log_t = jnp.where(targets == 0, 0.0, jnp.log(targets))  # expect: NAN502
    return jnp.sum(targets * (log_t - log_predictions), axis=-1)
