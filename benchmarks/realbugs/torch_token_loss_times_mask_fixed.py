# source: https://github.com/NVIDIA-NeMo/Megatron-Bridge/pull/3117
# what: fixed: masked positions are selected out with torch.where before the sum instead of multiplied by 0
import torch


def masked_token_loss(losses, loss_mask):
    loss_mask = loss_mask.view(-1)
    kept = torch.where(loss_mask.bool(), losses.view(-1), torch.zeros_like(losses.view(-1)))
    return kept.sum(), loss_mask.float().sum()
