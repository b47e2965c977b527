# source: https://github.com/clvrai/ACGAN-PyTorch/pull/4
# what: the auxiliary classifier ends in Softmax but is trained with NLLLoss, which expects log-probabilities; the loss is computed on probabilities and is wrong (bounded in [-1, 0])
import torch.nn as nn


class AuxHead(nn.Module):
    def __init__(self, features, num_classes):
        super().__init__()
        self.fc = nn.Linear(features, num_classes)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, h):
        return self.softmax(self.fc(h))


aux_criterion = nn.NLLLoss()


def aux_loss(head, h, labels):
    return aux_criterion(head(h), labels)  # expect: NAN404
