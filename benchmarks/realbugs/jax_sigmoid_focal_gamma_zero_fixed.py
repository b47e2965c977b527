# source: https://github.com/google-deepmind/optax/issues/1267
# what: fixed: the safe power from the thread, the base is replaced by 1 when gamma is 0 so no 0 ** 0 is differentiated
import jax
import jax.numpy as jnp
import optax


def safe_pow(x, y):
    return jnp.where(y == 0, 1.0, x) ** y


def sigmoid_focal_loss(logits, labels, alpha=None, gamma=2.0):
    labels = labels.astype(logits.dtype)
    p = jax.nn.sigmoid(logits)
    ce = optax.sigmoid_binary_cross_entropy(logits, labels)
    p_t = p * labels + (1 - p) * (1 - labels)
    loss = ce * safe_pow(1 - p_t, gamma)
    if alpha is not None:
        loss = (alpha * labels + (1 - alpha) * (1 - labels)) * loss
    return loss
