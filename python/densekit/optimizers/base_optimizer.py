"""The Optimizer base (keras/src/optimizers/base_optimizer.py): the arguments every optimizer
shares, and the C++ optimizer built from the whole Keras config. Each family's arguments are in
its own module (adam.py, sgd.py, ...); validation and the update rules are in C++.

The learning rate is a float (a float32 variable, settable), a LearningRateSchedule (evaluated
in C++ at every step), or a Python callable. A callable costs one call into Python per update
(the C++ loop takes the GIL for it); a schedule class of densekit.optimizers.schedules costs
nothing."""

import json
import numbers
import re
import warnings
import weakref

import numpy as np

from densekit import _core
from densekit.optimizers import optimizer_variables, schedules
from densekit.utils import naming
from densekit.utils.pickling import ConfigPickling

def _float(name, value, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):  # (an int is taken, as Keras takes it)
        raise ValueError(f"Argument `{name}` should be a number. Received: {name}={value!r} (of type {type(value)})")
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


class _VariableValue:
    """A Python number read from the optimizer that also answers the methods of the Keras
    variable it stands for (``.numpy()`` in ``_dtype``, ``.value``, ``.assign(v)``), and prints
    as it does (keras/src/backend/common/variables.py, Variable.__repr__)."""

    shape = ()

    def __new__(cls, value, optimizer=None):
        obj = super().__new__(cls, value)
        obj._optimizer = optimizer
        return obj

    def numpy(self):
        return self._dtype(self)

    @property
    def value(self):
        return self.numpy().item()

    @property
    def dtype(self):
        return np.dtype(self._dtype).name

    @property
    def path(self):
        return f"{self._optimizer.name}/{self._name}" if self._optimizer is not None else self._name

    def __repr__(self):
        return f"<Variable path={self.path}, shape=(), dtype={self.dtype}, value={self._base.__repr__(self)}>"

    __str__ = __repr__

    def __format__(self, spec):  # a format spec formats the number (Keras's Variable refuses one)
        return str(self) if not spec else self._base.__format__(self, spec)


class LearningRateValue(_VariableValue, float):
    """``optimizer.learning_rate``: the float32 value as a Python float."""
    _dtype, _base, _name = np.float32, float, "learning_rate"

    def assign(self, value):
        self._optimizer.learning_rate = value


class IterationsValue(_VariableValue, int):
    """``optimizer.iterations``: the update count, Keras's int64 ``iterations`` variable."""
    _dtype, _base, _name = np.int64, int, "iteration"

    def assign(self, value):
        # An int64 variable in Keras: an integer, not a string or a float that int() would take.
        integral = isinstance(value, numbers.Integral) or (np.ndim(value) == 0 and np.asarray(value).dtype.kind in "iu")
        if isinstance(value, bool) or not integral:
            raise TypeError(f"optimizer.iterations takes an integer. Received: {value!r} of type {type(value).__name__}")
        count = int(value)
        if count < 0:
            raise ValueError(f"The iteration count cannot be negative. Received: {value}")
        if count > np.iinfo(np.int64).max:
            raise ValueError(f"The iteration count must fit in 64 bits (at most 2**63 - 1). Received: {value}")
        self._optimizer._core.iterations = count


class Optimizer(ConfigPickling):
    """Base optimizer: learning_rate, weight_decay, clipnorm / clipvalue / global_clipnorm,
    EMA of the weights (use_ema, ema_momentum, ema_overwrite_frequency), loss_scale_factor and
    gradient_accumulation_steps (as in keras/src/optimizers/base_optimizer.py). Each optimizer
    takes its own arguments, then these (``*common``) in this order, positionally as in Keras."""

    _kind = None
    _core_pickled_by_config = True  # (utils/pickling.py; a copy starts unbuilt at step 0, as Keras's)

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if "decay" in kwargs:
            kwargs.pop("decay")
            warnings.warn("Argument `decay` is no longer supported and will be ignored.", UserWarning, stacklevel=3)
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if self._kind is None:
            raise TypeError(f"{type(self).__name__} is not one of densekit's optimizers, whose updates run in C++: use "
                            "Adam, SGD, RMSprop, AdamW, Adagrad, Adadelta, Adamax, Nadam, Ftrl, Lion or Lamb.")
        # Types here; ranges in C++ (OptimizerConfig::validate), both in Keras's words.
        steps = gradient_accumulation_steps
        if steps and (isinstance(steps, bool) or not isinstance(steps, numbers.Integral)):
            raise ValueError(f"`gradient_accumulation_steps` must be an integer >= 2. Received: "
                             f"gradient_accumulation_steps={steps}")
        frequency = ema_overwrite_frequency
        if use_ema and frequency and (isinstance(frequency, bool) or not isinstance(frequency, numbers.Integral)):
            raise ValueError(f"`ema_overwrite_frequency` must be an integer >= 1 or None. Received: "
                             f"ema_overwrite_frequency={frequency}")
        learning_rate = _check_learning_rate(learning_rate)
        self.name = name or naming.auto_name(type(self).__name__)
        self._learning_rate = learning_rate  # float, schedule or callable
        self.use_ema = bool(use_ema)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._common = {
            "name": self.name, "weight_decay": _float("weight_decay", weight_decay, allow_none=True),
            "clipnorm": _float("clipnorm", clipnorm, allow_none=True),
            "global_clipnorm": _float("global_clipnorm", global_clipnorm, allow_none=True),
            "clipvalue": _float("clipvalue", clipvalue, allow_none=True), "use_ema": self.use_ema,
            "ema_momentum": float(ema_momentum),
            "ema_overwrite_frequency": (int(ema_overwrite_frequency or 0) or None) if use_ema else None,
            "loss_scale_factor": None if loss_scale_factor is None else float(loss_scale_factor),
            "gradient_accumulation_steps": int(gradient_accumulation_steps or 0) or None,
        }
        if isinstance(learning_rate, float):
            self._common["learning_rate"] = learning_rate

    def _build(self, **family):
        """Creates the C++ optimizer from the Keras config: the common arguments and the family's
        (``family``), validated in C++."""
        self._extra = family
        family = {key: float(value) if isinstance(value, np.floating) else value for key, value in family.items()}
        config = {"class_name": self._kind, "config": {**self._common, **family}}
        for key, value in config["config"].items():
            # JSON has no NaN or infinity: C++ would get a parse error instead of the value to refuse.
            if isinstance(value, float) and not np.isfinite(value):
                kind = "a non-negative finite" if key == "learning_rate" else "a finite"
                raise ValueError(f"Argument `{key}` must be {kind} float. Received: {key}={value}")
        self._core = _core.Optimizer(_core.OptimizerConfig.from_json(json.dumps(config)))
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
        if isinstance(value, (str, bytes)):  # float() would take "0.1"; Keras's float32 variable does not
            raise TypeError(f"The learning rate must be a number or a schedule. Received: {value!r}")
        self._core.learning_rate = float(value)  # TypeError when a schedule decides the rate
        self._learning_rate = float(self._core.config.learning_rate)

    @property
    def iterations(self):
        """Updates applied (with gradient accumulation: steps // gradient_accumulation_steps)."""
        return IterationsValue(self._core.iterations, self)

    @property
    def built(self):
        return self._core.built

    @property
    def variables(self):
        """Keras's list: ``iteration``, ``learning_rate`` (a float rate), and once the first
        training step built them, the slots of every trainable weight, each a live view."""
        return optimizer_variables.variables(self, LearningRateValue, IterationsValue)

    def _compiled_into(self, model):
        """Remembers a model compiled with this optimizer; the one whose weights it was built
        for gives ``variables`` their slots."""
        models = self.__dict__.setdefault("_models", [])
        models[:] = [ref for ref in models if ref() is not None and ref() is not model]
        models.append(weakref.ref(model))
        self._exclude_in(model)

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Keras's: no weight decay for the weights in ``var_list``, nor for those whose name any
        string of ``var_names`` is found in (a regular expression each), the name being the
        variable's as TensorFlow names it (``dense/kernel:0``, ``sequential/dense/kernel:0`` in a
        Sequential: "bias" finds every bias, "dense" the weights of the layer named so). Before the optimizer's first step; replaces
        an earlier call. Items of ``var_list`` that are not a model's weights exclude nothing."""
        if self._core.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the optimizer is built.")
        weights = [(w._layer, w._index) for w in var_list or [] if hasattr(w, "_layer") and hasattr(w, "_index")]
        pattern = re.compile("|".join(set(var_names))) if var_names else None
        self._decay_exclusions = (weights, pattern)
        model = self._latest_model()
        if model is not None:
            self._exclude_in(model)

    def _exclude_in(self, model):
        """Hands C++ the model's weights excluded from weight decay (at compile, and when
        exclude_from_weight_decay follows compile)."""
        exclusions = self.__dict__.get("_decay_exclusions")
        if exclusions is None or self._core.built:
            return
        weights, pattern = exclusions
        excluded = [w for w in model.trainable_weights
                    if any(w._layer is layer and w._index == index for layer, index in weights)
                    or (pattern is not None and pattern.search(self._tensorflow_name(model, w)) is not None)]
        model._core.exclude_from_weight_decay([(w._layer._core, w._index) for w in excluded])

    @staticmethod
    def _tensorflow_name(model, weight):
        """A weight's name as TensorFlow's variables have it: a Sequential's path starts with the
        model's name (sequential/dense/kernel:0), a functional model's does not (dense/kernel:0)."""
        prefix = f"{model.name}/" if model._core.class_name == "Sequential" else ""
        return f"{prefix}{weight.path}:0"

    def _latest_model(self):
        for ref in reversed(self.__dict__.get("_models", [])):
            if ref() is not None and ref()._core is not None:
                return ref()
        return None

    def _built_model(self):
        if not self._core.built:
            return None
        for ref in self.__dict__.get("_models", []):
            model = ref()
            if model is not None and model._core is not None and self._core.built_for(model._core):
                return model
        return None

    def count_params(self):
        """Keras's count of optimizer variables (iteration, learning_rate, slots, EMA averages,
        gradient accumulators) once built."""
        return self._core.variable_count if self._core.built else 0

    def finalize_variable_values(self, model_or_variables=None):
        """With use_ema: the weights take their moving averages (fit does this at its end). Takes
        the model, or Keras's ``var_list`` (its trainable variables): the averages are kept for the
        whole model the optimizer was built for, so all of its trainable weights take theirs."""
        model = model_or_variables
        if isinstance(model, (list, tuple)):
            model = self._built_model()
            if model is None:  # not built: nothing averaged yet
                return
        if getattr(model, "_core", None) is None:
            raise ValueError("finalize_variable_values() needs the model whose weights this optimizer trains.")
        model._core.finalize_ema(self._core)

    def get_config(self):
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            learning_rate = schedules.serialize(lr)
        elif callable(lr):
            learning_rate = lr
        else:
            learning_rate = float(self.learning_rate)
        c = self._common
        return {"name": self.name, "learning_rate": learning_rate, "weight_decay": c["weight_decay"],
                "clipnorm": c["clipnorm"], "global_clipnorm": c["global_clipnorm"], "clipvalue": c["clipvalue"],
                "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency, "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps, **self._extra}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)

    def __getattr__(self, name):
        # Keras's optimizers keep their arguments as attributes (optimizer.beta_1, .weight_decay,
        # .clipnorm...); here they live in the config C++ was built from.
        for arguments in (self.__dict__.get("_extra"), self.__dict__.get("_common")):
            if arguments is not None and name in arguments:
                return arguments[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        # Keras's update reads its hyperparameters from the attributes (optimizer.momentum = 0.9
        # before training takes effect); here they are in the C++ optimizer's config, which is
        # rebuilt with the new value, validated as the constructor validates it.
        if name in _SETTABLE_COMMON or name in (self.__dict__.get("_extra") or {}):
            if "_core" in self.__dict__:
                self._reconfigure(name, value)
                return
        object.__setattr__(self, name, value)

    def _reconfigure(self, name, value):
        if self._core.built:
            raise ValueError(f"`{name}` cannot change once the optimizer has taken a training step (its C++ update is "
                             f"built with it): create a new {type(self).__name__} with {name}={value!r} and compile "
                             "the model with it.")
        fresh = type(self).from_config({**self.get_config(), "learning_rate": self._learning_rate, name: value})
        fresh._core.raw_iterations = self._core.raw_iterations  # (a count assigned before training stays)
        keys = [key for key in ("_common", "_extra", "_core", *_SETTABLE_COMMON) if key in fresh.__dict__]
        before = {key: self.__dict__[key] for key in keys if key in self.__dict__}
        models = [ref() for ref in self.__dict__.get("_models", [])]
        models = [m for m in models if m is not None and m.optimizer is self and m._core is not None and m._core.compiled]
        for key in keys:
            object.__setattr__(self, key, fresh.__dict__[key])
        done = []
        try:
            for model in models:  # models compiled with it take the new update
                model._apply_compile()
                done.append(model)
        except BaseException:
            # (a model running a fit or evaluate refuses a compile): all as it was, or nothing changes
            self.__dict__.update(before)
            for model in done:
                model._apply_compile()
            raise

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name} learning_rate={float(self.learning_rate)}>"


# The common hyperparameters an attribute assignment changes (the learning rate has its property).
_SETTABLE_COMMON = ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "use_ema", "ema_momentum",
                    "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps")


