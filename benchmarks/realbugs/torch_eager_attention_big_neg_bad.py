# source: https://github.com/huggingface/lerobot/pull/710
# what: masked attention weights use torch.where with a -2.38e38 constant; under autocast the weights are half precision and the constant overflows
import torch
import torch.nn.functional as F


def eager_attention(query, key, value, attention_mask, scale):
    att_weights = torch.matmul(query, key.transpose(2, 3)) * scale
    big_neg = -2.3819763e38
    masked = torch.where(attention_mask[:, None, :, :], att_weights, big_neg)  # expect: NAN302
    probs = F.softmax(masked, dim=-1)
    return torch.matmul(probs, value)
