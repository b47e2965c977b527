import libcst as cst

from ..engine import HF
from ..model import keyword, positional
from .base import Rule


class MissingAttentionMask(Rule):
    code = "NAN601"
    summary = "transformers model called without attention_mask"
    why = (
        "Without `attention_mask` a transformers encoder attends to the padding tokens of "
        "every shorter sequence in the batch, so the outputs depend on how much padding "
        "there is. Hidden states fed to a `BertEncoder` with no mask mix padding into every "
        "position; with padding full of large or uninitialised values this diverges, and a "
        "mask later built as an additive `-inf` bias over a fully padded row is NaN.")
    bad = """\
import torch
scores = torch.tensor([[1.0, 2.0, float("-inf"), float("-inf")]])
key_padding = torch.tensor([[True, True, True, True]])
out = scores.masked_fill(key_padding, float("-inf")).softmax(-1)
"""
    good = """\
import torch
scores = torch.tensor([[1.0, 2.0, float("-inf"), float("-inf")]])
key_padding = torch.tensor([[False, False, True, True]])
out = scores.masked_fill(key_padding, float("-inf")).softmax(-1)
"""
    fix = ("Pass the tokenizer's mask: `model(input_ids, attention_mask=attention_mask)`, "
           "or `model(**batch)` with the tokenizer output.")
    references = ("transformers documentation: attention_mask",
                  "transformers warning: 'We strongly recommend passing in an attention_mask'")
    triggers = (frozenset({HF, "from_pretrained"}),)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "forward":
            func = func.value
        origin = self.model.origin(func)
        if origin is None or origin.kind != "hf_model":
            return
        if not node.args or any(a.star for a in node.args):
            return  # no inputs, or `**batch` that may carry the mask
        if len(positional(node)) >= 2 or keyword(node, "attention_mask") is not None:
            return
        self.report(node, f"{self.snippet(func)} is called without attention_mask: padding "
                          "tokens are attended to; pass attention_mask=...")
