"""Optimizers: configuration here, the update rules in C++ over the model's flat buffers.

The learning rate is a float (a float32 variable, settable), a LearningRateSchedule (evaluated
in C++ at every step), or a Python callable. A callable costs one call into Python per update
(the C++ loop takes the GIL for it); a schedule class of densekit.optimizers.schedules costs
nothing."""

import numbers
import warnings

import numpy as np

from densekit import _core
from densekit.optimizers import schedules
from densekit.utils import naming

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Nadam", "Optimizer", "RMSprop", "get",
           "schedules"]


def _float(name, value, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or isinstance(value, numbers.Integral):
        raise ValueError(f"Argument `{name}` should be float. Received: {name}={value!r} (of type {type(value)})")
    return float(value)


def _check_learning_rate(learning_rate):
    if isinstance(learning_rate, dict):  # a saved schedule
        learning_rate = schedules.deserialize(learning_rate)
    if isinstance(learning_rate, schedules.LearningRateSchedule) or callable(learning_rate):
        return learning_rate
    if not isinstance(learning_rate, numbers.Real) or isinstance(learning_rate, (bool, numbers.Integral)):
        raise ValueError(
            "Argument `learning_rate` should be float, or an instance of LearningRateSchedule, or a callable "
            "(that takes in the current iteration value and returns the corresponding learning rate value). "
            f"Received instead: learning_rate={learning_rate!r}")
    return float(learning_rate)


class LearningRateValue(float):
    """``optimizer.learning_rate``: the float32 value as a Python float that also answers the
    variable methods tutorials call (``.numpy()``, ``.assign(v)``)."""

    def __new__(cls, value, optimizer=None):
        obj = super().__new__(cls, value)
        obj._optimizer = optimizer
        return obj

    def numpy(self):
        return np.float32(self)

    def assign(self, value):
        self._optimizer.learning_rate = value

    @property
    def value(self):
        return float(self)


class Optimizer:
    """Base optimizer: learning_rate, weight_decay, clipnorm / clipvalue / global_clipnorm,
    EMA of the weights (use_ema, ema_momentum, ema_overwrite_frequency), loss_scale_factor and
    gradient_accumulation_steps (as in keras/src/optimizers/base_optimizer.py)."""

    _kind = None

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if "decay" in kwargs:
            kwargs.pop("decay")
            warnings.warn("Argument `decay` is no longer supported and will be ignored.", UserWarning, stacklevel=3)
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if gradient_accumulation_steps:
            steps = gradient_accumulation_steps
            if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or not steps >= 2:
                raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. Received: "
                                 f"gradient_accumulation_steps={gradient_accumulation_steps}")
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError(f"`ema_momentum` must be in the range [0, 1]. Received: ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (isinstance(ema_overwrite_frequency, bool)
                                            or not isinstance(ema_overwrite_frequency, numbers.Integral)
                                            or ema_overwrite_frequency < 1):
                raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. Received: "
                                 f"ema_overwrite_frequency={ema_overwrite_frequency}")
        learning_rate = _check_learning_rate(learning_rate)
        self.name = name or naming.auto_name(type(self).__name__)
        self._extra = {}
        config = _core.OptimizerConfig.from_name(self._kind)
        if isinstance(learning_rate, float):
            config.learning_rate = learning_rate
        config.weight_decay = _float("weight_decay", weight_decay, allow_none=True)
        config.clipnorm = _float("clipnorm", clipnorm, allow_none=True)
        config.clipvalue = _float("clipvalue", clipvalue, allow_none=True)
        config.global_clipnorm = _float("global_clipnorm", global_clipnorm, allow_none=True)
        config.use_ema = bool(use_ema)
        config.ema_momentum = float(ema_momentum)
        config.ema_overwrite_frequency = int(ema_overwrite_frequency or 0) if use_ema else 0
        config.loss_scale_factor = None if loss_scale_factor is None else float(loss_scale_factor)
        config.gradient_accumulation_steps = int(gradient_accumulation_steps or 0)
        config.name = self.name
        self._config = config
        self._learning_rate = learning_rate  # float, schedule or callable
        self.use_ema = bool(use_ema)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps

    def _set(self, **params):
        for key, value in params.items():
            setattr(self._config, key, value)
            self._extra[key] = value

    def _finish(self):
        """Creates the C++ optimizer (validating every hyperparameter)."""
        self._core = _core.Optimizer(self._config)
        self._install_learning_rate(self._learning_rate)

    def _install_learning_rate(self, learning_rate):
        if isinstance(learning_rate, schedules.LearningRateSchedule) and learning_rate._core is not None:
            self._core.set_schedule(learning_rate._core)  # evaluated in C++ at every step
        elif isinstance(learning_rate, schedules.LearningRateSchedule):
            # A user-defined schedule: its __call__(step) runs in Python once per update.
            self._core.set_learning_rate_function(lambda step: float(learning_rate(step)))
        elif callable(learning_rate):
            # Keras's zero-argument callable: one call into Python per update.
            self._core.set_learning_rate_function(lambda step: float(learning_rate()))

    @property
    def learning_rate(self):
        """The learning rate of the next update: a float (the variable's float32 value, or the
        schedule / callable evaluated at the current step)."""
        return LearningRateValue(self._core.learning_rate, self)

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, schedules.LearningRateSchedule) or callable(value):
            self._learning_rate = value
            self._install_learning_rate(value)
            return
        self._core.learning_rate = float(value)  # TypeError when a schedule decides the rate
        self._learning_rate = float(self._core.config.learning_rate)

    @property
    def iterations(self):
        """Updates applied (with gradient accumulation: steps // gradient_accumulation_steps)."""
        return self._core.iterations

    @property
    def built(self):
        return self._core.built

    def count_params(self):
        """Keras's count of optimizer variables (iteration, learning_rate, slots, EMA averages,
        gradient accumulators) once built."""
        return self._core.variable_count if self._core.built else 0

    def finalize_variable_values(self, model_or_variables=None):
        """With use_ema: the weights take their moving averages (fit does this at its end)."""
        model = model_or_variables
        graph = getattr(model, "_graph", None)
        if graph is None:
            raise ValueError("finalize_variable_values() needs the model whose weights this optimizer trains.")
        self._core.finalize(graph)

    def get_config(self):
        c = self._core.config
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            learning_rate = schedules.serialize(lr)
        elif callable(lr):
            learning_rate = lr
        else:
            learning_rate = float(self.learning_rate)
        return {"name": self.name, "learning_rate": learning_rate, "weight_decay": c.weight_decay,
                "clipnorm": c.clipnorm, "global_clipnorm": c.global_clipnorm, "clipvalue": c.clipvalue,
                "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency, "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps, **self._extra}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)

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
    """The Python optimizer for a loaded C++ optimizer (its slots, iteration count and
    schedule, restored in C++)."""
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
