# source: https://github.com/allenai/allennlp/issues/890
# what: masking by adding log(mask) puts -inf on every entry of a fully masked row, and log_softmax over a row of -inf is NaN
import torch
import torch.nn.functional as F


def masked_log_softmax(vector, mask, dim=-1):
    if mask is not None:
        mask = mask.float()
        vector = vector + mask.log()  # expect: NAN101,NAN303
    return F.log_softmax(vector, dim=dim)
