# source: https://github.com/vanheeringen-lab/gimmemotifs/issues/275
# what: information content sums pfm * log2(pfm); a frequency of exactly 0 gives log2(0) = -inf and 0 * -inf = NaN for the whole motif
import numpy as np


class Motif:
    def __init__(self, pfm):
        self.pfm = np.asarray(pfm, dtype=float)

    @property
    def information_content(self):
        # 2 bits per position minus the entropy of its base frequencies
        return np.sum(2 + np.sum(self.pfm * np.log2(self.pfm), axis=1))  # expect: NAN107
