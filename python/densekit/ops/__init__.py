"""``densekit.ops``: Keras's ops (``keras.ops``) for custom code in dense networks.

Called on arrays, an op computes at once and returns a NumPy array. Called on a symbolic tensor
(in the functional API, a Lambda, or a subclassed model's ``call``), it records a layer of the
model's C++ graph, so the model still trains with no Python per batch. docs/ops.md lists what
is recorded and what is computed eagerly only.
"""

import functools
import sys

from densekit import activations
from densekit.layers import keras_tensor
from densekit.ops.composite import *  # noqa: F403
from densekit.ops.composite import __all__ as _composite_all
from densekit.ops.eager import *  # noqa: F403
from densekit.ops.eager import __all__ as _eager_all
from densekit.ops.elementwise import *  # noqa: F403
from densekit.ops.elementwise import __all__ as _elementwise_all
from densekit.ops.nn import *  # noqa: F403
from densekit.ops.nn import __all__ as _nn_all
from densekit.ops.numpy import *  # noqa: F403
from densekit.ops.numpy import __all__ as _numpy_all
from densekit.ops import nn as _nn_ops

# Python's operators on symbolic tensors are these ops (x ** 2, a / b, x % 2, x[:, 1:3]).
keras_tensor.set_operator_ops(sys.modules[__name__])
# densekit.activations' functions called on a symbolic tensor (keras.activations.relu(x) in a call).
activations.set_symbolic_recorder(_nn_ops.record_activation)

__all__ = sorted(set(_numpy_all) | set(_nn_all) | set(_elementwise_all) | set(_composite_all) | set(_eager_all))


def _reading_metric_variables(op):
    """``op`` taking a stateful metric's variables as their values (Keras's ops convert a
    Variable to its tensor): arrays eagerly, graph inputs while densekit traces result()."""
    @functools.wraps(op)
    def call(*args, **kwargs):
        from densekit.trainers.metric_variable import unwrap
        return op(*[unwrap(a) for a in args], **{k: unwrap(v) for k, v in kwargs.items()})
    return call


for _name in __all__:
    if callable(globals()[_name]):
        globals()[_name] = _reading_metric_variables(globals()[_name])
