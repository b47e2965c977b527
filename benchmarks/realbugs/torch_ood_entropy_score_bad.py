# source: https://github.com/kkirchheim/pytorch-ood/issues/84
# what: the entropy OOD score takes the log of a softmax; a probability that underflows to 0.0 gives log(0) and 0 * -inf = NaN scores
import torch


class EntropyScore:
    def __init__(self, model):
        self.model = model

    @torch.no_grad()
    def predict(self, x):
        probs = self.model(x).softmax(dim=1)
        return -(probs * probs.log()).sum(dim=1)  # expect: NAN102
