# source: https://github.com/Lightning-AI/pytorch-lightning/issues/13871
# what: the model applies a sigmoid and the loss is BCELoss on the probabilities; the log inside saturates for confident outputs, and with precision=16 autocast refuses it outright
import torch
from pytorch_lightning import LightningModule


class Classifier(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(32, 2)
        self.loss_fn = torch.nn.BCELoss()

    def forward(self, x):
        return torch.sigmoid(self.layer(x))

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = self.loss_fn(self(x), y.float())  # expect: NAN403
        self.log("train_loss", loss)
        return loss
