# source: https://github.com/huggingface/trl/pull/7263
# what: fixed: -inf log-probabilities are replaced by 0 before the product, so zero-probability tokens contribute 0 as in Categorical.entropy()
import torch
import torch.nn.functional as F


def token_entropy(logits):
    logps = F.log_softmax(logits, dim=-1)
    probs = torch.exp(logps)
    logps = logps.masked_fill(torch.isinf(logps), 0.0)
    return -(probs * logps).sum(dim=-1)
