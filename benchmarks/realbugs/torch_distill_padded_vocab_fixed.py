# source: https://github.com/OpenBMB/ModelCenter/issues/14
# what: fixed: the padded vocabulary entry was removed, so the logits cover only real tokens and hold no -inf
import torch.nn.functional as F


def lm_logits(hidden, embed_weight, vocab_size):
    return hidden @ embed_weight[:vocab_size].t()


def distill_loss(logits_t, logits_s):
    prob_t = F.softmax(logits_t, dim=-1)
    log_prob_s = F.log_softmax(logits_s, dim=-1)
    return -(prob_t * log_prob_s).sum(dim=-1).mean()
