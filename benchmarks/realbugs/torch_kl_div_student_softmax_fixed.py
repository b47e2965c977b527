# source: https://github.com/microsoft/ProDA/issues/20
# what: fixed: the maintainers confirmed the bug; the student side is log_softmax
import torch.nn.functional as F


def self_distill_loss(student_logits, teacher_logits):
    student = F.log_softmax(student_logits, dim=1)
    teacher = F.softmax(teacher_logits, dim=1)
    loss_kd = F.kl_div(student, teacher, reduction="none")
    return loss_kd.sum(dim=1).mean()
