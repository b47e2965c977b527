# source: https://github.com/Lightning-AI/pytorch-lightning/issues/13871
# what: fixed: the model returns logits and the loss is BCEWithLogitsLoss, which is stable and safe to autocast
import torch
from pytorch_lightning import LightningModule


class Classifier(LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(32, 2)
        self.loss_fn = torch.nn.BCEWithLogitsLoss()

    def forward(self, x):
        return self.layer(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = self.loss_fn(self(x), y.float())
        self.log("train_loss", loss)
        return loss
