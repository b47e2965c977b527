# source: https://github.com/WongKinYiu/yolov9/pull/662
# what: fixed: the mean is taken only when the mask selects something; otherwise a zero that stays in the graph
import torch


def box_loss(iou_loss, valid):
    # iou_loss: per-anchor loss; valid: boolean mask of matched anchors
    if valid.any():
        return iou_loss[valid].mean()
    return iou_loss.sum() * 0.0
