# source: https://github.com/keras-team/keras/pull/11643
# what: a masked loss is rescaled by dividing by the mean of the mask; when every position of the mask is 0 the division is 0/0 and the loss is NaN
from tensorflow.keras import backend as K


def masked_weighted(fn):
    def weighted(y_true, y_pred, mask=None):
        score_array = fn(y_true, y_pred)
        if mask is not None:
            mask = K.cast(mask, K.floatx())
            score_array *= mask
            score_array /= K.mean(mask)  # expect: NAN201
        return K.mean(score_array)
    return weighted
