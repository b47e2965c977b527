# source: https://github.com/unslothai/unsloth-zoo/pull/1286
# what: token-level policy loss divided by the number of unmasked tokens in the batch; when every completion is masked out the count is 0 and 0/0 = NaN
import torch


def dapo_loss(per_token_loss, completion_mask, num_items_in_batch, num_processes=1):
    normalizer = num_items_in_batch / num_processes
    return (per_token_loss * completion_mask).sum() / normalizer  # expect: NAN201
