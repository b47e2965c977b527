# source: https://github.com/Tencent-Hunyuan/UniRL/pull/341
# what: fixed: population std (unbiased=False), and a singleton group gets advantage 0
import torch


def group_advantages(rewards, group_size, eps=1e-6):
    grouped = rewards.view(-1, group_size)
    mean = grouped.mean(dim=1, keepdim=True)
    std = grouped.std(dim=1, keepdim=True, unbiased=False)
    adv = (grouped - mean) / (std + eps)
    if group_size == 1:
        adv = torch.zeros_like(adv)
    return adv.view(-1)
