"""Activation functions (computed by the C++ core). Each accepts array-likes and returns numpy
arrays: float32, or a float16 or float64 input's own dtype (computed in float32, as the core
computes); ``get`` resolves names for layers."""

import json

import numpy as np

from densekit import _core
from densekit.utils import object_registration, object_serialization

__all__ = [
    "celu", "elu", "exponential", "gelu", "get", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish",
    "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish", "relu", "relu6", "selu", "serialize",
    "deserialize", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign", "sparse_plus", "sparse_sigmoid",
    "sparsemax", "squareplus", "swish", "tanh", "tanh_shrink", "threshold",
]


def _spec(name, **params):
    spec = _core.Activation.from_name(name)
    for key, value in params.items():
        setattr(spec, key, value)
    return spec


# Called on a symbolic tensor (keras.activations.relu(x) in a traced call), an activation records
# an Activation layer: densekit.ops, which layers import, hands that over (set_symbolic_recorder).
_record_symbolic = None


def set_symbolic_recorder(record):
    global _record_symbolic
    _record_symbolic = record


def _result_dtype(x):
    """Keras keeps a float input's dtype (float64 in, float64 out); anything else gives floatx."""
    dtype = getattr(x, "dtype", None)
    return dtype if isinstance(dtype, np.dtype) and dtype.char in "ed" else np.float32  # (float16, float64)


def _apply(spec, x):
    if hasattr(x, "_keras_history"):  # a KerasTensor
        return _record_symbolic(spec, x)
    dtype = _result_dtype(x)
    if dtype is np.float32:
        return spec(np.asarray(x, dtype=np.float32))
    if spec.name == "linear":
        return np.asarray(x)  # the identity, which a float32 pass would round
    return spec(np.asarray(x, dtype=np.float32)).astype(dtype)


def _along_axis(spec, x, axis, name, whole=False):
    """``spec``, an activation computed along the last axis (softmax, glu, ...), along ``axis``.
    An array's axis is moved last and back (so any axis works); ``whole``: softmax and
    log_softmax also take several axes (a tuple) or every axis (None) at once, as Keras's
    backends reshape for them. A symbolic tensor is computed sample by sample, so only along its
    last axis."""
    if hasattr(x, "_keras_history"):
        if axis is None or isinstance(axis, bool) or axis not in (-1, len(x.shape) - 1):
            raise ValueError(f"densekit's {name} of a symbolic tensor works along its last axis, within each sample "
                             f"(axis=-1). Received: axis={axis}")
        return _record_symbolic(spec, x)
    several = axis is None or isinstance(axis, (tuple, list))
    if several and not whole:
        raise ValueError(f"{name} needs one axis (an integer). Received: axis={axis}")
    return _along_axes(spec, np.asarray(x, dtype=np.float32), axis, name, several).astype(_result_dtype(x), copy=False)


def _along_axes(spec, a, axis, name, several):
    if a.ndim == 0:
        return spec(a)
    if not several:
        return np.moveaxis(spec(np.ascontiguousarray(np.moveaxis(a, axis, -1))), -1, axis)
    axes = tuple(range(a.ndim)) if axis is None else tuple(axis)
    for ax in axes:
        if isinstance(ax, bool) or not isinstance(ax, (int, np.integer)) or not -a.ndim <= ax < a.ndim:
            raise ValueError(f"{name}: axis {ax!r} is not an axis of an array of rank {a.ndim}. Received: axis={axis}")
    axes = tuple(sorted({int(ax) % a.ndim for ax in axes}))
    last = tuple(range(a.ndim - len(axes), a.ndim))
    moved = np.ascontiguousarray(np.moveaxis(a, axes, last))  # the axes taken together, as one last axis
    out = spec(moved.reshape(-1, int(np.prod(moved.shape[a.ndim - len(axes):]))))
    return np.moveaxis(out.reshape(moved.shape), last, axes)


def _function(name):
    """A plain activation with no parameters."""
    spec = _spec(name)

    def fn(x):
        return _apply(spec, x)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"The `{name}` activation (keras.activations.{name})."
    fn._densekit_spec = spec
    return fn


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """``max(x, 0)`` generalised: a threshold, a cap and a slope below the threshold."""
    return _apply(relu_spec(negative_slope, max_value, threshold), x)


def relu_spec(negative_slope=0.0, max_value=None, threshold=0.0):
    return _spec("relu", negative_slope=float(negative_slope),
                 max_value=float("inf") if max_value is None else float(max_value), threshold=float(threshold))


def leaky_relu(x, negative_slope=0.2):
    return _apply(_spec("leaky_relu", negative_slope=float(negative_slope)), x)


def elu(x, alpha=1.0):
    return _apply(_spec("elu", alpha=float(alpha)), x)


def gelu(x, approximate=False):
    """Exact by default (``0.5x(1+erf(x/√2))``); the tanh form with ``approximate=True``."""
    return _apply(_spec("gelu", approximate=bool(approximate)), x)


def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along ``axis`` (over every element with axis=None)."""
    return _along_axis(_spec("softmax"), x, axis, "softmax", whole=True)


def log_softmax(x, axis=-1):
    return _along_axis(_spec("log_softmax"), x, axis, "log_softmax", whole=True)


def celu(x, alpha=1.0):
    """``max(x, 0) + alpha·expm1(min(x, 0)/alpha)``."""
    return _apply(_spec("celu", alpha=float(alpha)), x)


def glu(x, axis=-1):
    """The first half of ``axis`` times the sigmoid of the second: the axis halves."""
    return _along_axis(_spec("glu"), x, axis, "glu")


def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, else 0."""
    return _apply(_spec("hard_shrink", threshold=float(threshold)), x)


def soft_shrink(x, threshold=0.5):
    """``x − threshold`` above it, ``x + threshold`` below ``−threshold``, else 0."""
    return _apply(_spec("soft_shrink", threshold=float(threshold)), x)


def squareplus(x, b=4):
    """``(x + sqrt(x² + b)) / 2``."""
    return _apply(_spec("squareplus", b=float(b)), x)


def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value`` (both required, as in Keras)."""
    return _apply(_spec("threshold", threshold=float(threshold), default_value=float(default_value)), x)


def sparsemax(x, axis=-1):
    """The projection onto the probability simplex along ``axis``: ``max(x − τ, 0)``, summing to 1."""
    return _along_axis(_spec("sparsemax"), x, axis, "sparsemax")


linear = _function("linear")
relu6 = _function("relu6")
selu = _function("selu")
silu = _function("silu")
swish = silu
softplus = _function("softplus")
softsign = _function("softsign")
sigmoid = _function("sigmoid")
hard_sigmoid = _function("hard_sigmoid")
hard_silu = _function("hard_silu")
hard_swish = hard_silu
tanh = _function("tanh")
exponential = _function("exponential")
mish = _function("mish")
hard_tanh = _function("hard_tanh")
tanh_shrink = _function("tanh_shrink")
log_sigmoid = _function("log_sigmoid")
sparse_plus = _function("sparse_plus")
sparse_sigmoid = _function("sparse_sigmoid")

for _fn, _name in [(relu, "relu"), (leaky_relu, "leaky_relu"), (elu, "elu"), (gelu, "gelu"),
                   (softmax, "softmax"), (log_softmax, "log_softmax"), (celu, "celu"), (glu, "glu"),
                   (hard_shrink, "hard_shrink"), (soft_shrink, "soft_shrink"), (squareplus, "squareplus"),
                   (threshold, "threshold"), (sparsemax, "sparsemax")]:
    _fn._densekit_spec = _spec(_name)


def split(identifier):
    """(C++ activation, Python function or None) for a layer's ``activation`` argument: a
    function of the user's (written with densekit.ops, or saved as Keras saves functions) runs
    after the layer's linear part, traced on symbolic tensors (layers/layer.py)."""
    if isinstance(identifier, dict) and identifier.get("class_name") == "function":
        identifier = object_registration.retrieve_object(identifier)
    custom = (callable(identifier) and not isinstance(identifier, (type, _core.Activation))
              and getattr(identifier, "_densekit_spec", None) is None and getattr(identifier, "activation_spec", None) is None)
    return (_spec("linear"), identifier) if custom else (activation_spec(identifier), None)


def get(identifier):
    """keras.activations.get: the activation function a name, a saved dict or a function names;
    ``linear`` for None; ValueError otherwise (keras/src/activations/__init__.py). Layers read
    their ``activation`` apart (split, activation_spec)."""
    if identifier is None:
        return linear
    return object_serialization.get_named(identifier, deserialize, _functions, "activation function")


def _functions():
    """This module's activation functions by name (Keras's ALL_OBJECTS_DICT)."""
    return {name: globals()[name] for name in __all__ if name not in ("get", "serialize", "deserialize")}


def activation_spec(identifier):
    """The C++ activation for a name, one of these functions, or None (linear)."""
    if identifier is None:
        return _spec("linear")
    if isinstance(identifier, _core.Activation):
        return identifier
    if isinstance(identifier, str) or identifier is threshold:
        if identifier in ("threshold", threshold):
            # Keras resolves the name, then its call fails: the function has no defaults.
            raise TypeError("threshold() missing 2 required positional arguments: 'threshold' and 'default_value'. "
                            "Call keras.activations.threshold(x, threshold, default_value) inside a layer or model.")
        return _spec(identifier)
    if isinstance(identifier, dict):  # a parameterised activation, or an activation layer's config
        return _core.activation_from_config_json(json.dumps(identifier))
    spec = getattr(identifier, "_densekit_spec", None)
    if spec is None:
        # An activation layer instance (e.g. layers.ReLU()) carries its own spec.
        spec = getattr(identifier, "activation_spec", None)
    if spec is not None:
        return spec
    raise ValueError(
        f"Could not interpret activation function identifier: {identifier!r}. densekit runs activations in C++; "
        f"use one of: {', '.join(_core.Activation.names())}.")


def serialize(activation):
    """The name an activation is saved under (``"relu"``, ``"linear"``; the user's function under
    its registered name, as Keras saves it)."""
    if activation is threshold:  # (its name: it has no spec without its arguments)
        return "threshold"
    _, custom = split(activation)
    if custom is not None:
        return object_registration.get_registered_name(custom)
    return activation_spec(activation).name


def deserialize(config, custom_objects=None):
    """keras.activations.deserialize: the activation function a name or a saved dict names (the
    user's found in ``custom_objects``, a custom_object_scope or the registry)."""
    if isinstance(config, dict) and config.get("class_name") == "function":
        return object_registration.locate(config, custom_objects)
    custom = object_registration.get_registered_object(config, custom_objects) if isinstance(config, str) else None
    if custom is not None:
        return custom
    name = config if isinstance(config, str) else None
    return _functions()[name] if name in _functions() else globals()[activation_spec(config).name]
