"""densekit: Keras-compatible dense neural networks with a C++ core.

``import densekit as keras`` runs Keras tutorial code for dense networks: Sequential models,
compile / fit / evaluate / predict, callbacks and summary, with the math in C++.
"""

from densekit import _isa

_core = _isa.load_core()
__version__ = _core.__version__

from densekit import (  # noqa: E402
    activations, backend, callbacks, config, constraints, datasets, distribution, initializers, layers, losses, metrics, models,
    ops, optimizers, preprocessing, random, regularizers, saving, utils, wrappers,
)
from densekit.initializers import Initializer  # noqa: E402
from densekit.layers import Input, InputLayer, KerasTensor, Layer  # noqa: E402
from densekit.losses import Loss  # noqa: E402
from densekit.metrics import Metric  # noqa: E402
from densekit.models import Model, Sequential  # noqa: E402
from densekit.optimizers import Optimizer  # noqa: E402
from densekit.regularizers import Regularizer  # noqa: E402
from densekit.layers.keras_tensor import is_keras_tensor as _is_keras_tensor  # noqa: E402

# Keras exports is_keras_tensor from keras.backend and keras.utils; densekit's KerasTensor lives
# in layers, which import both, so the function is attached here.
backend.is_keras_tensor = utils.is_keras_tensor = _is_keras_tensor



def version():
    """densekit's version (Keras's ``keras.version()`` gives Keras's)."""
    return __version__


__all__ = [
    "Initializer", "Input", "InputLayer", "KerasTensor", "Layer", "Loss", "Metric", "Model", "Optimizer", "Regularizer",
    "Sequential", "__version__", "version", "activations", "backend", "callbacks", "config",
    "constraints", "datasets", "distribution", "initializers", "layers", "losses", "metrics", "models", "ops", "optimizers", "preprocessing", "random", "regularizers", "saving", "utils",
    "wrappers",
]
