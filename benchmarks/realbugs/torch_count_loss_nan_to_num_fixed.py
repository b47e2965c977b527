# source: https://github.com/pytorch/pytorch/issues/94700
# what: fixed: the log argument is kept positive so no NaN is made, instead of filtering it afterwards (which the maintainers explain cannot clean the gradient)
import torch


def generalized_kl(pred, gt, eps=1e-6):
    loss = pred * torch.log(pred.clamp_min(eps) / gt) + gt - pred
    return loss.mean()
