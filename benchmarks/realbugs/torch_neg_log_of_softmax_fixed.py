# source: https://github.com/allenai/allennlp/issues/2797
# what: fixed: the log-probabilities come from log_softmax, which never takes the log of an underflowed 0
import torch
import torch.nn.functional as F


def label_loss(label_logits, labels):
    neg_log_probs = -F.log_softmax(label_logits, dim=-1)
    return torch.sum(neg_log_probs * labels.float())
