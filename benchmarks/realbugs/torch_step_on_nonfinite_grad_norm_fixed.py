# source: https://github.com/kyutai-labs/pocket-tts/pull/262
# what: fixed: the clipped norm is checked and training stops before optimizer.step() when it is inf/NaN
import torch


def train_step(model, batch, optimizer, step, max_norm=1.0):
    optimizer.zero_grad()
    loss = model(batch)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if not torch.isfinite(grad_norm):
        raise SystemExit(f"non-finite gradient norm at step {step}; the last checkpoint predates it")
    optimizer.step()
    return loss.item(), grad_norm.item()
