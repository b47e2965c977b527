# source: https://github.com/milesial/Pytorch-UNet/issues/468
# what: with a GradScaler the gradients are clipped while still multiplied by the loss scale, so the threshold applies to scaled values and clipping does not do what it says
import torch


def train_step(model, images, masks, criterion, optimizer, grad_scaler, clip=1.0, amp=True):
    with torch.autocast(device_type="cuda", enabled=amp):
        loss = criterion(model(images), masks)
    optimizer.zero_grad(set_to_none=True)
    grad_scaler.scale(loss).backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)  # expect: NAN602
    grad_scaler.step(optimizer)
    grad_scaler.update()
    return loss.item()
