# source: https://github.com/keras-team/keras/issues/9097
# what: fixed: the squared distance is floored at K.epsilon() before the square root, as the Keras siamese example does
from tensorflow.keras import backend as K


def euclidean_distance(vects):
    x, y = vects
    sum_square = K.sum(K.square(x - y), axis=1, keepdims=True)
    return K.sqrt(K.maximum(sum_square, K.epsilon()))
