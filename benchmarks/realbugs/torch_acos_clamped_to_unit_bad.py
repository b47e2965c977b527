# source: https://github.com/pytorch/pytorch/issues/8069
# what: the cosine is clamped to [-1, 1] before acos, but acos' derivative is infinite at exactly +-1 and training hits NaN gradients
import torch
import torch.nn.functional as F


def angular_error(pred, target):
    cos = F.cosine_similarity(pred, target, dim=-1)
    return torch.acos(torch.clamp(cos, min=-1, max=1)).mean()  # expect: NAN503
