import libcst as cst

from .base import Rule

_CLIPS = frozenset(f"torch.nn.utils.{m}{n}" for m in ("", "clip_grad.")
                   for n in ("clip_grad_norm_", "clip_grad_value_", "clip_grad_norm"))


class ClipScaledGradients(Rule):
    code = "NAN602"
    summary = "gradients clipped after scaler.scale(loss).backward() without scaler.unscale_"
    why = (
        "`GradScaler.scale(loss).backward()` leaves every gradient multiplied by the scale "
        "(65536 at the start). Clipping them before `scaler.unscale_(optimizer)` applies the "
        "threshold to the scaled values: `clip_grad_norm_(params, 1.0)` cuts the true norm "
        "to 1/65536, and the step that `scaler.step` then unscales is almost nothing; a "
        "`clip_grad_value_` threshold is likewise off by the scale. Measured on CPU with "
        "`torch.amp.GradScaler('cpu', init_scale=1024)`, SGD(lr=1) and gradient [3, 4]: the "
        "weights moved by [0.0006, 0.0008] instead of the clipped [0.6, 0.8].")
    claim = "differs"
    bad = """\
import torch
w = torch.nn.Parameter(torch.tensor([3.0, 4.0]))
optimizer = torch.optim.SGD([w], lr=1.0)
scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
scaler.scale((w * w).sum() / 2).backward()
torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
scaler.step(optimizer)
out = w.detach()
ref = torch.tensor([3.0, 4.0]) - torch.tensor([0.6, 0.8])
"""
    good = """\
import torch
w = torch.nn.Parameter(torch.tensor([3.0, 4.0]))
optimizer = torch.optim.SGD([w], lr=1.0)
scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
scaler.scale((w * w).sum() / 2).backward()
scaler.unscale_(optimizer)
torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
scaler.step(optimizer)
out = w.detach()
ref = torch.tensor([3.0, 4.0]) - torch.tensor([0.6, 0.8])
"""
    fix = "Call `scaler.unscale_(optimizer)` after the backward pass and before clipping."
    fix_safety = None  # guidance only: no automatic rewrite yet
    references = ("torch.amp examples: working with unscaled gradients (gradient clipping)",
                  "torch.amp.GradScaler.unscale_ documentation")
    # the backward pass and the clipping may be separate statements of a script
    scope = "function"
    # (a clip after `scaler.scale(loss).backward()`: all three are needed; an `unscale_`
    # between them comes along)
    triggers = (frozenset({"backward", "unscale_"}), frozenset({"scale"}),
                frozenset({"clip_grad_norm_", "clip_grad_value_", "clip_grad_norm"}))

    def __init__(self, model, options) -> None:
        super().__init__(model, options)
        self.scaled: list[bool] = [False]  # per function: gradients scaled and not unscaled

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.scaled.append(False)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.scaled.pop()

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute):
            if func.attr.value == "unscale_":
                self.scaled[-1] = False
            elif func.attr.value == "backward" and self._scaled_loss(func.value):
                self.scaled[-1] = True
        if self.scaled[-1] and self.model.qualname(func) in _CLIPS:
            name = self.model.qualname(func).rsplit(".", 1)[-1]
            self.report(node, f"{name} after scaler.scale(loss).backward() clips the scaled "
                              "gradients (times the loss scale); call scaler.unscale_(optimizer) "
                              "first")

    def _scaled_loss(self, expr: cst.BaseExpression) -> bool:
        """`scaler.scale(loss)`, where scaler is a GradScaler or of unknown origin."""
        if not (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)
                and expr.func.attr.value == "scale" and len(expr.args) == 1):
            return False
        scaler = expr.func.value
        origin = self.model.origin(scaler)
        return (origin is None and self.model.qualname(scaler) is None) or \
            (origin is not None and origin.kind == "GradScaler")
