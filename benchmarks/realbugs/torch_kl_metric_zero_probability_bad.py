# source: https://github.com/Lightning-AI/torchmetrics/issues/1029
# what: KL divergence sum(p * log(p / q)) with one-hot p; every zero entry gives 0 * log(0) = 0 * -inf = NaN
import torch


def kl_divergence(p, q):
    # p, q: (N, C) probability rows; p may be one-hot
    return torch.sum(p * torch.log(p / q), dim=-1).mean()  # expect: NAN107
