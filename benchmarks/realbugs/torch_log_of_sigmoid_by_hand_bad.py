# source: https://github.com/slryou41/AnchorLoss/issues/2
# what: the binary terms take log(sigmoid(x)) and log(1 - sigmoid(x)) directly; a saturated sigmoid gives log(0) and the authors saw NaN until they used the library functions
import torch


def anchor_bce_terms(logits, target):
    prob = torch.sigmoid(logits)
    log_pos = torch.log(prob)  # expect: NAN103
    log_neg = torch.log(1 - prob)  # expect: NAN103
    return -(target * log_pos + (1 - target) * log_neg)
