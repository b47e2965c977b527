# source: https://github.com/google-deepmind/optax/issues/1267
# what: the focal factor (1 - p_t) ** gamma with gamma = 0.0 (a float) and a saturated p_t = 1 differentiates 0 ** 0, whose gradient is 0 * inf = NaN
import jax
import optax


def sigmoid_focal_loss(logits, labels, alpha=None, gamma=2.0):
    labels = labels.astype(logits.dtype)
    p = jax.nn.sigmoid(logits)
    ce = optax.sigmoid_binary_cross_entropy(logits, labels)
    p_t = p * labels + (1 - p) * (1 - labels)
    loss = ce * (1 - p_t) ** gamma  # expect: NAN505
    if alpha is not None:
        loss = (alpha * labels + (1 - alpha) * (1 - labels)) * loss
    return loss
