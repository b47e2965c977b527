# source: https://github.com/facebookresearch/pytorch_GAN_zoo/issues/89
# what: fixed: the safeguard proposed in the issue, equal minimum and maximum return the values unchanged
import torch


def normalize_min_max(eig_vals):
    lo, hi = torch.min(eig_vals), torch.max(eig_vals)
    if lo == hi:
        return eig_vals
    return (eig_vals - lo) / (hi - lo)


def gdpp_loss(fake_eig, real_eig):
    return torch.sum((normalize_min_max(fake_eig) - normalize_min_max(real_eig)) ** 2)
