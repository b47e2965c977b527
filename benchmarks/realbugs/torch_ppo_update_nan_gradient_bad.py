# source: https://github.com/facebookresearch/habitat-lab/pull/2229
# what: clip_grad_norm_ cannot rescale a NaN gradient (the norm is NaN too), and optimizer.step() then writes NaN into every parameter of the policy
import torch.nn as nn


class PPOUpdater:
    def __init__(self, policy, optimizer, max_grad_norm=0.5):
        self.policy = policy
        self.optimizer = optimizer
        self.max_grad_norm = max_grad_norm

    def update(self, loss):
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.policy.parameters(), self.max_grad_norm)
        self.optimizer.step()  # expect: NAN605
