# source: https://github.com/ASFHyP3/hyp3-lib/pull/251
# what: the nodata value is compared to np.nan with ==, which is always False, so NaN nodata is never recognised
import numpy as np


def masked_nodata(band, nodata):
    if nodata == np.nan:  # expect: NAN701
        return np.isnan(band)
    return band == nodata
