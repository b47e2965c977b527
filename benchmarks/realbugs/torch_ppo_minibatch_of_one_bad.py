# source: https://github.com/jolibrain/wheatley/pull/93
# what: advantages are normalised per minibatch; when the last minibatch holds one sample mb_adv.std() is NaN and a NaN loss is backpropagated
import torch


def ppo_policy_loss(ratio, mb_adv, clip=0.2, normalize=True):
    if normalize:
        mb_adv = (mb_adv - mb_adv.mean()) / (mb_adv.std() + 1e-8)  # expect: NAN205
    unclipped = ratio * mb_adv
    clipped = torch.clamp(ratio, 1 - clip, 1 + clip) * mb_adv
    return -torch.min(unclipped, clipped).mean()
