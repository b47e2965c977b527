# source: https://github.com/microsoft/ProDA/issues/20
# what: the self-distillation loss passes the student's softmax to F.kl_div, which expects log-probabilities; the divergence computed is wrong (it can go negative) and no longer guards log(0)
import torch.nn.functional as F


def self_distill_loss(student_logits, teacher_logits):
    student = F.softmax(student_logits, dim=1)
    teacher = F.softmax(teacher_logits, dim=1)
    loss_kd = F.kl_div(student, teacher, reduction="none")  # expect: NAN401
    return loss_kd.sum(dim=1).mean()
