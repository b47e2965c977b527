# source: https://github.com/Zhen-Dong/Magic-Me/issues/14
# what: fixed: the fix proposed in the issue, a small constant added to the mask's sum
import torch.nn.functional as F


def masked_denoise_loss(noise_pred, noise, masks):
    loss = F.mse_loss(noise_pred, noise, reduction="none") * masks
    loss = loss.sum([1, 2, 3, 4]) / (masks.sum([1, 2, 3, 4]) + 1e-6)
    return loss.mean()
