# source: https://github.com/pytorch/pytorch/issues/2421
# what: a penalty on the 2-norm of a step that is exactly zero (the starting point of a line search) has gradient 0/0 = NaN, which spreads to every update
import torch


def line_search_objective(params, anchor, loss_fn, lam=0.1):
    step = params - anchor
    return loss_fn(params) + lam * step.norm()  # expect: NAN504
