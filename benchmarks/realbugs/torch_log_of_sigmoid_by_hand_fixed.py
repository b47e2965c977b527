# source: https://github.com/slryou41/AnchorLoss/issues/2
# what: fixed: F.logsigmoid(x) and F.logsigmoid(-x), the stable forms the authors recommend
import torch.nn.functional as F


def anchor_bce_terms(logits, target):
    log_pos = F.logsigmoid(logits)
    log_neg = F.logsigmoid(-logits)
    return -(target * log_pos + (1 - target) * log_neg)
