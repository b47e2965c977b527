# source: https://github.com/facebookresearch/pytorch_GAN_zoo/issues/89
# what: eigenvalues rescaled to [0, 1] by (v - min) / (max - min); when all are equal it is 0/0 = NaN and the GDPP loss poisons the model
import torch


def normalize_min_max(eig_vals):
    lo, hi = torch.min(eig_vals), torch.max(eig_vals)
    return (eig_vals - lo) / (hi - lo)  # expect: NAN204


def gdpp_loss(fake_eig, real_eig):
    return torch.sum((normalize_min_max(fake_eig) - normalize_min_max(real_eig)) ** 2)
