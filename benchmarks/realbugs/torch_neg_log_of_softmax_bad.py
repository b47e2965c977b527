# source: https://github.com/allenai/allennlp/issues/2797
# what: cross entropy written as -log(softmax(logits)); with logits around -150 to -250 the softmax underflows to exactly 0 and the loss is inf/NaN
import torch
import torch.nn.functional as F


def label_loss(label_logits, labels):
    label_probs = F.softmax(label_logits, dim=-1)
    neg_log_probs = -torch.log(label_probs)  # expect: NAN102
    return torch.sum(neg_log_probs * labels.float())
