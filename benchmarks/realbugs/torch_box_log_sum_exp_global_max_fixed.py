# source: https://github.com/amdegroot/ssd.pytorch/issues/483
# what: fixed: the shift is the maximum of each row, so every row keeps one exp() equal to 1 and its log is finite
import torch


def log_sum_exp(x):
    x_max, _ = torch.max(x, dim=1, keepdim=True)
    return torch.log(torch.sum(torch.exp(x - x_max), 1, keepdim=True)) + x_max


def conf_loss(batch_conf, conf_t):
    return log_sum_exp(batch_conf) - batch_conf.gather(1, conf_t.view(-1, 1))
