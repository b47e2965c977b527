import libcst as cst

from ..words import HF
from ..model import keyword, name_nodes, positional
from .base import Rule

_PIXELS = frozenset({"pixel_values", "input_values"})


class MissingAttentionMask(Rule):
    code = "NAN601"
    summary = "transformers model called without attention_mask"
    why = (
        "Without `attention_mask` a transformers encoder attends to the padding tokens of "
        "every shorter sequence in the batch, so the outputs of the real tokens change with "
        "the amount of padding: the same sentence gets other features in another batch. "
        "Hidden states fed to a `BertEncoder` with no mask mix padding into every position, "
        "and when the padding holds large or garbage values the activations diverge.")
    claim = "differs"
    bad = """\
import torch
from transformers import BertConfig, BertModel
torch.manual_seed(0)
config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=2,
                    num_attention_heads=2, intermediate_size=32)
model = BertModel(config).eval()
ids = torch.tensor([[5, 6, 7, 0, 0, 0]])
ref = model(ids[:, :3]).last_hidden_state
out = model(ids).last_hidden_state[:, :3]
"""
    good = """\
import torch
from transformers import BertConfig, BertModel
torch.manual_seed(0)
config = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=2,
                    num_attention_heads=2, intermediate_size=32)
model = BertModel(config).eval()
ids = torch.tensor([[5, 6, 7, 0, 0, 0]])
mask = torch.tensor([[1, 1, 1, 0, 0, 0]])
ref = model(ids[:, :3], attention_mask=mask[:, :3]).last_hidden_state
out = model(ids, attention_mask=mask).last_hidden_state[:, :3]
"""
    fix = ("Pass the tokenizer's mask: `model(input_ids, attention_mask=attention_mask)`, "
           "or `model(**batch)` with the tokenizer output.")
    references = ("transformers documentation: attention_mask",
                  "transformers warning: 'We strongly recommend passing in an attention_mask'")
    triggers = (frozenset({HF, "from_pretrained"}),)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.__dict__["_pixel_names"] = set()

    def leave_Assign(self, node: cst.Assign) -> None:
        """Note the locals computed from pixel or audio values, in the order the function
        binds them: `h = self.embeddings(pixel_values)`, then `h = self.norm(h)`."""
        names = self.__dict__.setdefault("_pixel_names", set())
        of_pixels = self._of_pixels(node.value)
        for t in node.targets:
            if type(t.target) is cst.Name:
                (names.add if of_pixels else names.discard)(t.target.value)

    def _of_pixels(self, expr: cst.BaseExpression) -> bool:
        """Whether `expr` reads pixel or audio values, or a local computed from them."""
        names = _PIXELS | self.__dict__.get("_pixel_names", set())
        return any(n.value in names for n in name_nodes(expr))

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
        if any(a.keyword is not None and a.keyword.value in _PIXELS or self._of_pixels(a.value)
               for a in node.args):
            return  # images and audio: patches and frames are not padded tokens
        self.report(node, f"{self.snippet(func)} is called without attention_mask: padding "
                          "tokens are attended to; pass attention_mask=...")
