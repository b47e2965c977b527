# source: https://github.com/pytorch/pytorch/issues/94700
# what: pred * log(pred / gt) is 0 * -inf = NaN where the prediction reaches 0; nan_to_num hides it in the forward pass but the gradient stays NaN
import torch


def generalized_kl(pred, gt):
    loss = pred * torch.log(pred / gt) + gt - pred  # expect: NAN107
    return loss.nan_to_num(0).mean()  # expect: NAN106
