# source: https://github.com/allenai/allennlp/issues/890
# what: fixed: a tiny value is added to the mask before the log, so masked entries become very negative but finite and a fully masked row stays finite
import torch
import torch.nn.functional as F


def masked_log_softmax(vector, mask, dim=-1):
    if mask is not None:
        mask = mask.float()
        vector = vector + (mask + 1e-45).log()
    return F.log_softmax(vector, dim=dim)
