# source: https://github.com/pytorch/pytorch/issues/11551
# what: rows to skip get -inf logits and the ignore_index target; the loss leaves them out but backward goes through the all -inf rows and the gradients become NaN
import torch
import torch.nn as nn

criterion = nn.CrossEntropyLoss(ignore_index=-1)


def step_loss(logits, targets, skip):
    logits = logits.masked_fill(skip.unsqueeze(-1), float("-inf"))  # expect: NAN305
    targets = targets.masked_fill(skip, -1)
    return criterion(logits, targets)
