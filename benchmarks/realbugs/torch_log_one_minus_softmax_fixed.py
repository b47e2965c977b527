# source: https://github.com/thuml/MDD/issues/4
# what: fixed: the reporter's change, 1 - softmax is clamped away from 0 before the log
import torch
import torch.nn.functional as F


def adversarial_target_loss(adv_scores, pseudo_labels, n_source):
    target_scores = adv_scores.narrow(0, n_source, adv_scores.size(0) - n_source)
    log_not_class = torch.log(torch.clamp(1 - F.softmax(target_scores, dim=1), min=1e-15))
    return F.nll_loss(log_not_class, pseudo_labels)
