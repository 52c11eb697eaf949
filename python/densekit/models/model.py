"""Model: the base of Sequential, functional and subclassed models (keras/src/models/model.py):
construction, layers and weights, building the C++ model, calling it, configs, saving and the
summary. compile / fit / evaluate / predict come from Trainer (trainers/trainer.py); the work
happens in the C++ model.

A subclassed model's call() is traced into a Network (models/tracing.py); Model(inputs, outputs)
returns a Functional (models/functional.py).
"""

import inspect
import json

import numpy as np

from densekit import _core, saving
from densekit.layers import node as node_module, weight_paths
from densekit.layers.batch_loss import loss_anchors
from densekit.layers.input_layer import InputLayer
from densekit.layers.keras_tensor import KerasTensor
from densekit.layers.layer import Layer, WeightsMixin
from densekit.layers.subclassing import SubclassingMixin
from densekit.models import call_losses, model_summary, tracing, traced_regularizers
from densekit.models.network import Network, pack_structure
from densekit.trainers import data_adapter
from densekit.trainers.trainer import Trainer
from densekit.utils import naming, traceback_utils


def _is_layer_like(value):
    return isinstance(value, (Layer, Model))


def _structure_name(kind):
    return {"tensor": _core.Structure.Tensor, "list": _core.Structure.List, "dict": _core.Structure.Dict}[kind]


class Model(Trainer, WeightsMixin):
    """Base of Sequential, functional (``Model(inputs, outputs)``) and subclassed models."""

    _keras_class = "Functional"  # the class name the config and model files record
    _owner_kind = "model"  # in set_weights' error message

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            from densekit.models.functional import Functional

            return object.__new__(Functional)
        instance = object.__new__(cls)
        if cls.build is not Model.build and not cls.build.__module__.startswith("densekit."):
            instance.__dict__["build"] = tracing.build_then_trace(instance, instance.build)
        return instance

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        init = cls.__init__  # (its own, or a mixin's it inherits)
        if not getattr(init, "_wrapped_by_densekit", False) and not init.__module__.startswith("densekit."):
            cls.__init__ = tracing.constructing(init)

    def __init__(self, *args, name=None, trainable=True, **kwargs):
        inputs = kwargs.pop("inputs", args[0] if args else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        if len(args) > 2 or kwargs:
            raise TypeError(f"Unrecognized arguments passed to Model: {list(args[2:]) + sorted(kwargs)}. densekit.Model "
                            "takes (inputs, outputs, name=None, trainable=True).")
        if (inputs is None) != (outputs is None):
            raise ValueError("densekit.Model(inputs, outputs) needs both `inputs` and `outputs`.")
        object.__setattr__(self, "_tracked", [])
        self.name = name if name is not None else naming.auto_name(type(self).__name__)
        self._trainable = bool(trainable)
        self._graph = None       # the C++ graph (built)
        self._path_scope = None  # the scopes its weights' paths start with, once built (layers/weight_paths.py)
        self._core = None        # the C++ model (built)
        self._network = None     # the layer calls of a functional or traced model
        self._traced = False     # a subclassed model, traced from its call()
        self._build_batch = None
        Trainer.__init__(self)
        if inputs is not None:
            self._set_network(Network(inputs, outputs))


    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"  # (Keras's Layer.__repr__)
    def __setattr__(self, key, value):
        # Layers (and models) assigned as attributes are tracked, in assignment order (subclassing).
        if not key.startswith("_"):
            tracked = self.__dict__.get("_tracked")
            values = list(value.values()) if isinstance(value, dict) else (
                list(value) if isinstance(value, (list, tuple)) else [value])
            if any(_is_layer_like(v) for v in values):
                if tracked is None:
                    raise RuntimeError("It looks like you are subclassing `Model` and you forgot to call "
                                       "`super().__init__()`. Always start with this line.")
                for v in values:
                    if _is_layer_like(v) and all(v is not t for t in tracked):
                        tracked.append(v)
        object.__setattr__(self, key, value)

    # --- the graph ----------------------------------------------------------------------------
    def call(self, inputs, training=None):
        """The model's computation. Functional models run their graph; subclasses define it."""
        if self._network is None:
            raise NotImplementedError(
                f"Model '{self.name}' has no call(): subclass densekit.Model and define call(self, inputs), or build a "
                "functional model with densekit.Model(inputs, outputs).")
        return self._network.replay(inputs, training)

    _sequential = False

    @property
    def _subclassed(self):
        return not self._sequential and type(self).call is not Model.call

    def _set_network(self, network):
        self._network = network
        if not self._trainable:
            for layer in self._graph_layers():
                layer.trainable = False
        self._build(None)

    def _graph_layers(self):
        """The distinct layers whose weights the C++ graph holds."""
        if self._network is not None:
            return [layer for layer in self._network.layers if not isinstance(layer, InputLayer)]
        return list(self.layers)

    def _make_graph(self, input_shapes):
        if self._network is None:
            return self.call(None)  # a plain Model(): call() explains what is missing
        return self._network.make_graph()

    @property
    def losses(self):
        """Keras's ``model.losses``: what its layers' add_loss gave in their last calls, then the
        regularization penalties of its trainable weights at their current values."""
        return call_losses.losses_of(self) + self._regularization_losses()

    @property
    def layers(self):
        if self._network is not None and not self._traced:
            return list(self._network.layers)
        return list(self._tracked)

    def _input_shapes(self):
        return None

    # --- building -----------------------------------------------------------------------------
    @property
    def built(self):
        return self._core is not None

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        if self._core is not None:
            self._core.trainable = self._trainable  # (written in its config and files)
        for layer in self.layers:
            layer.trainable = value

    def build(self, input_shape=None):
        """Builds the weights for inputs of ``input_shape`` (batch dimension first; a list or dict
        of shapes for several inputs). Without a shape, as Keras's: nothing to do for a built
        model or a Sequential (which builds at its first call)."""
        if input_shape is None:
            if self.built or self._sequential:
                return
            raise ValueError(f"Model '{self.name}' cannot be built without `input_shape`: pass the shape of its "
                             "inputs, batch dimension first (for instance (None, 784)).")
        if self._has_own_build():
            # Reached by super().build() from the subclass's own build, which may go on to add
            # weights that call() uses: the model is traced once that build has returned.
            return
        if self._core is not None and self._network is not None and not self._traced:
            return
        if self._subclassed and self._network is None:
            tracing.trace_from_shapes(self, input_shape)
            return
        self._build([tuple(int(d) for d in input_shape[1:])])

    def _build(self, input_shapes):
        graph = self._make_graph(input_shapes)
        graph.finalize()
        self._adopt_graph(graph)
        self._core = _core.Model(graph, _core.draw_seed())
        self._core.name, self._core.class_name = self.name, self._keras_class
        self._core.trainable = self._trainable
        if self._network is not None:
            net = self._network
            self._core.input_structure = _structure_name(net.input_kind)
            self._core.output_structure = _structure_name(net.output_kind)
            self._core.input_keys = net.input_keys or []
            self._core.output_keys = net.output_keys or []
            self._core.output_names = _output_names(net.outputs)
        if self._compile_args is not None:
            self._apply_compile()

    def _adopt_core(self, core):
        """Takes over a C++ model built from a config or a file."""
        self._core = core
        self._adopt_graph(core.graph)

    def _adopt_graph(self, graph):
        """Makes ``graph`` the model's, and the one its layers read and write their weights
        through (the C++ graph fetches the current values of a layer shared with another)."""
        self._graph = graph
        weight_paths.fix_scopes(self)
        for layer in self._graph_layers():
            layer._graph = graph
            layer._initialize_in_python(graph)
            traced_regularizers.trace_pending(layer, graph)

    def _build_from_data(self, x):
        """Builds a model whose input shapes were unknown from the first data it receives."""
        if self._subclassed and self._network is None:
            tracing.trace_from_data(self, x)
            return
        arrays = data_adapter.as_list(x, 1, "x")
        if arrays[0].ndim == 0:
            raise ValueError("The model received a scalar (an array of shape ()): pass a batch of samples (an array "
                             "with a batch axis).")
        self._build([tuple(arrays[0].shape[1:])])

    # --- names, shapes ----------------------------------------------------------------------
    @property
    def output_names(self):
        if self._core is not None:
            return list(self._core.output_names)
        if self._network is not None:
            return _output_names(self._network.outputs)
        return [self.layers[-1].name] if self.layers else []

    @property
    def _output_keys(self):
        if self._network is not None and self._network.output_kind == "dict":
            return list(self._network.output_keys)
        return None

    @property
    def _input_names(self):
        return self._input_spec()[0]

    def _input_spec(self):
        """(names, per-sample shapes) of the graph's inputs, cached per graph."""
        cached = self.__dict__.get("_input_spec_cache")
        if cached is None or cached[0] is not self._graph:
            nodes = self._graph.nodes
            inputs = self._graph.input_nodes
            cached = (self._graph, ([nodes[i][3] for i in inputs], [tuple(nodes[i][2]) for i in inputs]))
            self._input_spec_cache = cached
        return cached[1]

    def _require_built(self, what):
        if self._core is None:
            raise AttributeError(f"The model '{self.name}' has not been built yet, so it has no {what}. Call it on "
                                 "data, fit it, or start it with an Input.")

    @property
    def input_shape(self):
        self._require_built("input_shape")
        shapes = [(None,) + tuple(self._graph.node_shape(i)) for i in self._graph.input_nodes]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        self._require_built("output_shape")
        shapes = [(None,) + tuple(self._graph.node_shape(i)) for i in self._graph.output_nodes]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def inputs(self):
        self._require_built("inputs")
        return list(self._network.inputs) if self._network is not None else None

    @property
    def outputs(self):
        self._require_built("outputs")
        return list(self._network.outputs) if self._network is not None else None

    @property
    def input(self):
        self._require_built("input")
        net = self._network
        return pack_structure(net.input_kind, net.input_keys, net.inputs, net.input_sequence) if net is not None else None

    @property
    def output(self):
        self._require_built("output")
        net = self._network
        return pack_structure(net.output_kind, net.output_keys, net.outputs, net.output_sequence) \
            if net is not None else None

    # --- weights ------------------------------------------------------------------------------
    @property
    def weights(self):
        # The model's own variables first (add_weight in a subclass's build), then its layers'.
        own = list(self.__dict__.get("_own_variables", []))
        seen, out = set(map(id, own)), own
        for layer in self.layers:
            for w in layer.weights:
                key = (id(w._layer), w._index) if hasattr(w, "_index") else id(w)
                if key not in seen:
                    seen.add(key)
                    out.append(w)
        return out

    def _check_countable(self):
        if self._core is None:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the layer isn't built. "
                             f"You can build it manually via: `{self.name}.build(batch_input_shape)`.")

    # A subclassed model's call may add loss terms, as a Layer subclass's does (the guide's VAE),
    # and its build or __init__ may make weights of its own.
    add_loss = SubclassingMixin.add_loss
    add_weight = add_variable = SubclassingMixin.add_weight

    def _has_own_build(self):
        return self._subclassed and type(self).build is not Model.build

    def get_layer(self, name=None, index=None):
        if name is not None and index is not None:
            raise ValueError("Provide only a layer name or a layer index. Received: "
                             f"index={index}, name={name}.")
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in self.layers]}.")

    # --- calling ------------------------------------------------------------------------------
    def __call__(self, inputs, training=None, mask=None):
        """On symbolic tensors: applies the model's layers to them (a model used as a layer). On
        arrays: one forward pass in C++ (training=True: dropout active, BatchNormalization on
        batch statistics, updating its moving ones; no training: inference, but for layers called
        with a training flag), returning NumPy."""
        try:  # (errors filtered here, as in predict)
            # The common eager call, fast: as predict() when no layer has a training flag that a call
            # without a mode runs it in (Keras's predict passes training=False, which replaces them).
            inference = not training if training is not None else not self._training_defaults()
            if inference and mask is None and not self._adds_losses():
                out = self._predict_ready(inputs, None)
                if out is not None:
                    return out
            return self._call_model(inputs, training, mask, inference)
        except Exception as error:
            raise traceback_utils.filtered(error)

    def _call_model(self, inputs, training, mask, inference):
        if mask is not None:
            raise ValueError("densekit models do not support masks.")
        batch_shape = getattr(inputs, "shape", None)  # one array (or DataFrame), or nested lists of numbers
        if batch_shape is None and isinstance(inputs, list):
            try:
                batch_shape = np.shape(inputs)
            except (ValueError, TypeError):  # ragged, or symbolic tensors: the call itself decides
                batch_shape = None
        if self._core is None and self._sequential and batch_shape and not isinstance(inputs, KerasTensor):
            # Keras's Sequential builds its Input from the first call's shape, batch size included
            # (the summary shows it).
            self._build_batch = int(batch_shape[0])
        if training is not None and not isinstance(training, (bool, np.bool_)):
            raise TypeError(f"`training` must be True, False or None. Received: training={training!r}")
        if _has_symbolic(inputs):
            if self._sequential or self._subclassed:  # Keras builds it now: its layers in its scope
                weight_paths.fix_scopes(self)
            if self._core is None and self._sequential and isinstance(inputs, KerasTensor):
                # Keras builds a Sequential with no Input from the tensor it is first called on
                # (its layers' first calls are then its own chain's): `head.input` and
                # `head.summary()` work after `head(base.output)`.
                self._build([tuple(inputs.shape[1:])])
            with node_module.recording() as nodes:
                outputs = self._call_symbolic(inputs, None if training is None else bool(training))
            call_inputs = self._network.match_inputs(inputs) if self._network is not None else _tensors_in(inputs)
            node_module.mark_model_call(node_module.ModelCall(self, call_inputs, _tensors_in(outputs)), nodes)
            return outputs
        if inference and self.built and not self._adds_losses():
            return self.predict_on_batch(inputs)
        xs = data_adapter.input_arrays(self, inputs)  # (builds a model not yet built)
        if inference and not self._adds_losses():
            return self.predict_on_batch(inputs)
        if inference and not any(len(a) for a in xs):  # an empty batch: empty outputs, and no penalty
            call_losses.record(self)
            return self.predict_on_batch(inputs)
        outputs, terms = self._core.call(xs, None if training is None else bool(training))
        if self._adds_losses():
            call_losses.record(self, terms)
        return self._structured_outputs(outputs)

    def _adds_losses(self):
        """Whether the graph adds losses of its own (add_loss, activity regularizers): a call on
        arrays then records them in the layers' losses, from one pass in C++."""
        graph = self._graph
        return graph is not None and graph.has_added_losses

    def _training_defaults(self):
        """Whether a layer has a training flag that a call without a mode runs it in
        (Graph::has_training_defaults); kept per graph, as a one-row call is microseconds."""
        graph, cached = self._graph, self.__dict__.get("_defaults_cache")
        if cached is None or cached[0] is not graph:
            cached = self._defaults_cache = (graph, graph is not None and graph.has_training_defaults)
        return cached[1]

    def _call_symbolic(self, inputs, training):
        if self._network is not None and not self._traced:
            return self._network.replay(inputs, training)
        if self._subclassed:
            kwargs = {"training": training} if "training" in inspect.signature(self.call).parameters else {}
            # Its add_loss terms are tied to the tensors it is called on, so the model that calls
            # it reaches them, as a Layer subclass's (they were dropped there).
            with loss_anchors([t for t in _tensors_in(inputs) if isinstance(t, KerasTensor)]):
                return self.call(inputs, **kwargs)
        return self.call(inputs, training)

    # --- saving and configs ---------------------------------------------------------------------
    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Saves the whole model to one file: a Keras 3 archive for a ``.keras`` path (Keras
        loads it), densekit's format for any other (an ``.h5`` path too, with a warning: it is
        not Keras's legacy HDF5 layout). ``**kwargs``: Keras's ``include_optimizer`` and
        ``save_format``; any other argument is refused, as in ``densekit.saving.save_model``."""
        saving.save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Saves the weights (and the optimizer state, once built) in densekit's format."""
        saving.save_weights(self, filepath, overwrite=overwrite, max_shard_size=max_shard_size)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Loads weights saved by save_weights or save (densekit's or Keras's files).
        ``skip_mismatch=True``: weights that do not fit the model (a whole layer in a Keras 3
        file, a single weight in a legacy ``.h5`` or densekit file) are left as they are, with a
        warning. ``**kwargs``: Keras's legacy ``objects_to_skip`` and ``by_name`` (refused unless
        left unset); any other argument is refused."""
        saving.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def _serialized(self):
        """Keras's serialized model: module, class_name, config, build_config, compile_config. A
        subclassed model is serialized as the functional graph its call() traced (Keras would need
        the Python class itself to rebuild it)."""
        self._require_built("config")
        return json.loads(_core.model_config_json(self._core))

    def get_build_config(self):
        """Keras's build config, ``{"input_shape": (None, 784)}``, once the model is built (None
        before)."""
        if not self.built:
            return None
        if self._traced:  # a subclassed model: the shape it was first called on (or built for), as Keras's
            shapes = [(self._build_batch,) + tuple(self._graph.node_shape(i)) for i in self._graph.input_nodes]
            return {"input_shape": shapes[0] if len(shapes) == 1 else shapes}
        # A functional model's is {"input_shape": None}, as Keras's (its inputs say the shapes).
        build_config = self._serialized().get("build_config", {"input_shape": None})

        def shape(value):  # shapes as tuples, as Keras keeps them
            if isinstance(value, list) and all(v is None or isinstance(v, int) for v in value):
                return tuple(value)
            return [shape(v) for v in value] if isinstance(value, list) else value

        return {key: shape(value) for key, value in build_config.items()}

    def build_from_config(self, config):
        """Builds the model for ``get_build_config()``'s input shape."""
        shape = self._build_config_shape(config)
        if shape is not None and not self.built:
            self.build(shape)

    def get_compile_config(self):
        """Keras's compile config (what ``to_json()`` and a ``.keras`` archive hold under
        "compile_config"), ``{}`` when the model is not compiled, as Keras's. densekit settles the
        compile settings when the model is built, so a compiled model must be built first."""
        if not self.compiled:
            return {}
        if not self.built:
            raise ValueError(f"Model '{self.name}' is compiled but not built: densekit records its compile config once "
                             "it is built. Build it first (call it on data, or model.build(input_shape)).")
        return self._serialized().get("compile_config")

    def compile_from_config(self, config):
        """Compiles with ``get_compile_config()``'s settings (objects in it deserialized)."""
        from densekit.utils.object_serialization import deserialize_keras_object

        if not isinstance(config, dict):
            raise TypeError(f"`config` must be a dict from get_compile_config(). Received: {config!r:.200}")
        self.compile(**deserialize_keras_object(config))

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds a functional model from get_config() (fresh weights); a subclass whose
        constructor takes arguments of its own is called with the config (less what only a
        functional model reads), as Keras's Model.from_config does (keras/src/models/model.py)."""
        from densekit.models.functional import Functional

        if cls in (Model, Functional) or not _takes_own_arguments(cls):
            return Functional.from_config(config, custom_objects)
        arguments = {k: v for k, v in config.items() if k not in ("layers", "input_layers", "output_layers")}
        try:
            return cls(**arguments)
        except TypeError as error:
            raise TypeError(f"Unable to revive model from config. When overriding the `get_config()` method, make "
                            "sure that the returned config contains all items used as arguments in the constructor "
                            f"to {cls}, which is the default behavior. You can override this default behavior by "
                            f"defining a `from_config(cls, config)` class method to specify how to create an instance "
                            f"of {cls.__name__} from its config.\n\nReceived config={config}\n\nError encountered "
                            f"during deserialization: {error}") from None

    def get_config(self):
        if self._core is None:  # a subclassed model not built yet: Keras's base config
            return {"name": self.name, "trainable": self.trainable}
        return self._serialized()["config"]

    def to_json(self, **kwargs):
        # With seeds Keras can use, as in the model's .keras archive: Keras's model_from_json
        # reads it (keras/src/models/model.py).
        from densekit.utils.object_serialization import fit_seeds

        return json.dumps(fit_seeds(self._serialized()), **kwargs)

    def __reduce__(self):
        if self._core is None:  # (copy and pickle expect a TypeError for what they cannot take)
            raise TypeError(f"The model '{self.name}' has not been built yet: densekit copies and pickles a model "
                            "from its built state. Call it on data, fit it, or start it with an Input first.")
        return saving.model_from_bytes, (_core.save_model_to_bytes(self._core),)

    # --- summary (models/model_summary.py) ------------------------------------------------------
    def _summary_rows(self):
        return model_summary.graph_rows(self)

    def _summary_layers(self):
        return model_summary.row_layers(self)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False,
                layer_range=None):
        model_summary.print_summary(self, line_length, positions, print_fn, expand_nested, show_trainable, layer_range)


def _takes_own_arguments(cls):
    """Whether a Model subclass's constructor names arguments other than a functional model's
    (inputs, outputs, name): Keras then builds it from its config by calling it. (One that names
    none is rebuilt as the functional model of its layers, where Keras would fail.)"""
    parameters = inspect.signature(cls.__init__).parameters.values()
    arguments = [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)][1:]
    return bool(arguments) and arguments != ["inputs", "outputs", "name"]


def _has_symbolic(value):
    if isinstance(value, KerasTensor):
        return True
    if isinstance(value, dict):
        value = list(value.values())
    return isinstance(value, (list, tuple)) and any(isinstance(v, KerasTensor) for v in value)


def _output_names(outputs):
    """Keras names an output by the operation that made it: a nested model's output by the
    model's name. When one call of a nested model gives several of the outputs (Keras then
    repeats the name, and their losses merge in the logs), each keeps its own layer's name."""
    def caller(t):
        calls = t._node.model_calls
        return calls[0] if calls and any(t is out for out in calls[0].outputs) else None

    callers = [caller(t) for t in outputs]
    return [t._keras_history.operation.name if call is None or sum(c is call for c in callers) > 1 else call.model.name
            for t, call in zip(outputs, callers)]


def _tensors_in(value):
    """The KerasTensors of a tensor, a list/tuple or a dict (dicts in sorted key order, as Keras flattens them)."""
    if isinstance(value, dict):
        value = [value[k] for k in sorted(value)]
    elif not isinstance(value, (list, tuple)):
        value = [value]
    return [v for v in value if isinstance(v, KerasTensor)]
