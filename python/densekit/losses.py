"""Losses (computed by the C++ core): Keras's functions (per-sample values) and classes
(reduced scalars, default reduction ``sum_over_batch_size``)."""

import types
import warnings

import numpy as np

from densekit import _core
from densekit.layers.keras_tensor import KerasTensor
from densekit.utils import object_serialization
from densekit.utils.arguments import by_position, check_axis_fits, class_axis, compute_dtype, set_fields
from densekit.utils.naming import to_snake_case
from densekit.utils.object_registration import serialize_object, with_function
from densekit.utils.pickling import ConfigPickling

__all__ = [
    "BinaryCrossentropy", "BinaryFocalCrossentropy", "CategoricalCrossentropy", "CategoricalFocalCrossentropy",
    "binary_focal_crossentropy", "categorical_focal_crossentropy", "CategoricalHinge", "CosineSimilarity", "Hinge", "Huber",
    "KLDivergence", "LogCosh", "Loss", "LossFunctionWrapper", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError",
    "MeanSquaredLogarithmicError", "Poisson", "SparseCategoricalCrossentropy", "SquaredHinge",
    "binary_crossentropy", "categorical_crossentropy", "categorical_hinge", "cosine_similarity", "get", "hinge",
    "huber", "kl_divergence", "log_cosh", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_error", "mean_squared_logarithmic_error", "poisson", "sparse_categorical_crossentropy",
    "squared_hinge", "serialize", "deserialize",
]

_REDUCTIONS = {"sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None}


def _arrays(y_true, y_pred):
    return np.ascontiguousarray(y_true, dtype=np.float32), np.ascontiguousarray(y_pred, dtype=np.float32)


def _same_rank(x1, x2):
    """Keras's squeeze_or_expand_to_same_rank (keras/src/losses/loss.py): when the ranks differ by
    one and the longer has a last axis of 1, the shorter gains that axis if it is 1-D, else the
    longer loses it. So y_true (n, 1) meets y_pred (n,) as (n, 1) and (n, 1), and per-sample
    losses (n,) meet weights (n, 1) as (n, 1) and (n, 1). Arrays, or symbolic tensors in a
    traced call (a Reshape layer then adds or removes the axis)."""
    s1, s2 = tuple(getattr(x1, "shape", np.shape(x1))), tuple(getattr(x2, "shape", np.shape(x2)))
    if len(s1) == len(s2) + 1 and s1[-1] == 1:
        return (x1, _last_axis(x2, add=True)) if len(s2) == 1 else (_last_axis(x1, add=False), x2)
    if len(s2) == len(s1) + 1 and s2[-1] == 1:
        return (_last_axis(x1, add=True), x2) if len(s1) == 1 else (x1, _last_axis(x2, add=False))
    return x1, x2


def _last_axis(x, add):
    """``x`` with a last axis of 1 added, or its last axis (of 1) removed."""
    if not isinstance(x, KerasTensor):
        return np.expand_dims(x, -1) if add else np.squeeze(x, -1)
    from densekit.layers.reshape import Reshape

    return Reshape(tuple(x.shape[1:]) + (1,) if add else tuple(x.shape[1:-1]))(x)


def _as_samples(y_true, y_pred):
    """Keras reduces a loss's last axis: a 1-D y_pred (and y_true) is one sample's values."""
    if y_pred.ndim <= 1:
        return y_true.reshape(1, -1), y_pred.reshape(1, -1)
    return y_true, y_pred


def _per_sample(core, y_true, y_pred):
    """Each sample's loss, shaped as Keras returns it: y_pred's shape without its last axis (a
    scalar for 1-D arrays)."""
    shape = y_pred.shape[:-1] if y_pred.ndim > 1 else ()
    return core.per_sample(*_as_samples(y_true, y_pred)).reshape(shape)


def _warn_single_class(loss, y_pred):
    if loss._core_name == "categorical_crossentropy" and y_pred.ndim and y_pred.shape[-1] == 1:
        warnings.warn("In loss categorical_crossentropy, expected y_pred.shape to be (batch_size, num_classes) with "
                      f"num_classes > 1. Received: y_pred.shape={y_pred.shape}. Consider using 'binary_crossentropy' "
                      "if you only have 2 classes.", SyntaxWarning, stacklevel=3)


class Loss(ConfigPickling):
    """Base of the loss classes: ``loss(y_true, y_pred, sample_weight=None)`` -> float.

    A subclass of the user's own overrides ``call(y_true, y_pred)`` (each sample's loss, written
    with densekit.ops): compile() traces it into the C++ model (trainers/traced_losses.py), and
    calling the object on arrays runs it eagerly with Keras's reduction."""

    _core_name = None
    _fixed_config = {}  # arguments Keras's config holds that densekit takes at one value only

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None, **params):
        if reduction not in _REDUCTIONS:
            raise ValueError(f"Invalid value for argument `reduction`. Expected one of {sorted(map(str, _REDUCTIONS))}. "
                             f"Received: reduction={reduction!r}")
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction, self._dtype = reduction, compute_dtype(dtype)
        self._params = params
        self._core = None  # a subclass with its own call() has no built-in C++ loss
        if self._core_name is None or type(self).call is not Loss.call:
            return  # its call() is the loss (even below a built-in class): compile() traces it
        self._core = _core.Loss.from_name(self._core_name)
        self._core.reduction = _core.Loss.reduction_from_name(reduction or "none")
        self._core.identifier = ""  # a loss object: saved as its class (loss_object() marks strings)
        self._core.display_name = self.name
        set_fields(self._core, self, params)
        self._core.validate()

    @property
    def dtype(self):
        """Keras's compute dtype of the loss, as given (float32 by default); densekit computes in
        float32 whatever it says. Keras's config does not hold it."""
        return self.__dict__.get("_dtype", "float32")

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred): the loss of each sample, "
                                  "written with densekit.ops.")

    def _traced_function(self):
        return self.call

    def __call__(self, y_true, y_pred, sample_weight=None):
        if any(isinstance(v, KerasTensor) for v in (y_true, y_pred, sample_weight)):
            check_axis_fits(self, len(y_pred.shape))
            return self._symbolic_call(y_true, y_pred, sample_weight)
        if self._core is None:
            return _reduce(self.call(*_arrays(y_true, y_pred)), sample_weight, self.reduction)
        y_true, y_pred = _same_rank(*_arrays(y_true, y_pred))  # as Keras's LossFunctionWrapper.call
        check_axis_fits(self, y_pred.ndim)
        _warn_single_class(self, y_pred)
        if self.reduction in (None, "none"):
            values = _per_sample(self._core, y_true, y_pred)
            if sample_weight is None:
                return values
            values, weights = _same_rank(values, np.asarray(sample_weight, dtype=np.float32))
            return values * weights  # then numpy's broadcasting, as Keras's reduce_weighted_values
        true_rows, pred_rows = _as_samples(y_true, y_pred)
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float32)
        if weights is not None and weights.size == 1 and len(pred_rows) > 1:
            weights = weights.reshape(())  # (a (1,) weight: a number, as Keras broadcasts it)
        if weights is not None and (pred_rows.ndim > 2 or weights.size not in (1, len(pred_rows)) or (
                weights.ndim == 0 and self.reduction == "mean_with_sample_weight")):
            # Weights that are not one per row of the C++ loss (per element, or per sample of a
            # sample of several rows), or one number, which mean_with_sample_weight divides by as
            # given: weighed and reduced as Keras's reduce_weighted_values does.
            return _reduce(*_same_rank(_per_sample(self._core, y_true, y_pred), weights), self.reduction)
        y_true, y_pred = true_rows, pred_rows
        if weights is not None and weights.ndim == 0:  # a number weighs every sample
            weights = np.full(len(y_pred), weights, dtype=np.float32)
        weights = None if weights is None else np.ascontiguousarray(weights).reshape(-1)
        value, _ = self._core.value_and_grad(y_true, y_pred, weights)
        return np.float32(value)

    def _symbolic_call(self, y_true, y_pred, sample_weight):
        """The loss on symbolic tensors, inside a traced call (the guide's LogisticEndpoint passes
        it to add_loss): each sample's loss recorded (a LossOp for a built-in loss), weighted,
        and reduced over the batch as Keras's reduce_weighted_values does."""
        from densekit.layers.operation_layers import LossOp, reduce_whole
        if self._core is not None:
            # (sparse labels are cast to integers, through which no gradient flows in Keras either)
            learned = None if "sparse" in (self._core_name or "") else weighted_ancestor(y_true)
            if learned is not None:
                raise NotImplementedError(
                    f"The loss '{self.name}' received y_true computed by layer '{learned.name}', which has weights: "
                    "densekit's built-in losses send no gradient to y_true. Write the loss with densekit.ops (its "
                    "gradient reaches both arguments), or pass ops.stop_gradient(y_true) if none should flow.")
            y_true = y_true if isinstance(y_true, KerasTensor) else np.asarray(y_true)
            values = LossOp(serialize_object(self))([y_true, y_pred])
        else:
            values = self.call(y_true, y_pred)
        if sample_weight is not None:  # ranks brought together as Keras's reduce_weighted_values does
            values, sample_weight = _same_rank(values, sample_weight)
            values = values * sample_weight
        if self.reduction in (None, "none"):
            return values
        if self.reduction == "mean_with_sample_weight" and sample_weight is not None:
            raise NotImplementedError(
                f"The loss '{self.name}' with reduction='mean_with_sample_weight' and sample weights divides by the "
                "batch's sum of weights, which densekit cannot record in a traced call; use the default reduction "
                "(sum_over_batch_size).")
        return reduce_whole(values, "sum" if self.reduction == "sum" else "mean")

    def get_config(self):
        config = {"name": self.name, "reduction": self.reduction, **self._params, **self._fixed_config}
        if "axis" in config:
            config["axis"] = getattr(self, "_axis", -1)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


# Recorded ops through which no gradient flows (piecewise constant, or stop_gradient).
_NO_GRADIENT_OPS = {"stop_gradient", "sign", "floor", "ceil", "round", "trunc", "not_zero", "logical_not", "logical_and",
                    "logical_or", "logical_xor", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
                    "isnan", "isinf", "isfinite", "signbit", "floor_divide", "rfloor_divide", "argmax", "argmin"}


def weighted_ancestor(tensor):
    """A layer with trainable weights that the symbolic ``tensor`` is computed from (through ops
    that pass a gradient), or None: what a built-in loss's y_true must not depend on."""
    seen, stack = set(), [tensor]
    while stack:
        node = getattr(stack.pop(), "_node", None)
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if getattr(node.layer, "op", None) in _NO_GRADIENT_OPS:
            continue
        core = getattr(node.layer, "_core", None)
        if core is not None and core.built and core.weight_names() and node.layer.trainable:
            return node.layer
        stack.extend(node.inputs)
    return None


def _reduce(values, sample_weight, reduction):
    """Keras's reduce_weighted_values (keras/src/losses/loss.py) for the eager call of a loss of
    Python code: the values weighted per sample, summed, and divided by their number (or by Σw)."""
    values = np.asarray(values, dtype=np.float32)
    if sample_weight is not None:
        # (n,) losses meet (n, 1) weights as (n, 1) and (n, 1), not numpy's (n, n)
        values, weights = _same_rank(values, np.asarray(sample_weight, dtype=np.float32))
        weights = weights.reshape(weights.shape + (1,) * max(values.ndim - weights.ndim, 0))
        values = values * weights
    if reduction in (None, "none") or values.ndim == 0:
        return values
    total = np.sum(values, dtype=np.float64)
    if reduction == "sum":
        return np.float32(total)
    divisor = float(np.sum(sample_weight)) if reduction == "mean_with_sample_weight" and sample_weight is not None \
        else float(values.size)
    return np.float32(total / divisor if divisor else 0.0)


class LossFunctionWrapper(Loss):
    """A loss of ``fn(y_true, y_pred, **kwargs)`` (each sample's loss) with a reduction, as
    compile() wraps a loss function (keras/src/losses/losses.py)."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"LossFunctionWrapper's `fn` must be callable. Received: fn={fn!r}")
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype)
        self.fn, self._fn_kwargs = fn, kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction, "fn": serialize_object(self.fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        return cls(**with_function(config))


def _loss_class(class_name, core_name, default_name, doc, fixed=None, positional=(), after_reduction=(),
                **defaults):
    """A built-in loss class; ``fixed``: its arguments densekit takes at Keras's default only
    (and writes in its config, as Keras does); ``positional`` and ``after_reduction``: the
    arguments Keras's signature lists before and after ``reduction``, in its order."""
    fixed = fixed or {}
    order = (*positional, "reduction", *after_reduction, "name", "dtype")

    def __init__(self, *args, **kwargs):
        kwargs = by_position(class_name, order, args, kwargs)
        reduction = kwargs.pop("reduction", "sum_over_batch_size")
        name, dtype = kwargs.pop("name", default_name), kwargs.pop("dtype", None)
        params = dict(defaults)
        axis = -1
        for key, value in kwargs.items():
            if key == "axis":
                axis = class_axis(value, class_name)
                continue
            if key in fixed:
                if value != fixed[key]:
                    raise ValueError(f"densekit's {class_name} takes only {key}={fixed[key]!r}. Received: {key}={value!r}")
                continue
            if key not in defaults:
                raise TypeError(f"{class_name}.__init__() got an unexpected keyword argument '{key}'")
            if key == "alpha" and (isinstance(value, bool) or not isinstance(value, (int, float, np.number))):
                raise ValueError(f"densekit's {class_name} takes one `alpha` for every class. Received: alpha={value!r}")
            params[key] = value
        Loss.__init__(self, name=name, reduction=reduction, dtype=dtype, **params)
        self._axis = axis

    return type(class_name, (Loss,), {"__init__": __init__, "_core_name": core_name, "__doc__": doc,
                                      "_fixed_config": fixed, "_positional": positional})


MeanSquaredError = _loss_class("MeanSquaredError", "mean_squared_error", "mean_squared_error", "mean((y - p)²)")
MeanAbsoluteError = _loss_class("MeanAbsoluteError", "mean_absolute_error", "mean_absolute_error", "mean(|y - p|)")
MeanAbsolutePercentageError = _loss_class("MeanAbsolutePercentageError", "mean_absolute_percentage_error",
                                          "mean_absolute_percentage_error", "100·mean(|y - p| / max(|y|, eps))")
MeanSquaredLogarithmicError = _loss_class("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error",
                                          "mean_squared_logarithmic_error", "mean((log(p+1) - log(y+1))²)")
Huber = _loss_class("Huber", "huber", "huber_loss", "½e² for |e| ≤ delta, else delta·|e| - ½delta².", positional=("delta",),
                    delta=1.0)
LogCosh = _loss_class("LogCosh", "log_cosh", "log_cosh", "mean(log(cosh(p - y))).")
Hinge = _loss_class("Hinge", "hinge", "hinge", "mean(max(1 - y·p, 0)); 0/1 labels become -1/1.")
SquaredHinge = _loss_class("SquaredHinge", "squared_hinge", "squared_hinge", "mean(max(1 - y·p, 0)²).")
CategoricalHinge = _loss_class("CategoricalHinge", "categorical_hinge", "categorical_hinge",
                               "max(max((1-y)·p) - Σy·p + 1, 0).")
KLDivergence = _loss_class("KLDivergence", "kl_divergence", "kl_divergence", "Σ y·log(y/p), both clipped to [eps, 1].")
Poisson = _loss_class("Poisson", "poisson", "poisson", "mean(p - y·log(p + eps)).")
CosineSimilarity = _loss_class("CosineSimilarity", "cosine_similarity", "cosine_similarity",
                               "-Σ ŷ·p̂ of the L2-normalised vectors.", positional=("axis",))
BinaryCrossentropy = _loss_class("BinaryCrossentropy", "binary_crossentropy", "binary_crossentropy",
                                 "Cross-entropy of 0/1 targets; predictions clipped to [eps, 1-eps].",
                                 fixed={"axis": -1}, positional=("from_logits", "label_smoothing", "axis"),
                                 from_logits=False, label_smoothing=0.0)
CategoricalCrossentropy = _loss_class("CategoricalCrossentropy", "categorical_crossentropy",
                                      "categorical_crossentropy", "Cross-entropy of one-hot targets.",
                                      fixed={"axis": -1}, positional=("from_logits", "label_smoothing", "axis"),
                                      from_logits=False, label_smoothing=0.0)
SparseCategoricalCrossentropy = _loss_class("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy",
                                            "sparse_categorical_crossentropy", "Cross-entropy of integer labels.",
                                            fixed={"ignore_class": None}, positional=("from_logits", "ignore_class"),
                                            after_reduction=("axis",), from_logits=False)
BinaryFocalCrossentropy = _loss_class(
    "BinaryFocalCrossentropy", "binary_focal_crossentropy", "binary_focal_crossentropy",
    "Binary cross-entropy times (1 − p_t)^gamma (Lin et al., 2018); alpha weighs the classes with "
    "apply_class_balancing.", fixed={"axis": -1},
    positional=("apply_class_balancing", "alpha", "gamma", "from_logits", "label_smoothing", "axis"),
    apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0)
CategoricalFocalCrossentropy = _loss_class(
    "CategoricalFocalCrossentropy", "categorical_focal_crossentropy", "categorical_focal_crossentropy",
    "Σ alpha·(1 − q)^gamma·(−t·log q) over the classes, q the normalised predictions.", fixed={"axis": -1},
    positional=("alpha", "gamma", "from_logits", "label_smoothing", "axis"), alpha=0.25, gamma=2.0, from_logits=False,
    label_smoothing=0.0)


# The functions whose Keras versions first bring y_true and y_pred to one rank (_same_rank); the
# others take the arrays as given.
_SAME_RANK_FUNCTIONS = {"mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
                        "mean_squared_logarithmic_error", "huber", "log_cosh", "cosine_similarity"}


def _loss_function(name, cls, **fixed):
    # Keras's functions take the class's leading arguments after (y_true, y_pred), and `axis`.
    positional = cls._positional + (() if "axis" in cls._positional or not cls._positional else ("axis",))

    def fn(y_true, y_pred, *args, **kwargs):
        kwargs = by_position(name, positional, args, kwargs)
        if isinstance(y_true, KerasTensor) or isinstance(y_pred, KerasTensor):
            # Inside a traced function (a metric or loss of the user's): each sample's loss recorded.
            loss = cls(**kwargs, **fixed, reduction="none")
            check_axis_fits(loss, len(y_pred.shape))
            return loss._symbolic_call(y_true, y_pred, None)
        loss = cls(**kwargs, **fixed)
        y_true, y_pred = _arrays(y_true, y_pred)
        check_axis_fits(loss, y_pred.ndim)
        if name in _SAME_RANK_FUNCTIONS:
            y_true, y_pred = _same_rank(y_true, y_pred)
        _warn_single_class(loss, y_pred)
        return _per_sample(loss._core, y_true, y_pred)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Per-sample `{name}` (keras.losses.{name}): the last axis reduced, no reduction over samples."
    fn._densekit_class = cls
    return fn


mean_squared_error = _loss_function("mean_squared_error", MeanSquaredError)
mean_absolute_error = _loss_function("mean_absolute_error", MeanAbsoluteError)
mean_absolute_percentage_error = _loss_function("mean_absolute_percentage_error", MeanAbsolutePercentageError)
mean_squared_logarithmic_error = _loss_function("mean_squared_logarithmic_error", MeanSquaredLogarithmicError)
huber = _loss_function("huber", Huber)
log_cosh = _loss_function("log_cosh", LogCosh)
hinge = _loss_function("hinge", Hinge)
squared_hinge = _loss_function("squared_hinge", SquaredHinge)
categorical_hinge = _loss_function("categorical_hinge", CategoricalHinge)
kl_divergence = _loss_function("kl_divergence", KLDivergence)
poisson = _loss_function("poisson", Poisson)
cosine_similarity = _loss_function("cosine_similarity", CosineSimilarity)
binary_crossentropy = _loss_function("binary_crossentropy", BinaryCrossentropy)
categorical_crossentropy = _loss_function("categorical_crossentropy", CategoricalCrossentropy)
sparse_categorical_crossentropy = _loss_function("sparse_categorical_crossentropy", SparseCategoricalCrossentropy)
binary_focal_crossentropy = _loss_function("binary_focal_crossentropy", BinaryFocalCrossentropy)
categorical_focal_crossentropy = _loss_function("categorical_focal_crossentropy", CategoricalFocalCrossentropy)
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence
bce = BCE = binary_crossentropy


class _AutoCrossentropy(Loss):
    """``"crossentropy"``/``"ce"``: binary, sparse or categorical from the shapes."""
    _core_name = "crossentropy"


def serialize(loss):
    """keras.losses.serialize: the loss's Keras config (a function's as Keras writes functions)."""
    return object_serialization.serialize_keras_object(loss)


def deserialize(name, custom_objects=None):
    """keras.losses.deserialize: the loss function or Loss a name or a serialize() dict names."""
    names = object_serialization.names_in("keras.losses", (Loss, types.FunctionType))
    return object_serialization.deserialize_named(name, custom_objects, names, (Loss, types.FunctionType), "loss")


# Keras's short names of loss functions (its ALL_OBJECTS_DICT).
_ALIASES = {"bce": "binary_crossentropy", "BCE": "binary_crossentropy", "kld": "kl_divergence", "KLD": "kl_divergence",
            "mae": "mean_absolute_error", "MAE": "mean_absolute_error", "mse": "mean_squared_error",
            "MSE": "mean_squared_error", "mape": "mean_absolute_percentage_error",
            "MAPE": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error",
            "MSLE": "mean_squared_logarithmic_error"}


def get(identifier):
    """keras.losses.get: a loss function for a function's name (``"mse"``, ``"huber"``), a Loss
    instance for a class name, a serialize() dict, a class or an instance; ValueError otherwise
    (keras/src/losses/__init__.py). compile() reads its identifiers apart (loss_object)."""
    if identifier is None:
        return None
    return object_serialization.get_named(identifier, deserialize, _names, "loss")


def _names():
    names = object_serialization.names_in("keras.losses", (Loss, types.FunctionType))
    names.update({alias: names[name] for alias, name in _ALIASES.items()})
    return names


def loss_object(identifier):
    """The Loss compile() runs for an identifier: a name (function names keep their string as the
    loss name), a class name, a saved config, a loss function of this module, the user's function
    (traced) or a Loss instance."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, dict) and "class_name" in identifier:  # a saved loss object
        cls = globals().get(identifier["class_name"])
        if isinstance(cls, type) and issubclass(cls, Loss) and cls is not Loss:
            config = {k: v for k, v in identifier.get("config", {}).items() if k != "axis"}
            return cls.from_config(config)
    if isinstance(identifier, str):
        loss = None
        if identifier in ("crossentropy", "ce"):
            loss = _AutoCrossentropy(name=identifier)
        cls = globals().get(identifier)
        if isinstance(cls, type) and issubclass(cls, Loss) and cls is not Loss:
            loss = cls()
        elif callable(cls) and hasattr(cls, "_densekit_class"):
            loss = cls._densekit_class(name=identifier)
        if loss is not None:
            loss._core.identifier = identifier  # compile_config keeps strings as strings
            return loss
    elif callable(identifier) and hasattr(identifier, "_densekit_class"):
        return identifier._densekit_class(name=identifier.__name__)
    elif callable(identifier) and not isinstance(identifier, type):  # the user's function, traced by compile()
        loss = LossFunctionWrapper(identifier, name=getattr(identifier, "__name__", None))
        loss._given_as_function = True  # compile configs name the function itself, as Keras's do
        return loss
    names = ", ".join(_core.Loss.names())
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}. Pass one of densekit's loss names ({names}), "
                     "a Loss object, or a function of (y_true, y_pred) written with densekit.ops.")
