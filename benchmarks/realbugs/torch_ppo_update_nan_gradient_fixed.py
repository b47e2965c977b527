# source: https://github.com/facebookresearch/habitat-lab/pull/2229
# what: fixed (as proposed in the pull request): non-finite gradient entries are zeroed before clipping, so a bad minibatch becomes a no-op update
import torch
import torch.nn as nn


class PPOUpdater:
    def __init__(self, policy, optimizer, max_grad_norm=0.5):
        self.policy = policy
        self.optimizer = optimizer
        self.max_grad_norm = max_grad_norm

    def update(self, loss):
        self.optimizer.zero_grad()
        loss.backward()
        for p in self.policy.parameters():
            if p.grad is not None and not torch.isfinite(p.grad).all():
                p.grad.nan_to_num_(nan=0.0, posinf=0.0, neginf=0.0)
        nn.utils.clip_grad_norm_(self.policy.parameters(), self.max_grad_norm)
        self.optimizer.step()
