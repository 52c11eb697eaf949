"""densekit: Keras-compatible dense neural networks with a C++ core.

``import densekit as keras`` runs Keras tutorial code for dense networks: Sequential models,
compile / fit / evaluate / predict, callbacks and summary, with the math in C++.
"""

from densekit import _isa

_core = _isa.load_core()
__version__ = _core.__version__

from densekit import (  # noqa: E402
    activations, backend, callbacks, config, constraints, datasets, distribution, initializers, layers, losses, metrics, models,
    ops, optimizers, random, regularizers, saving, utils, wrappers,
)
from densekit.layers import Input, InputLayer  # noqa: E402
from densekit.models import Model, Sequential  # noqa: E402

__all__ = [
    "Input", "InputLayer", "Model", "Sequential", "__version__", "activations", "backend", "callbacks", "config",
    "constraints", "datasets", "distribution", "initializers", "layers", "losses", "metrics", "models", "ops", "optimizers", "random", "regularizers", "saving", "utils",
    "wrappers",
]
