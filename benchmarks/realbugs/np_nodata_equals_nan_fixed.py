# source: https://github.com/ASFHyP3/hyp3-lib/pull/251
# what: fixed: np.isnan(nodata) recognises a NaN nodata value
import numpy as np


def masked_nodata(band, nodata):
    if np.isnan(nodata):
        return np.isnan(band)
    return band == nodata
