# source: https://github.com/kyutai-labs/pocket-tts/pull/262
# what: the norm returned by clip_grad_norm_ is never checked; one step with a NaN/inf gradient writes NaN into every weight and the run keeps training and checkpointing garbage
import torch


def train_step(model, batch, optimizer, max_norm=1.0):
    optimizer.zero_grad()
    loss = model(batch)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()  # expect: NAN605
    return loss.item(), grad_norm.item()
