# source: https://github.com/amdegroot/ssd.pytorch/issues/483
# what: hand-written log-sum-exp shifted by the maximum of the whole batch; rows far below that maximum underflow to exp() = 0 and log(0) = -inf makes the confidence loss wrong
import torch


def log_sum_exp(x):
    x_max = x.data.max()
    return torch.log(torch.sum(torch.exp(x - x_max), 1, keepdim=True)) + x_max  # expect: NAN105


def conf_loss(batch_conf, conf_t):
    return log_sum_exp(batch_conf) - batch_conf.gather(1, conf_t.view(-1, 1))
