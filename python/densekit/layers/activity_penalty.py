"""Activity penalties, as Keras adds them at each call of a layer with an ``activity_regularizer``
(keras/src/layers/layer.py): ``regularizer(output) / batch_size`` for each output tensor. On
arrays the number goes to the layer's losses; on symbolic tensors it is traced into the model's
graph, whose C++ pass adds it to the loss (a built-in regularizer of a built-in layer is applied
by the C++ layer itself)."""

import numpy as np

from densekit import regularizers
from densekit.layers.batch_loss import BatchLoss, loss_anchors, tag_added_loss
from densekit.layers.keras_tensor import KerasTensor
from densekit.layers.subclassing import has_own_call
from densekit.layers.trace_call import trace_call

# A built-in activity regularizer on a symbolic output, as an ActivityRegularization layer
# (layers/activity_regularization.py, which imports the layer module, hands it over).
_record_activity_regularization = None


def set_recorder(record):
    global _record_activity_regularization
    _record_activity_regularization = record


def add(layer, outputs):
    """The penalty of each of ``layer``'s outputs (a call may return a list, tuple or dict)."""
    if layer._activity_regularizer is None:
        return outputs
    if isinstance(outputs, dict):
        return type(outputs)((key, add(layer, value)) for key, value in outputs.items())
    if isinstance(outputs, (list, tuple)):
        penalized = [add(layer, value) for value in outputs]
        return type(outputs)(*penalized) if hasattr(outputs, "_fields") else type(outputs)(penalized)
    return _add_one(layer, outputs)


def _add_one(layer, output):
    """On a symbolic output, a Python regularizer is traced: a sum over the batch divided by its
    size is a mean over the samples, so each ``ops.sum`` term becomes a mean times the values per
    sample."""
    reg = layer._activity_regularizer
    if isinstance(output, np.ndarray) and output.ndim and len(output):  # an eager call
        layer.__dict__.setdefault("_own_losses", []).append(np.float32(np.asarray(reg(output)) / len(output)))
    if not isinstance(output, KerasTensor):
        return output
    if not regularizers.is_python(reg):  # a built-in one on a subclass's output: no C++ layer applies it
        if not has_own_call(layer):
            return output
        regularized = _record_activity_regularization(reg, output)
        tag_added_loss(regularized, layer)
        return regularized
    what = f"The activity regularizer {reg!r} of layer '{layer.name}'"
    with loss_anchors([output]):
        value = trace_call(what, reg, output)
        if not isinstance(value, BatchLoss):
            raise TypeError(f"{what} returned {value!r}; it must reduce the output over the batch to one number "
                            "(e.g. 0.01 * ops.sum(ops.square(x))).")
        if value.offset or any(reduction != "sum" for _, reduction, _ in value.terms):
            raise NotImplementedError(
                f"{what} returns a constant or a mean over the batch, which Keras divides by the batch size once "
                "more: densekit records sums over the batch (ops.sum) divided by it, and numbers times them.")
        per_batch = [(t, "mean", scale * float(np.prod(t.shape[1:]))) for t, _, scale in value.terms]
        BatchLoss(per_batch, 0.0, value._record).add_to_model(owner=layer)
    return output
