"""What a Layer subclass of the user's own gets (keras/src/layers/layer.py): ``add_weight``,
``build(input_shape)``, its ``call`` run on arrays or traced on symbolic tensors, sublayers
tracked as attributes, and ``add_loss``/``losses``.

Called on arrays, ``call`` runs as Python on NumPy values (densekit.ops compute eagerly, the
variables are their values). Called on symbolic tensors, ``call`` is traced like a Lambda: the
ops and layers it uses record nodes of the model's C++ graph, its weights become WeightOp
layers (layers/layer_variable.py), and the model trains with no Python per batch. So in
``model.layers`` and ``summary()`` a Layer subclass appears as the layers its call recorded.
"""

import functools
import inspect

import numpy as np

from densekit import constraints, initializers, regularizers
from densekit.layers import weight_paths
from densekit.layers.batch_loss import BatchLoss, loss_anchors
from densekit.layers.keras_tensor import KerasTensor
from densekit.layers.layer_variable import LayerVariable
from densekit.layers.trace_call import TRAINING_DECIDED_AT_RUN, outside_trace, trace_call
from densekit.utils import naming
from densekit.utils.arrays import to_array


def has_own_call(layer):
    """Whether ``layer`` is a subclass of the user's with its own ``call`` (and no C++ twin)."""
    return layer._core is None and type(layer).call is not SubclassingMixin.call


_SERIALIZABLE = (str, int, float, bool, type(None))


def _plain(value):
    """Whether ``value`` is made of JSON's kinds only (what Keras's automatic config keeps)."""
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return isinstance(value, _SERIALIZABLE)


def constructor_arguments(cls, args, kwargs):
    """The arguments a user's subclass was constructed with, defaults included, as Keras records
    them for a subclass without its own get_config (keras/src/ops/operation.py); None when they
    cannot rebuild it (positional-only or *args, or values other than JSON's)."""
    try:
        signature = inspect.signature(cls.__init__)
        bound = signature.bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        return None
    parameters = list(signature.parameters.values())
    if any(p.kind == p.POSITIONAL_ONLY for p in parameters[1:]):
        return None
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    arguments.pop(parameters[0].name)
    for p in parameters[1:]:
        if p.kind == p.VAR_KEYWORD:
            arguments.update(arguments.pop(p.name))
        elif p.kind == p.VAR_POSITIONAL and arguments.pop(p.name):
            return None
    arguments.pop("name", None)
    return arguments if _plain(arguments) else None


def _takes_a_shape(build):
    try:
        parameters = inspect.signature(build).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in parameters)


def _build_then_lock(layer, build):
    """The user's ``build``, as Keras wraps it: once it returns (the outermost call, so a
    super().build() inside it does not count) the layer is built and takes no more state."""
    @functools.wraps(build)
    def wrapper(*args, **kwargs):
        depth = layer.__dict__.get("_building", 0)
        layer.__dict__["_building"] = depth + 1
        try:
            build(*args, **kwargs)
        finally:
            layer.__dict__["_building"] = depth
        if depth == 0:
            layer.__dict__["_state_locked"] = True
            if layer.__dict__.get("_core") is None:
                layer.__dict__["_built_without_core"] = True
    return wrapper


def _leaves(value):
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _leaves(v)]
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    return [value]


class SubclassingMixin:
    """Layer's methods for the user's subclasses."""

    def __new__(cls, *args, **kwargs):
        instance = super().__new__(cls)
        # (densekit's layers write their own configs, and a subclass without its own constructor
        # has only the base config's arguments)
        if not cls.__init__.__module__.startswith("densekit."):
            instance.__dict__["_auto_config"] = constructor_arguments(cls, args, kwargs)
        if not cls.build.__module__.startswith("densekit."):
            instance.__dict__["build"] = _build_then_lock(instance, instance.build)
        return instance

    def _automatic_config(self, config):
        """``config`` with the constructor's arguments, for a subclass without its own get_config;
        without ``name`` if the constructor cannot take it back (as Keras). Arguments of other kinds
        (a layer, an array) leave the base config, where Keras's get_config raises."""
        arguments = self.__dict__.get("_auto_config")
        users = [k for k in type(self).__mro__ if not k.__module__.startswith("densekit.") and k is not object]
        if arguments is None or any("get_config" in k.__dict__ for k in users):
            return config  # (a get_config of the user's extends the base config itself)
        parameters = inspect.signature(type(self).__init__).parameters
        # (Keras keeps `name` for a constructor with a `name` or a `**kwargs`, by that very name)
        keywords = parameters.get("kwargs")
        takes_name = "name" in parameters or (keywords is not None and keywords.kind == keywords.VAR_KEYWORD)
        rest = {key: value for key, value in config.items() if key != "name"}
        config = {"name": config["name"], **arguments, **rest}  # (Keras's order: name, the arguments, the base's)
        if not takes_name:
            config.pop("name", None)
        return config

    def call(self, *args, **kwargs):
        raise NotImplementedError(f"Layer {type(self).__name__} does not have a `call()` method implemented.")

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True, regularizer=None,
                   constraint=None, aggregation="none", overwrite_with_gradient=False, name=None):
        """A new variable of the layer (float32), initialized now; the default initializer is
        glorot_uniform, as Keras's for float weights."""
        if self.__dict__.get("_state_locked"):  # (a call creating weights would add new ones at every call)
            raise ValueError("You cannot add new elements of state (variables or sub-layers) to a layer that is already "
                             "built. All state must be created in the `__init__()` method or in the `build()` method.")
        if dtype not in (None, "float32") and getattr(dtype, "name", dtype) != "float32":
            raise ValueError(f"densekit computes in float32 only. Received: dtype={dtype!r}")
        shape = () if shape is None else tuple(np.atleast_1d(shape)) if np.ndim(shape) == 0 else tuple(shape)
        if any(not isinstance(d, (int, np.integer)) or d <= 0 for d in shape):
            raise ValueError(f"Layer '{self.name}': add_weight needs a shape of positive integers. Received: "
                             f"shape={shape}")
        # A Python function (shape, dtype=None) -> values is called here, as Keras calls it.
        python_init = callable(initializer) and not isinstance(initializer, (type, initializers.Initializer))
        init = initializer if python_init else initializers.get("glorot_uniform" if initializer is None else initializer)
        variables = self.__dict__.setdefault("_own_variables", [])
        name = naming.auto_name("variable") if name is None else name  # (Keras counts them across layers)
        variable = LayerVariable(self, name, shape, init, trainable, regularizers.get(regularizer),
                                 constraints.get(constraint))
        variables.append(variable)
        return variable

    add_variable = add_weight

    def add_loss(self, loss):
        """Adds a loss term: in a traced call, a value reduced over the batch (layers/batch_loss.py),
        recorded into the model's graph so it joins the loss in fit and evaluate; on arrays, a
        number kept in ``losses``."""
        if isinstance(loss, (list, tuple)):
            for term in loss:
                self.add_loss(term)
            return
        if isinstance(loss, BatchLoss):
            loss.add_to_model(owner=self)
            return
        if isinstance(loss, KerasTensor):
            raise ValueError(f"add_loss received a tensor of shape {loss.shape} in '{self.name}': a loss is one number. "
                             "Reduce it over the batch: ops.mean(x) or ops.sum(x) with no axis.")
        self.__dict__.setdefault("_own_losses", []).append(np.float32(np.asarray(loss, dtype=np.float32)))

    def _added_losses(self):
        """The losses add_loss gave in the last call, of this layer and of its sublayers."""
        own = list(self.__dict__.get("_own_losses", []))
        return own + [loss for layer in self._sublayers() for loss in layer._added_losses()]

    @property
    def losses(self):
        """Keras's ``layer.losses``: what add_loss gave in the last call on arrays (this layer's,
        with its activity penalty, then its sublayers'), then the regularization penalties of its
        trainable weights at their current values (keras/src/layers/layer.py). In a model, the
        activity penalties join the loss in training."""
        return self._added_losses() + self._regularization_losses()

    def _sublayers(self):
        found = []
        for key, value in self.__dict__.items():
            if key.startswith("_"):
                continue
            values = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else [value]
            for v in values:
                if isinstance(v, SubclassingMixin) and all(v is not f for f in found):
                    found.append(v)
        return found

    def _own_weights(self):
        """Keras's order: the layer's trainable variables, its other variables, then its
        sublayers' weights."""
        own = self.__dict__.get("_own_variables", [])
        weights = [v for v in own if v.created_trainable] + [v for v in own if not v.created_trainable]
        for layer in self._sublayers():
            weights += [w for w in layer.weights if all(w is not seen for seen in weights)]
        return weights

    def _call_own(self, inputs, args, training, kwargs):
        """Runs the subclass's build (once) and call, on arrays or traced on symbolic tensors."""
        flat = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        symbolic = any(isinstance(t, KerasTensor) for t in flat)
        if not symbolic:
            inputs = [to_array(a, "inputs") for a in inputs] if isinstance(inputs, (list, tuple)) else \
                to_array(inputs, "inputs")
            flat = inputs if isinstance(inputs, list) else [inputs]
        # Keras builds a layer's sublayers, and creates their weights, in the layer's name scope
        # (a traced call may build sublayers too; a built layer's eager call has none to build).
        if self.built and not symbolic:
            return self._build_and_call(inputs, flat, symbolic, args, training, kwargs)
        with weight_paths.building(self):
            return self._build_and_call(inputs, flat, symbolic, args, training, kwargs)

    def _build_and_call(self, inputs, flat, symbolic, args, training, kwargs):
        if not self.built:
            shapes = [tuple(t.shape) for t in flat]
            with outside_trace():
                if _takes_a_shape(self.build):
                    self.build(shapes if isinstance(inputs, (list, tuple)) else shapes[0])
                else:  # Keras passes build() the input shape only if it takes one
                    self.build()
            self.__dict__["_state_locked"] = True
            self.__dict__["_built_without_core"] = True
            self._record_build_input(shapes, isinstance(inputs, (list, tuple)))
        self.__dict__["_own_losses"] = []  # each call's losses replace the last one's (Keras)
        parameters = inspect.signature(self.call).parameters
        if "training" in parameters:
            if symbolic and training is None:
                training = TRAINING_DECIDED_AT_RUN
            kwargs = dict(kwargs, training=training)
        if symbolic:
            # Its losses are tied to every tensor it was called on (targets and logits alike, the
            # guide's LogisticEndpoint): a model reaching any of them includes them.
            called_on = flat + list(args) + list(kwargs.values())
            with loss_anchors([t for t in called_on if isinstance(t, KerasTensor)]):
                outputs = trace_call(f"Layer '{self.name}' ({type(self).__name__})", self.call, inputs, *args, **kwargs)
            for output in _leaves(outputs):
                if not isinstance(output, KerasTensor):
                    raise ValueError(f"All operation outputs must be tensors. Operation <{type(self).__name__} name="
                                     f"{self.name}> returned a non-tensor. Non-tensor received: {output!r:.200}")
            if not self.trainable:  # frozen before its call (Layer(trainable=False)): so is what it recorded
                self.trainable = False
            return outputs
        return self.call(inputs, *args, **kwargs)
