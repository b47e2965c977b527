# source: https://github.com/Zhen-Dong/Magic-Me/issues/14
# what: per-sample masked diffusion loss divided by the mask's sum; a sample whose mask is empty gives 0/0 = NaN
import torch.nn.functional as F


def masked_denoise_loss(noise_pred, noise, masks):
    loss = F.mse_loss(noise_pred, noise, reduction="none") * masks
    loss = loss.sum([1, 2, 3, 4]) / masks.sum([1, 2, 3, 4])  # expect: NAN201
    return loss.mean()
