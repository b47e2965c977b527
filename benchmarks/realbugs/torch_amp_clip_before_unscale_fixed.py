# source: https://github.com/milesial/Pytorch-UNet/issues/468
# what: fixed (pull request 470): the gradients are unscaled before clipping
import torch


def train_step(model, images, masks, criterion, optimizer, grad_scaler, clip=1.0, amp=True):
    with torch.autocast(device_type="cuda", enabled=amp):
        loss = criterion(model(images), masks)
    optimizer.zero_grad(set_to_none=True)
    grad_scaler.scale(loss).backward()
    grad_scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    grad_scaler.step(optimizer)
    grad_scaler.update()
    return loss.item()
