# source: https://github.com/NVIDIA-NeMo/Megatron-Bridge/pull/3117
# what: padded positions are excluded by multiplying the per-token loss with a 0/1 mask; a NaN or inf the model produces at a padded position times 0 is still NaN and poisons the sum
import torch


def masked_token_loss(losses, loss_mask):
    loss_mask = loss_mask.view(-1).float()
    total = torch.sum(losses.view(-1) * loss_mask)  # expect: NAN108
    return total, loss_mask.sum()
