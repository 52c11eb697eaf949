"""Weight regularizers written in Python (a function of the weight, or a Regularizer subclass
with its own ``__call__``), traced into the C++ core.

Keras calls a weight's regularizer on the weight at every step and sums what it returns into the
loss (Layer._get_regularization_losses in keras/src/layers/layer.py). densekit calls it once, on
a symbolic tensor holding the weight as the one row of a graph: ``ops.sum(w)`` with no axis sums
the weight's elements, and an axis counts the weight's own axes. The C++ regularizer
(cpp/include/densekit/traced_regularizer.hpp) runs that graph forward for the penalty and backward
for its gradient, so no Python runs per batch. The weight's shape is known once its layer is
built, so the C++ regularizer starts pending and is traced when a model's graph takes the layer
(trace_pending, from Model._adopt_graph).
"""

from densekit import ops
from densekit.layers import batch_loss
from densekit.layers.input_layer import Input
from densekit.layers.keras_tensor import KerasTensor
from densekit.layers.trace_call import trace_call
from densekit.saving.serialization_lib import model_class


def traced_function(regularizer, shape, what):
    """The C++ model computing ``regularizer`` on a weight of ``shape`` (one input, the weight as
    one row; the sum of its output's elements is the penalty)."""
    weight = Input(shape=tuple(shape), name="weight")
    with batch_loss.one_row():
        value = trace_call(what, regularizer, weight)
        if value is weight:  # the graph's output must be computed by a layer
            value = ops.multiply(weight, 1.0)
    if not isinstance(value, KerasTensor):
        raise TypeError(f"{what} returned {value!r} ({type(value).__name__}); a regularizer must return a value "
                        "computed from the weight it is given (for example 0.01 * ops.sum(ops.square(x))).")
    return model_class("Functional")(weight, value, name="traced_regularizer")._core


def trace_pending(layer, graph):
    """Traces each Python weight regularizer of ``layer`` for its weight's shape in ``graph``. The
    C++ regularizer, shared by every graph holding the layer, is traced once."""
    for index, regularizer in layer._python_regularizers().items():
        pending = layer._core.weight_regularizer(index)
        if pending.pending:
            name = layer._core.weight_names()[index]
            what = f"The regularizer {regularizer!r} of the weight '{name}' of layer '{layer.name}'"
            shape = graph.get_weight(layer._core, index).shape
            pending.set_traced(traced_function(regularizer, shape, what))
