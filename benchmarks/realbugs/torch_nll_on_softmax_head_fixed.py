# source: https://github.com/clvrai/ACGAN-PyTorch/pull/4
# what: fixed: the head ends in LogSoftmax, which is what NLLLoss expects
import torch.nn as nn


class AuxHead(nn.Module):
    def __init__(self, features, num_classes):
        super().__init__()
        self.fc = nn.Linear(features, num_classes)
        self.log_softmax = nn.LogSoftmax(dim=1)

    def forward(self, h):
        return self.log_softmax(self.fc(h))


aux_criterion = nn.NLLLoss()


def aux_loss(head, h, labels):
    return aux_criterion(head(h), labels)
