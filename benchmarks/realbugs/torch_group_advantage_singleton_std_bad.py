# source: https://github.com/Tencent-Hunyuan/UniRL/pull/341
# what: group-normalised advantages divide by the unbiased std of each group; a group holding a single sample has std NaN and its advantages are NaN
import torch


def group_advantages(rewards, group_size, eps=1e-6):
    grouped = rewards.view(-1, group_size)
    mean = grouped.mean(dim=1, keepdim=True)
    std = grouped.std(dim=1, keepdim=True)  # expect: NAN205
    return ((grouped - mean) / (std + eps)).view(-1)
