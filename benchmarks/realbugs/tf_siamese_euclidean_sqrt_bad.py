# source: https://github.com/keras-team/keras/issues/9097
# what: the siamese distance is sqrt of a sum of squares; two identical inputs give sqrt(0), whose derivative is infinite, and the loss becomes NaN
from tensorflow.keras import backend as K


def euclidean_distance(vects):
    x, y = vects
    return K.sqrt(K.sum(K.square(x - y), axis=1, keepdims=True))  # expect: NAN501
