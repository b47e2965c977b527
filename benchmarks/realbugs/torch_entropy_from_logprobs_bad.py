# source: https://github.com/huggingface/trl/pull/7263
# what: entropy written as exp(logp) * logp; a token with zero probability has logp = -inf and 0 * -inf = NaN
import torch
import torch.nn.functional as F


def token_entropy(logits):
    logps = F.log_softmax(logits, dim=-1)
    return -(torch.exp(logps) * logps).sum(dim=-1)  # expect: NAN107
