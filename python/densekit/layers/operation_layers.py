"""The layers densekit.ops records on symbolic tensors (cpp/include/densekit/layers/ops.hpp):
element-wise functions, broadcasting division and power, reductions over a sample's axes, and
index maps (slicing, transposes, gathers). They have no weights; a model that holds them
trains, saves and loads like any other. Keras records these calls as Operations
(keras/src/ops/numpy.py); densekit records them as layers of its C++ graph, named after the op
("sin", "power", "sum", "get_item")."""

import json

from densekit import _core, constraints, initializers, regularizers
from densekit.layers.batch_loss import BatchLoss, anchor, in_one_row
from densekit.layers.core_config import core_from_config
from densekit.layers.keras_tensor import KerasTensor
from densekit.layers.layer_variable import LayerVariable
from densekit.layers.layer import Layer
from densekit.utils import naming


class _OpLayer(Layer):
    def __init__(self, op, name=None, **kwargs):
        super().__init__(name=name if name is not None else naming.layer_name(op), **kwargs)
        self.op = op


class ElementwiseOp(_OpLayer):
    """``f(x)`` element by element: abs, sqrt, exp, ..., power/rpower/rdivide/maximum/minimum
    with a number (``value``) and clip (to ``[x_min, x_max]``)."""

    def __init__(self, op, value=0.0, x_min=0.0, x_max=0.0, **kwargs):
        super().__init__(op, **kwargs)
        self.value, self.x_min, self.x_max = float(value), float(x_min), float(x_max)
        numbers = dict(x_min=self.x_min, x_max=self.x_max) if op == "clip" else dict(value=self.value)
        self._core = core_from_config(self, "ElementwiseOp", op=op, **numbers)


class BinaryOp(_OpLayer):
    """``x / y`` or ``x ** y`` between two tensors, broadcasting as Keras does."""

    _takes_list = True

    def __init__(self, op, **kwargs):
        super().__init__(op, **kwargs)
        self._core = core_from_config(self, "BinaryOp", op=op)


class Reduce(_OpLayer):
    """sum, mean, max, min, prod, var, std or logsumexp over some of a sample's axes."""

    def __init__(self, op, axis=None, keepdims=False, **kwargs):
        super().__init__(op, **kwargs)
        self.axis, self.keepdims = axis, bool(keepdims)
        self._core = core_from_config(self, "Reduce", op=op, axis=axis, keepdims=self.keepdims)


class IndexMapOp(_OpLayer):
    """Each output element is an input element: ``get_item`` (basic slicing, ``key`` holds one
    integer or ``[start, stop, step]`` per sample axis), ``transpose`` (``axes``) and ``take``
    (``indices`` along ``axis``)."""

    def __init__(self, op, key=None, axes=None, indices=None, axis=1, **kwargs):
        super().__init__(op, **kwargs)
        self.key, self.axes, self.indices, self.axis = key, axes, indices, axis
        fields = {"get_item": dict(key=key), "transpose": dict(axes=axes), "take": dict(indices=indices, axis=axis)}
        self._core = core_from_config(self, "IndexMapOp", op=op, **fields.get(op, {}))


class AddLoss(_OpLayer):
    """Passes its input on and adds ``scale · mean(x)`` (or ``sum``) over the batch, plus
    ``offset``, to the model's loss: what ``add_loss`` records in a traced call."""

    def __init__(self, reduction="mean", scale=1.0, offset=0.0, op=None, **kwargs):
        super().__init__("add_loss", **kwargs)
        self.reduction, self.scale, self.offset = reduction, float(scale), float(offset)
        self._core = core_from_config(self, "AddLoss", reduction=reduction, scale=self.scale, offset=self.offset)


class RandomDraw(_OpLayer):
    """Random values shaped like its input, drawn at every call (normal: mean ``a``, stddev
    ``b``; uniform in ``[a, b)``): what densekit.random records in a traced call."""

    def __init__(self, distribution="normal", a=0.0, b=1.0, op=None, **kwargs):
        super().__init__(f"random_{distribution}", **kwargs)
        self.distribution, self.a, self.b = distribution, float(a), float(b)
        self._core = core_from_config(self, "RandomDraw", distribution=distribution, a=self.a, b=self.b)


class LossOp(_OpLayer):
    """A built-in loss of each sample, where a traced call calls one on symbolic tensors (the
    Keras guide's LogisticEndpoint); ``loss`` is the loss's Keras serialization."""

    _takes_list = True

    def __init__(self, loss, op=None, **kwargs):
        super().__init__("loss", **kwargs)
        self.loss = loss
        self._core = core_from_config(self, "LossOp", loss=loss)


def record_loss(tensor, reduction, scale, offset):
    """An AddLoss node on ``tensor``, tied to the running call's inputs (layers/batch_loss.py) so
    that a model built through them includes it, though no output depends on it."""
    out = AddLoss(reduction, scale, offset)(tensor)
    anchor(out, tensor)
    return out


def reduce_whole(tensor, op):
    """``op`` ("sum" or "mean") over every element of a symbolic tensor, batch included: inside a
    stateful metric's result() the one row's elements (a Reduce), elsewhere a term only add_loss
    takes (a BatchLoss: keras.ops.sum(x) of a traced loss)."""
    if in_one_row():
        return Reduce(op, axis=None, keepdims=False)(tensor)
    return BatchLoss([(tensor, op, 1.0)], 0.0, record_loss)


def _core_initializer(initializer):
    """A variable's initializer as the C++ config records it; a Python function's values are the
    variable's initial values, so the config keeps zeros."""
    if isinstance(initializer, initializers.Initializer):
        return initializers.core(initializer)
    return initializers.core(initializers.get("zeros"))


class WeightOp(_OpLayer):
    """A Layer subclass's weight (layers/layer_variable.py) combined with a tensor by ``op``:
    matmul (``x @ w``), add, subtract, rsubtract (``w - x``), multiply or divide."""

    def __init__(self, op, variable, **kwargs):
        super().__init__(op, name=naming.auto_name(f"{variable._layer.name}_{variable.name}"), **kwargs)
        self.variable = variable
        self._core = core_from_config(
            self, "WeightOp", op=op, weight_name=variable.name, shape=list(variable.shape),
            weight_trainable=variable.created_trainable, initializer=_core_initializer(variable.initializer),
            regularizer=regularizers.core(variable.regularizer), constraint=constraints.core(variable.constraint))
        self._core.set_initial_values(variable._value.reshape(-1))
        self.trainable = variable.trainable  # (a frozen weight: its layer's switch, turned again by it)

    def _python_regularizers(self):
        reg = self.variable.regularizer if self.variable is not None else None
        return {0: reg} if regularizers.is_python(reg) else {}

    @classmethod
    def from_config(cls, config):
        """The layer of a loaded graph: its weight lives in that graph (no Python variable)."""
        layer = cls.__new__(cls)
        _OpLayer.__init__(layer, config["op"], name=config["name"])
        layer.variable = None
        layer._core = _core.layer_from_config_json("WeightOp", json.dumps(config))
        return layer


_WEIGHT_OPS = ("matmul", "add", "subtract", "rsubtract", "multiply", "divide")


def _weight_op(variable, op, x):
    """``x op variable`` on a symbolic ``x``: a node of the variable's WeightOp layer, created by
    the first op that uses the variable."""
    if op not in _WEIGHT_OPS:
        raise NotImplementedError(
            f"densekit cannot record `{op}` of a symbolic tensor and the weight '{variable.path}': a weight is "
            "recorded combined directly with a tensor by x @ w, x + w, x - w, w - x, x * w or x / w.")
    if variable._op_layer is None:
        variable._op_layer = WeightOp(op, variable)
    elif variable._op_layer.op != op:
        raise NotImplementedError(
            f"The weight '{variable.path}' is used in `{variable._op_layer.op}` and in `{op}`: densekit records a weight "
            "of a Layer subclass with the one op its call combines it with. Create one weight per use.")
    return variable._op_layer(x)


def record_with_variable(op, a, b):
    """``a op b`` where one of them is a Layer subclass's weight and the other a symbolic
    tensor, as the weight's WeightOp; None when the pair is not of that kind."""
    if isinstance(b, LayerVariable) and isinstance(a, KerasTensor):
        return _weight_op(b, op, a)
    if isinstance(a, LayerVariable) and isinstance(b, KerasTensor):
        swapped = {"add": "add", "multiply": "multiply", "subtract": "rsubtract"}.get(op)
        if swapped is None:
            raise NotImplementedError(f"densekit cannot record `{op}` with the weight '{a.path}' on the left of a "
                                      "symbolic tensor; write it with the tensor first (x @ w, x / w).")
        return _weight_op(a, swapped, b)
    return None
