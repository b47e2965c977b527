# source: https://github.com/keras-team/keras/pull/11643
# what: fixed: K.epsilon() is added to the mean of the mask
from tensorflow.keras import backend as K


def masked_weighted(fn):
    def weighted(y_true, y_pred, mask=None):
        score_array = fn(y_true, y_pred)
        if mask is not None:
            mask = K.cast(mask, K.floatx())
            score_array *= mask
            score_array /= K.mean(mask) + K.epsilon()
        return K.mean(score_array)
    return weighted
