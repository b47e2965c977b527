# source: https://github.com/Lightning-AI/torchmetrics/issues/1029
# what: fixed: xlogy treats 0 * log(0) as 0, the usual convention for KL divergence
import torch


def kl_divergence(p, q):
    # p, q: (N, C) probability rows; p may be one-hot
    return torch.sum(torch.xlogy(p, p / q), dim=-1).mean()
