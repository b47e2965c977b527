"""Frameworks: which framework a call belongs to, and what Keras layers and models
return."""
from __future__ import annotations

from collections import deque
from typing import Optional

import libcst as cst

from .. import traverse, vocab
from .facts import Origin, _FRAMEWORK_ORDER, _names_read, argument, keyword


class Frameworks:
    # ------------------------------------------------------------- frameworks
    def framework(self, node: Optional[cst.CSTNode]) -> str:
        """"torch", "numpy", "jax" or "tf" for a call of a known framework's function,
        "" for anything else (a method call, a same-file function)."""
        qn = self.qualname(node.func) if isinstance(node, cst.Call) else None
        return vocab.framework(qn) if qn else ""

    def foreign(self, node: cst.CSTNode) -> bool:
        """Whether `node` calls a function of a framework other than PyTorch or names a value
        one produced, or the module does not import torch: a rewrite in PyTorch's spelling
        would not fit it."""
        if "torch" not in self.frameworks:
            return True
        if len(self.frameworks) == 1:
            return False
        made = [o.node for o in map(self.origin, _names_read(node)) if o is not None]
        return any(found != "torch" for n in (node, *made) if isinstance(n, cst.CSTNode)
                   for found in self._frameworks_in(n))

    def _frameworks_in(self, node: Optional[cst.CSTNode]):
        """The frameworks of the known functions called in `node`, outermost first."""
        todo = deque([node] if node is not None else [])
        while todo:
            n = todo.popleft()
            found = self.framework(n) if isinstance(n, cst.Call) else ""
            if found:
                yield found
            todo.extend(traverse.children(n))

    def framework_of(self, *nodes: Optional[cst.CSTNode]) -> str:
        """The framework whose spelling a fix for `nodes` should use: that of the outermost
        known function called in the first of them that calls one (`np.log(p)`), else the
        module's (`mask.sum()` in a module that imports only NumPy), else "torch"."""
        if self.frameworks <= {"torch"}:
            return "torch"
        for node in nodes:
            for found in self._frameworks_in(node):
                return found
        imported = {vocab.framework(f.qualname) for f in self.stack[0].names.values() if f.qualname}
        return next((f for f in _FRAMEWORK_ORDER if f in imported), "torch")

    # ------------------------------------------------------------------- Keras
    def _keras_origin(self, call: cst.Call, qn: Optional[str]) -> Optional[Origin]:
        """A Keras layer that applies a softmax or sigmoid (`Dense(10, activation="softmax")`,
        `Activation("sigmoid")`), a functional `keras.Model(inputs, outputs)`, what a layer
        called where it is built returns (`Dense(3, activation="softmax")(h)`), and what a
        model's `predict` returns."""
        if qn in vocab.KERAS_ACTIVATED:
            index = vocab.KERAS_ACTIVATED[qn]
            given = argument(call, index, "activation") if index is not None else \
                keyword(call, "activation")
            output = given is not None and self._activation(given)
            return Origin("module", node=call, inner=output) if output else None
        if qn in vocab.KERAS_MODELS:
            outputs = argument(call, 1, "outputs")
            output = outputs is not None and self._origin(outputs, 1)
            if output and output.kind in vocab.KERAS_ACTIVATIONS.values():
                return Origin("module", node=call, inner=output.kind)
            return None
        func = call.func
        if isinstance(func, cst.Call):
            model = self._origin(func, 1)
        elif qn is None and isinstance(func, cst.Attribute) and func.attr.value in vocab.PREDICT_METHODS:
            model = self._origin(func.value, 1)
        else:
            return None
        return Origin(model.inner, node=call) if model and model.kind == "module" and model.inner else None

    def _activation(self, expr: cst.BaseExpression) -> Optional[str]:
        """"softmax" for `"softmax"`, `tf.nn.softmax`, `keras.activations.softmax`."""
        if isinstance(expr, cst.SimpleString):
            name = expr.evaluated_value
            return vocab.KERAS_ACTIVATIONS.get(name) if isinstance(name, str) else None
        qn = self.qualname(expr)
        op = vocab.FUNCTIONS.get(qn) if qn else None
        return op if op in vocab.KERAS_ACTIVATIONS.values() else None
