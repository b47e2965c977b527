# source: https://github.com/vanheeringen-lab/gimmemotifs/issues/275
# what: fixed: a zero frequency contributes 0 (the limit of p log p), as the issue asks, by taking the log only where p > 0
import numpy as np


class Motif:
    def __init__(self, pfm):
        self.pfm = np.asarray(pfm, dtype=float)

    @property
    def information_content(self):
        logs = np.log2(self.pfm, out=np.zeros_like(self.pfm), where=self.pfm > 0)
        # 2 bits per position minus the entropy of its base frequencies
        return np.sum(2 + np.sum(self.pfm * logs, axis=1))
