# source: https://github.com/jolibrain/wheatley/pull/93
# what: fixed: normalisation is skipped when the minibatch has a single sample
import torch


def ppo_policy_loss(ratio, mb_adv, clip=0.2, normalize=True):
    if normalize and len(mb_adv) > 1:
        mb_adv = (mb_adv - mb_adv.mean()) / (mb_adv.std() + 1e-8)
    unclipped = ratio * mb_adv
    clipped = torch.clamp(ratio, 1 - clip, 1 + clip) * mb_adv
    return -torch.min(unclipped, clipped).mean()
