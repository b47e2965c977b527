# source: https://github.com/WongKinYiu/yolov9/pull/662
# what: the box loss is the mean over anchors picked by a validity mask; a batch with no positive targets picks nothing and the mean of an empty tensor is NaN
import torch


def box_loss(iou_loss, valid):
    # iou_loss: per-anchor loss; valid: boolean mask of matched anchors
    return iou_loss[valid].mean()  # expect: NAN203
