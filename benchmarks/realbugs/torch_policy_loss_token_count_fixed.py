# source: https://github.com/unslothai/unsloth-zoo/pull/1286
# what: fixed: the token count is floored at 1, for a tensor or a plain number, before it divides
import torch


def dapo_loss(per_token_loss, completion_mask, num_items_in_batch, num_processes=1):
    if torch.is_tensor(num_items_in_batch):
        count = num_items_in_batch.clamp(min=1)
    else:
        count = max(num_items_in_batch, 1)
    normalizer = count / num_processes
    return (per_token_loss * completion_mask).sum() / normalizer
