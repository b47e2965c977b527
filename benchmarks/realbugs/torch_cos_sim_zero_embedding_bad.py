# source: https://github.com/huggingface/sentence-transformers/issues/625
# what: cosine similarity divides each embedding by its norm; an all-zero embedding (a sentence of unknown words) gives 0/0 = NaN similarities
import torch


def cos_sim(a, b):
    a_norm = a / a.norm(dim=1)[:, None]  # expect: NAN202
    b_norm = b / b.norm(dim=1)[:, None]  # expect: NAN202
    return torch.mm(a_norm, b_norm.transpose(0, 1))
