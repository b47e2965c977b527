# source: https://github.com/NaJaeMin92/pytorch-DANN/issues/7
# what: the label classifier ends in a softmax and its output goes to CrossEntropyLoss, which applies log_softmax again; the doubly normalised logits barely train
import torch.nn as nn


class LabelClassifier(nn.Module):
    def __init__(self, features, num_classes):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(features, 100), nn.ReLU(), nn.Linear(100, num_classes))
        self.softmax = nn.Softmax(dim=1)

    def forward(self, h):
        return self.softmax(self.net(h))


class_criterion = nn.CrossEntropyLoss()


def class_loss(classifier, h, labels):
    return class_criterion(classifier(h), labels)  # expect: NAN404
