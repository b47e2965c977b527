# source: https://github.com/pyg-team/pytorch_geometric/pull/2106
# what: fixed: the epsilon follows the precision of the embeddings instead of being a float32-only constant
import torch


def recon_loss(decoder, z, pos_edge_index, neg_edge_index):
    eps = torch.finfo(z.dtype).eps
    pos = decoder(z, pos_edge_index, sigmoid=True)
    neg = decoder(z, neg_edge_index, sigmoid=True)
    pos_loss = -torch.log(pos + eps).mean()
    neg_loss = -torch.log(1 - neg + eps).mean()
    return pos_loss + neg_loss
