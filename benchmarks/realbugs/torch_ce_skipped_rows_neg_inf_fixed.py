# source: https://github.com/pytorch/pytorch/issues/11551
# what: fixed: the reporter's change, skipped rows get logits 0 instead of -inf; ignore_index alone leaves them out of the loss
import torch
import torch.nn as nn

criterion = nn.CrossEntropyLoss(ignore_index=-1)


def step_loss(logits, targets, skip):
    logits = logits.masked_fill(skip.unsqueeze(-1), 0.0)
    targets = targets.masked_fill(skip, -1)
    return criterion(logits, targets)
