# source: https://github.com/pytorch/pytorch/issues/2421
# what: fixed: the workaround from the thread, a tiny constant under the root so the derivative at a zero step is finite (PyTorch later returned a zero subgradient)
import torch


def line_search_objective(params, anchor, loss_fn, lam=0.1):
    step = params - anchor
    return loss_fn(params) + lam * torch.sqrt(step.pow(2).sum() + 1e-16)
