# source: https://github.com/Abhash-Chakraborty/Find/issues/293
# what: the combined embedding is divided by its norm; an all-zero vector gives 0/0 = NaN embeddings that reach the index
import numpy as np


def combine_embeddings(image_vector, text_vector, weight=0.5):
    vector = weight * image_vector + (1 - weight) * text_vector
    return vector / np.linalg.norm(vector)  # expect: NAN202
