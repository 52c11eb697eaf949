"""The Layer base class: configuration in Python, computation in the C++ object it wraps."""

import json
import warnings

import numpy as np

from densekit import _core, regularizers
from densekit.utils import naming


class Variable:
    """A view of one weight of a built layer (Keras's ``layer.weights`` entries)."""

    def __init__(self, layer, index, name, shape, trainable):
        self._layer, self._index = layer, index
        self.name, self.shape, self.trainable = name, tuple(shape), trainable
        self.dtype = "float32"

    @property
    def path(self):
        return f"{self._layer.name}/{self.name}"

    def numpy(self):
        return self._layer._graph.get_weight(self._layer._core, self._index)

    def assign(self, value):
        self._layer._graph.set_weight(self._layer._core, self._index, np.ascontiguousarray(value, dtype=np.float32))

    def __array__(self, dtype=None, copy=None):
        return self.numpy() if dtype is None else self.numpy().astype(dtype)

    def __repr__(self):
        return f"<Variable path={self.path}, shape={self.shape}, dtype=float32>"


class Layer:
    """Base of every layer. Subclasses create ``self._core`` (the C++ layer) in ``__init__``."""

    def __init__(self, *, name=None, dtype=None, trainable=True, activity_regularizer=None, input_shape=None,
                 input_dim=None, batch_input_shape=None, autocast=True, **kwargs):
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        if isinstance(dtype, dict):  # a saved DTypePolicy
            dtype = dtype.get("config", {}).get("name", "float32")
        if dtype not in (None, "float32") and getattr(dtype, "name", dtype) != "float32":
            raise ValueError(f"densekit computes in float32 only. Received: dtype={dtype!r}")
        self.name = name if name is not None else naming.auto_name(type(self).__name__)
        self._trainable = bool(trainable)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._core = None
        self._graph = None  # the C++ graph that holds this layer's weights, once built in a model
        self._input_shape_arg = None
        if input_shape is not None or input_dim is not None or batch_input_shape is not None:
            warnings.warn(
                "Do not pass an `input_shape`/`input_dim` argument to a layer. When using Sequential models, prefer "
                "using an `Input(shape)` object as the first layer in the model instead.", UserWarning, stacklevel=3)
            if input_dim is not None:
                self._input_shape_arg = (int(input_dim),)
            elif input_shape is not None:
                self._input_shape_arg = tuple(int(d) for d in np.atleast_1d(input_shape))
            else:
                self._input_shape_arg = tuple(int(d) for d in batch_input_shape[1:])

    # --- state ----------------------------------------------------------------------------
    @property
    def _core(self):
        """The C++ layer (set by the subclass, or by a loaded model)."""
        return self.__dict__.get("_core_layer")

    @_core.setter
    def _core(self, core):
        self.__dict__["_core_layer"] = core
        if core is not None:  # the C++ layer applies the activity penalty
            core.activity_regularizer = regularizers.core(self._activity_regularizer)

    @property
    def activity_regularizer(self):
        """Penalty on the layer's output, added to the loss (divided by the batch size)."""
        return self._activity_regularizer

    @activity_regularizer.setter
    def activity_regularizer(self, value):
        self._activity_regularizer = regularizers.get(value)
        if self._core is not None:
            self._core.activity_regularizer = regularizers.core(self._activity_regularizer)

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        if self._core is not None:
            self._core.trainable = self._trainable

    @property
    def built(self):
        return self._graph is not None

    @property
    def weights(self):
        if self._graph is None:
            return []
        return [Variable(self, i, name, shape, trainable)
                for i, (name, shape, trainable, _) in enumerate(self._graph.weight_info(self._core))]

    @property
    def trainable_weights(self):
        return [w for w in self.weights if w.trainable]

    @property
    def non_trainable_weights(self):
        return [w for w in self.weights if not w.trainable]

    def get_weights(self):
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights):
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(f"You called `set_weights(weights)` on layer '{self.name}' with a weight list of length "
                             f"{len(weights)}, but the layer was expecting {len(own)} weights.")
        for variable, value in zip(own, weights):
            variable.assign(value)

    def count_params(self):
        if self._graph is None and self._core is not None and self._core.weight_names():
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the layer isn't built. "
                             "You can build it manually via: `layer.build(input_shape)`.")
        return int(sum(np.prod(w.shape) for w in self.weights))

    # --- configuration --------------------------------------------------------------------
    def get_config(self):
        """Keras's layer config (written by the C++ core, which also saves it in model files)."""
        return json.loads(_core.layer_config_json(self._core))

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    @classmethod
    def _wrap(cls, core):
        """The Python layer for a C++ layer of a loaded model: configured from its config, and
        computing with that very C++ object (whose weights live in the loaded graph)."""
        layer = cls.from_config(json.loads(_core.layer_config_json(core)))
        layer._core = core
        return layer

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"
