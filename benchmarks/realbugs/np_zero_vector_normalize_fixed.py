# source: https://github.com/Abhash-Chakraborty/Find/issues/293
# what: fixed: a zero-norm vector is handled explicitly instead of being divided by its norm
import numpy as np


def combine_embeddings(image_vector, text_vector, weight=0.5):
    vector = weight * image_vector + (1 - weight) * text_vector
    norm = np.linalg.norm(vector)
    if norm == 0:
        return vector
    return vector / norm
