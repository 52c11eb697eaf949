"""Weight initializers. Each holds a seed (drawn when created without one), so calling it
twice gives the same values, as in Keras."""

import numpy as np

from densekit import _core
from densekit.utils import object_serialization
from densekit.utils.pickling import ConfigPickling

__all__ = [
    "Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity", "Initializer", "LecunNormal",
    "LecunUniform", "Ones", "Orthogonal", "RandomNormal", "RandomUniform", "TruncatedNormal", "VarianceScaling",
    "Zeros", "deserialize", "get", "is_python", "serialize",
    "constant", "zeros", "ones", "identity", "orthogonal", "random_normal", "random_uniform", "truncated_normal",
    "variance_scaling", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform",
    "IdentityInitializer", "OrthogonalInitializer",
]


def _scaling(scale, mode, distribution):
    return {"scale": scale, "mode": mode, "distribution": distribution}


_VARIANCE_SCALING = {  # keras/src/initializers/random_initializers.py
    "glorot_normal": _scaling(1.0, "fan_avg", "truncated_normal"), "glorot_uniform": _scaling(1.0, "fan_avg", "uniform"),
    "he_normal": _scaling(2.0, "fan_in", "truncated_normal"), "he_uniform": _scaling(2.0, "fan_in", "uniform"),
    "lecun_normal": _scaling(1.0, "fan_in", "truncated_normal"), "lecun_uniform": _scaling(1.0, "fan_in", "uniform"),
}


class Initializer(ConfigPickling):
    """Base of the initializers. densekit's compute in C++; a subclass of the user's with its own
    ``__call__(shape, dtype=None)`` (or a function given where an initializer goes) computes in
    Python, once, when the layer's weights are created (``is_python``)."""

    _core_name = None
    _core = None  # (a subclass of the user's that never calls super().__init__(), as Keras's guide writes one)

    def __init__(self, seed=None, **params):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
        self.seed = seed
        if self._core_name is None:  # the user's subclass: its __call__ gives the values
            self._core, self._params = None, params
            return
        for key, value in params.items():
            # A NaN or infinite parameter would give non-finite weights, and in a layer's config
            # (JSON, which has neither) it would read back as absent: the default, silently.
            if not _finite(value):
                raise ValueError(f"Argument `{key}` of {type(self).__name__} must be finite. Received: {key}={value!r}")
        self._core = _core.Initializer.from_name(self._core_name, None if seed is None else int(seed) % 2**64)
        for key, value in params.items():
            setattr(self._core, key, value)
        self._params = params

    def __getattr__(self, name):
        # Keras's initializers keep their arguments as attributes (RandomNormal().stddev,
        # GlorotUniform().mode): here the arguments given to C++, or the variance scaling's
        # own for the Glorot, He and Lecun classes, which Keras derives from VarianceScaling.
        params = self.__dict__.get("_params") or {}
        if name in params:
            return params[name]
        scaling = _VARIANCE_SCALING.get(self.__dict__.get("_core_name") or type(self)._core_name)
        if scaling is not None and name in scaling:
            return scaling[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __call__(self, shape, dtype=None):
        """The values for a weight of ``shape`` (a tuple, or an int for a vector), computed in
        float32 and given as ``dtype`` when one is named, as Keras gives them."""
        values = self._core([int(d) for d in ((shape,) if isinstance(shape, (int, np.integer)) else shape)])
        return values if dtype is None else values.astype(getattr(dtype, "name", dtype))

    def get_config(self):
        config = {k: v for k, v in self._params.items()}
        if self._core_name not in ("zeros", "ones", "constant", "identity"):
            config["seed"] = self.seed
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _finite(value):
    """False for a number (or array of numbers) holding NaN or infinity; True for anything else."""
    try:
        numbers = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return True  # a name (mode="fan_in") or None: not a number to check
    return bool(np.all(np.isfinite(numbers)))


class PythonFunction(Initializer):
    """A function ``fn(shape, dtype=None)`` given as an initializer."""

    def __init__(self, fn):
        self.fn, self.seed, self._core, self._params = fn, None, None, {}

    def __call__(self, shape, dtype=None):
        return self.fn(shape, dtype=dtype)

    def __repr__(self):
        return f"<initializer {getattr(self.fn, '__name__', self.fn)!r}>"


def is_python(initializer):
    """Whether ``initializer`` computes in Python (a function, or a subclass of the user's)."""
    return isinstance(initializer, Initializer) and initializer._core is None


def values(initializer, shape):
    """A Python initializer's values for a weight of ``shape``, checked and as float32."""
    out = np.asarray(initializer(tuple(int(d) for d in shape), dtype="float32"), dtype=np.float32)
    if out.shape != tuple(shape):
        raise ValueError(f"The initializer {initializer!r} returned values of shape {out.shape} for a weight of "
                         f"shape {tuple(shape)}.")
    return np.ascontiguousarray(out)


def _fan_axes(input_axes, output_axes):
    """Keras 3.15's arguments naming a kernel's fan axes (keras/src/initializers/
    random_initializers.py), written into its configs as None: densekit's kernels are 2-D, the
    fans their two axes."""
    if input_axes is not None or output_axes is not None:
        raise ValueError("densekit's initializers take the fans from 2-D kernels: `input_axes` and `output_axes` must "
                         f"be None. Received: input_axes={input_axes!r}, output_axes={output_axes!r}")


def _simple(class_name, core_name, doc):
    cls = type(class_name, (Initializer,), {"_core_name": core_name, "__doc__": doc})

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        _fan_axes(input_axes, output_axes)
        Initializer.__init__(self, seed)

    cls.__init__ = __init__
    return cls


class Zeros(Initializer):
    """All zeros."""
    _core_name = "zeros"

    def __init__(self):
        super().__init__()


class Ones(Initializer):
    """All ones."""
    _core_name = "ones"

    def __init__(self):
        super().__init__()


class Constant(Initializer):
    """Every value equal to ``value``: a scalar, or an array of one element (the TF imbalanced-data
    tutorial's ``Constant(np.log([pos / neg]))``), which Keras broadcasts to any shape."""
    _core_name = "constant"

    def __init__(self, value=0.0):
        if np.size(value) != 1:
            raise ValueError("densekit's Constant initializer takes one value (a scalar or an array of one element). "
                             f"Received: value={value!r}")
        self.value = value
        super().__init__(value=float(np.asarray(value).reshape(())))

    @classmethod
    def from_config(cls, config):
        value = config.get("value", 0.0)
        if isinstance(value, dict) and value.get("class_name") == "__numpy__":  # Keras's saved numpy array
            value = np.asarray(value["config"]["value"], dtype=value["config"].get("dtype"))
        return cls(value)


class RandomNormal(Initializer):
    _core_name = "random_normal"

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed, mean=float(mean), stddev=float(stddev))


class TruncatedNormal(Initializer):
    """Normal values cut at ±2 standard deviations (redrawn), not rescaled."""
    _core_name = "truncated_normal"

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed, mean=float(mean), stddev=float(stddev))


class RandomUniform(Initializer):
    _core_name = "random_uniform"

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed, minval=float(minval), maxval=float(maxval))


class VarianceScaling(Initializer):
    """``scale / fan`` variance; fan from ``mode``; truncated normal, normal or uniform."""
    _core_name = "variance_scaling"

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None, input_axes=None,
                 output_axes=None):
        _fan_axes(input_axes, output_axes)
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        if mode not in {"fan_in", "fan_out", "fan_avg"}:
            raise ValueError(f"Invalid `mode` argument: expected one of {{'fan_in', 'fan_out', 'fan_avg'}}. Received: mode={mode}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"  # as Keras does
        if distribution not in {"uniform", "truncated_normal", "untruncated_normal"}:
            raise ValueError("Invalid `distribution` argument: expected one of {'uniform', 'truncated_normal', "
                             f"'untruncated_normal'}}. Received: distribution={distribution}")
        super().__init__(seed, scale=float(scale), mode=mode, distribution=distribution)


GlorotUniform = _simple("GlorotUniform", "glorot_uniform", "Uniform in ±sqrt(6 / (fan_in + fan_out)).")
GlorotNormal = _simple("GlorotNormal", "glorot_normal", "Truncated normal, stddev sqrt(2 / (fan_in + fan_out)).")
HeNormal = _simple("HeNormal", "he_normal", "Truncated normal, stddev sqrt(2 / fan_in).")
HeUniform = _simple("HeUniform", "he_uniform", "Uniform in ±sqrt(6 / fan_in).")
LecunNormal = _simple("LecunNormal", "lecun_normal", "Truncated normal, stddev sqrt(1 / fan_in).")
LecunUniform = _simple("LecunUniform", "lecun_uniform", "Uniform in ±sqrt(3 / fan_in).")


class Orthogonal(Initializer):
    _core_name = "orthogonal"

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed, gain=float(gain))


class Identity(Initializer):
    _core_name = "identity"

    def __init__(self, gain=1.0):
        super().__init__(gain=float(gain))


# Keras's other names for the classes (keras/src/initializers/__init__.py exports them too).
constant, zeros, ones, identity, orthogonal = Constant, Zeros, Ones, Identity, Orthogonal
random_normal, random_uniform, truncated_normal, variance_scaling = (RandomNormal, RandomUniform, TruncatedNormal,
                                                                     VarianceScaling)
glorot_normal, glorot_uniform, he_normal, he_uniform = GlorotNormal, GlorotUniform, HeNormal, HeUniform
lecun_normal, lecun_uniform = LecunNormal, LecunUniform
IdentityInitializer, OrthogonalInitializer = Identity, Orthogonal

_ALIASES = {"normal": RandomNormal, "uniform": RandomUniform, "zero": Zeros, "one": Ones,
            "IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal}
_BY_NAME = {}
for _cls in [Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, GlorotUniform,
             GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal, Identity]:
    _BY_NAME[_cls.__name__] = _cls
    _BY_NAME[_cls._core_name] = _cls
_BY_NAME.update(_ALIASES)


def serialize(initializer):
    """keras.initializers.serialize: the initializer's Keras config."""
    return object_serialization.serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    """keras.initializers.deserialize: the initializer a name ("glorot_uniform", "Zeros") or a
    serialize() dict names."""
    return object_serialization.deserialize_named(config, custom_objects, _BY_NAME, (Initializer,), "initializer")


def get(identifier):
    """An initializer instance from a name (a fresh instance, so a fresh seed), or as given;
    None stays None (the layer then uses Keras's default for its weight, see ``core``)."""
    if identifier is None:
        return None
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Initializer):  # (an instance with its defaults, as Keras makes)
        return get(identifier())
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    if isinstance(identifier, dict) and identifier.get("class_name") in _BY_NAME:
        return _BY_NAME[identifier["class_name"]].from_config(identifier.get("config", {}))
    if isinstance(identifier, dict) and "class_name" in identifier and identifier["class_name"] not in _BY_NAME:
        # the user's function or Initializer subclass, found as Keras finds it (custom_objects, ...)
        from densekit.utils.object_registration import retrieve_object
        return get(retrieve_object(identifier))
    if callable(identifier) and not isinstance(identifier, type):
        return PythonFunction(identifier)
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}. "
                     f"Valid names are: {', '.join(_core.Initializer.names())}.")


def core(initializer):
    """The C++ initializer of a layer weight. None is Keras's ``add_weight`` default for a float
    weight, glorot_uniform (keras/src/layers/layer.py), as for ``Dense(1, bias_initializer=None)``."""
    if is_python(initializer):  # the C++ layer starts at zeros; Python sets the values once built
        return Zeros()._core
    return (initializer if initializer is not None else GlorotUniform())._core
