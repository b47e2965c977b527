# source: https://github.com/huggingface/lerobot/pull/710
# what: fixed: a constant of -10000 is used when the weights are in half precision
import torch
import torch.nn.functional as F


def eager_attention(query, key, value, attention_mask, scale):
    att_weights = torch.matmul(query, key.transpose(2, 3)) * scale
    if att_weights.dtype in (torch.float16, torch.bfloat16):
        big_neg = -10000.0
    else:
        big_neg = -2.3819763e38
    masked = torch.where(attention_mask[:, None, :, :], att_weights, big_neg)
    probs = F.softmax(masked, dim=-1)
    return torch.matmul(probs, value)
