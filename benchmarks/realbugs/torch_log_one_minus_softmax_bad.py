# source: https://github.com/thuml/MDD/issues/4
# what: the adversarial target loss takes log(1 - softmax); when the auxiliary classifier becomes certain, 1 - softmax is 0, the log is -inf and the total loss turns NaN
import torch
import torch.nn.functional as F


def adversarial_target_loss(adv_scores, pseudo_labels, n_source):
    target_scores = adv_scores.narrow(0, n_source, adv_scores.size(0) - n_source)
    log_not_class = torch.log(1 - F.softmax(target_scores, dim=1))  # expect: NAN101
    return F.nll_loss(log_not_class, pseudo_labels)
