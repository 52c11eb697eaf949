"""Optimizers: configuration here, the update rules in C++ over the model's flat buffers."""

import numbers
import warnings

from densekit import _core
from densekit.utils import naming

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Nadam", "Optimizer", "RMSprop", "get"]

_UNSUPPORTED = {"use_ema": False, "ema_overwrite_frequency": None, "loss_scale_factor": None,
                "gradient_accumulation_steps": None}


def _float(name, value, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or isinstance(value, numbers.Integral):
        raise ValueError(f"Argument `{name}` should be float. Received: {name}={value!r} (of type {type(value)})")
    return float(value)


class Optimizer:
    """Base optimizer: learning_rate, weight_decay, clipnorm / clipvalue / global_clipnorm."""

    _kind = None

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if "decay" in kwargs:
            kwargs.pop("decay")
            warnings.warn("Argument `decay` is no longer supported and will be ignored.", UserWarning, stacklevel=3)
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        given = {"use_ema": use_ema, "ema_overwrite_frequency": ema_overwrite_frequency,
                 "loss_scale_factor": loss_scale_factor, "gradient_accumulation_steps": gradient_accumulation_steps}
        for key, value in given.items():
            if value != _UNSUPPORTED[key]:
                raise ValueError(f"densekit does not support `{key}` yet. Received: {key}={value!r}")
        if callable(learning_rate) or not isinstance(learning_rate, numbers.Real) or isinstance(learning_rate, bool) \
                or isinstance(learning_rate, numbers.Integral):
            raise ValueError(
                "Argument `learning_rate` should be float, or an instance of LearningRateSchedule, or a callable "
                f"(that takes in the current iteration value and returns the corresponding learning rate value). "
                f"Received instead: learning_rate={learning_rate!r}")
        self.name = name or naming.auto_name(type(self).__name__)
        self._extra = {}
        config = _core.OptimizerConfig.from_name(self._kind)
        config.learning_rate = float(learning_rate)
        config.weight_decay = _float("weight_decay", weight_decay, allow_none=True)
        config.clipnorm = _float("clipnorm", clipnorm, allow_none=True)
        config.clipvalue = _float("clipvalue", clipvalue, allow_none=True)
        config.global_clipnorm = _float("global_clipnorm", global_clipnorm, allow_none=True)
        config.name = self.name
        self._config = config
        self.ema_momentum = ema_momentum

    def _set(self, **params):
        for key, value in params.items():
            setattr(self._config, key, value)
            self._extra[key] = value

    def _finish(self):
        """Creates the C++ optimizer (validating every hyperparameter)."""
        self._core = _core.Optimizer(self._config)

    @property
    def learning_rate(self):
        return self._core.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._core.learning_rate = float(value)

    @property
    def iterations(self):
        return self._core.iterations

    @property
    def built(self):
        return self._core.built

    def count_params(self):
        """Keras's count of optimizer variables (iteration, learning_rate, slots) once built."""
        return self._core.variable_count if self._core.built else 0

    def get_config(self):
        c = self._core.config
        return {"name": self.name, "learning_rate": self.learning_rate, "weight_decay": c.weight_decay,
                "clipnorm": c.clipnorm, "global_clipnorm": c.global_clipnorm, "clipvalue": c.clipvalue,
                "use_ema": False, "ema_momentum": self.ema_momentum, "ema_overwrite_frequency": None,
                "loss_scale_factor": None, "gradient_accumulation_steps": None, **self._extra}

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name} learning_rate={self.learning_rate}>"


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum."""
    _kind = "SGD"

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        if not isinstance(momentum, float) or not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: momentum={momentum!r}")
        self._set(momentum=momentum, nesterov=bool(nesterov))
        self._finish()


class Adam(Optimizer):
    """Adam with Keras's epsilon-hat form."""
    _kind = "Adam"

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self._set(beta_1=float(beta_1), beta_2=float(beta_2), epsilon=float(epsilon), amsgrad=bool(amsgrad))
        self._finish()


class AdamW(Optimizer):
    """Adam with decoupled weight decay (default 0.004)."""
    _kind = "AdamW"

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")
        super().__init__(learning_rate, weight_decay=weight_decay, **kwargs)
        self._set(beta_1=float(beta_1), beta_2=float(beta_2), epsilon=float(epsilon), amsgrad=bool(amsgrad))
        self._finish()


class RMSprop(Optimizer):
    """RMSprop (epsilon inside the square root), optionally centered and with momentum."""
    _kind = "RMSprop"

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self._set(rho=float(rho), momentum=float(momentum), epsilon=float(epsilon), centered=bool(centered))
        self._finish()


class Adagrad(Optimizer):
    _kind = "Adagrad"

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self._set(initial_accumulator_value=float(initial_accumulator_value), epsilon=float(epsilon))
        self._finish()


class Adadelta(Optimizer):
    _kind = "Adadelta"

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self._set(rho=float(rho), epsilon=float(epsilon))
        self._finish()


class Adamax(Optimizer):
    _kind = "Adamax"

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self._set(beta_1=float(beta_1), beta_2=float(beta_2), epsilon=float(epsilon))
        self._finish()


class Nadam(Optimizer):
    _kind = "Nadam"

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self._set(beta_1=float(beta_1), beta_2=float(beta_2), epsilon=float(epsilon))
        self._finish()


_CLASSES = {cls.__name__.lower(): cls for cls in [SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam]}


def deserialize(config):
    """An optimizer from its saved config ({"class_name": "Adam", "config": {...}})."""
    cls = _CLASSES.get(str(config.get("class_name", "")).lower())
    if cls is None:
        raise ValueError(f"Could not interpret optimizer config: {config!r}. Valid classes are: {', '.join(_CLASSES)}.")
    return cls(**config.get("config", {}))


def _wrap(core, config):
    """The Python optimizer for a loaded C++ optimizer (its slots and iteration count)."""
    optimizer = deserialize(config)
    optimizer._core = core
    return optimizer


def get(identifier):
    """A fresh optimizer for a name (case-insensitive), or the instance given."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _CLASSES:
        return _CLASSES[identifier.lower()]()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}. "
                     f"Valid names are: {', '.join(_CLASSES)}.")
