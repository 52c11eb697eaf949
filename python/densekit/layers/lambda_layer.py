"""Lambda: a function of tensors as a layer (keras/src/layers/core/lambda_layer.py).

Called on symbolic tensors, the function runs once on them: the densekit.ops it calls (and
Python's operators on tensors) record layers of the model's C++ graph, so the model trains,
saves and loads with no Python per batch; the model file holds that traced computation, not
the Python function. Called on arrays, the function runs on them (NumPy results).
"""

from densekit.layers.input_layer import Input
from densekit.layers.keras_tensor import KerasTensor
from densekit.layers.layer import Layer, _flatten_call_inputs
from densekit.layers.trace_call import trace_call


class Lambda(Layer):
    """Wraps ``function(inputs, **arguments)`` as a layer."""

    _inlined = True  # a model inlines the layers its call records (models/sequential.py)

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda's `function` must be callable. Received: {function!r}")
        if mask is not None:
            raise ValueError(f"densekit's Lambda does not support masks (received mask={mask!r}).")
        self.function, self.arguments, self.output_shape = function, dict(arguments or {}), output_shape

    def __reduce_ex__(self, protocol):
        # The function itself (by reference), where other layers copy by their config
        # (utils/pickling.py): densekit does not serialize Python functions.
        return _new_lambda, (self.function, self.output_shape, self.arguments, self.name)

    def __call__(self, inputs, training=None, **kwargs):
        if kwargs:
            raise TypeError(f"Lambda was called with arguments densekit does not support: {sorted(kwargs)}.")
        flat, _ = _flatten_call_inputs(inputs)
        if any(isinstance(t, KerasTensor) for t in flat):
            return trace_call(f"Lambda layer '{self.name}'", self.function, inputs, **self.arguments)
        return self.function(inputs, **self.arguments)

    def compute_output_shape(self, input_shape):
        """A tuple ``output_shape`` is per sample (the batch size is the input's); a callable
        one maps the whole shape; without one, the function is traced on a new Input."""
        if callable(self.output_shape):
            return tuple(self.output_shape(input_shape))
        if self.output_shape is not None:
            return (input_shape[0],) + tuple(self.output_shape)
        return tuple(self(Input(shape=tuple(input_shape[1:]))).shape)

    def get_config(self):
        raise NotImplementedError(
            f"Lambda layer '{self.name}' keeps a Python function, which densekit does not serialize: a model that holds "
            "it saves the computation the function traced (model.save), and reloads it without the function.")

    @property
    def built(self):
        return True


def _new_lambda(function, output_shape, arguments, name):
    return Lambda(function, output_shape=output_shape, arguments=arguments, name=name)
