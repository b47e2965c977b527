# source: https://github.com/NaJaeMin92/pytorch-DANN/issues/7
# what: fixed: the redundant softmax was removed; CrossEntropyLoss gets the logits
import torch.nn as nn


class LabelClassifier(nn.Module):
    def __init__(self, features, num_classes):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(features, 100), nn.ReLU(), nn.Linear(100, num_classes))

    def forward(self, h):
        return self.net(h)


class_criterion = nn.CrossEntropyLoss()


def class_loss(classifier, h, labels):
    return class_criterion(classifier(h), labels)
