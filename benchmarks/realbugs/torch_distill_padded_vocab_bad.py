# source: https://github.com/OpenBMB/ModelCenter/issues/14
# what: the model fills its padded vocabulary column with -inf; in the distillation loss the teacher's 0 probability times the student's -inf log-probability is NaN
import torch.nn.functional as F


def lm_logits(hidden, embed_weight, vocab_size):
    logits = hidden @ embed_weight.t()
    logits[..., vocab_size:] = float("-inf")  # expect: NAN305
    return logits


def distill_loss(logits_t, logits_s):
    prob_t = F.softmax(logits_t, dim=-1)
    log_prob_s = F.log_softmax(logits_s, dim=-1)
    return -(prob_t * log_prob_s).sum(dim=-1).mean()
