# source: https://github.com/pyg-team/pytorch_geometric/pull/2106
# what: EPS = 1e-15 guards log(p) and log(1 - p) of edge probabilities; in half precision 1e-15 rounds to 0, the guard vanishes and the loss is inf/NaN
import torch

EPS = 1e-15


def recon_loss(decoder, z, pos_edge_index, neg_edge_index):
    pos = decoder(z, pos_edge_index, sigmoid=True)
    neg = decoder(z, neg_edge_index, sigmoid=True)
    pos_loss = -torch.log(pos + EPS).mean()  # expect: NAN301
    neg_loss = -torch.log(1 - neg + EPS).mean()  # expect: NAN301
    return pos_loss + neg_loss
