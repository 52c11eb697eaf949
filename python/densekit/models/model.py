"""Model: compile / fit / evaluate / predict / summary. The work happens in the C++ model; this
class arranges the data, the callbacks and the printed output around it."""

import json
import math
import numbers
import warnings
import signal
import threading

import numpy as np

from densekit import _core, losses as losses_module, metrics as metrics_module, optimizers, saving
from densekit.callbacks import CallbackList
from densekit.layers.layer import WeightsMixin, claim
from densekit.models import data as data_utils
from densekit.utils import naming, summary as summary_utils


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"Argument `{name}` must be a positive integer. Received: {name}={value!r}")
    return int(value)


def _verbose(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"Argument `verbose` must be 0, 1, 2 or 'auto'. Received: verbose={verbose!r}")
    return verbose


def _sorted_logs(logs):
    """Keras's pythonified logs: sorted by key, values Python floats."""
    return {key: float(value) for key, value in sorted(logs)}


def _is_layer_like(value):
    from densekit.layers.layer import Layer

    return isinstance(value, (Layer, Model))


def _is_config(value):
    """A serialized Keras object ({"class_name": ..., "config": ...}) rather than a per-output dict."""
    return isinstance(value, dict) and "class_name" in value


def _structure_name(kind):
    return {"tensor": _core.Structure.Tensor, "list": _core.Structure.List, "dict": _core.Structure.Dict}[kind]


def _epoch_logs(logs):
    """An epoch's logs as Keras builds them: the training results sorted, then the validation
    results (sorted) appended."""
    train = sorted((k, v) for k, v in logs if not k.startswith("val_"))
    val = sorted((k, v) for k, v in logs if k.startswith("val_"))
    return {key: float(value) for key, value in train + val}


# The accuracy functions: compiled by name they are wrapped without a direction, so
# mode="auto" cannot tell which way they improve (Keras's behaviour); their classes can.
_DIRECTIONLESS = {"binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
                  "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy"}


def _metric_direction(identifier, core):
    """(name, "up" / "down" / None) of a compiled metric, as callbacks' mode="auto" sees it."""
    name = identifier if isinstance(identifier, str) else core.name
    fn_name = identifier if isinstance(identifier, str) else getattr(identifier, "__name__", None)
    if fn_name in _DIRECTIONLESS and not isinstance(identifier, metrics_module.Metric):
        return name, None
    return name, "up" if core.higher_is_better else "down"


class Model(WeightsMixin):
    """Base of Sequential, functional (``Model(inputs, outputs)``) and subclassed models."""

    _keras_class = "Functional"  # the class name the config and model files record
    _owner_kind = "model"  # in set_weights' error message

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            from densekit.models.functional import Functional

            return object.__new__(Functional)
        return object.__new__(cls)

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
        self._core = None        # the C++ model (built)
        self._claim_generation = None
        self._network = None     # the layer calls of a functional or traced model
        self._traced = False     # a subclassed model, traced from its call()
        self._build_batch = None
        self._compile_args = None
        self.optimizer = None
        self.loss = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._initial_epoch = None  # set by BackupAndRestore to resume an interrupted fit
        self._metric_directions = {}
        if inputs is not None:
            from densekit.models.functional import Network

            self._set_network(Network(inputs, outputs))

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
        from densekit.layers.input_layer import InputLayer

        if self._network is not None:
            return [layer for layer in self._network.layers if not isinstance(layer, InputLayer)]
        return list(self.layers)

    def _make_graph(self, input_shapes):
        if self._network is None:
            return self.call(None)  # a plain Model(): call() explains what is missing
        return self._network.make_graph()

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
        for layer in self.layers:
            layer.trainable = value

    def build(self, input_shape):
        """Builds the weights for inputs of ``input_shape`` (batch dimension first; a list or dict
        of shapes for several inputs)."""
        if self._core is not None and self._network is not None and not self._traced:
            return
        if self._subclassed and self._network is None:
            if isinstance(input_shape, dict):
                kind, keys, shapes = "dict", sorted(input_shape), [input_shape[k] for k in sorted(input_shape)]
            elif isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
                kind, keys, shapes = "list", None, list(input_shape)
            else:
                kind, keys, shapes = "tensor", None, [input_shape]
            self._trace(kind, keys, [tuple(int(d) for d in s[1:]) for s in shapes], shapes[0][0])
            return
        self._build([tuple(int(d) for d in input_shape[1:])])

    def _build(self, input_shapes):
        graph = self._make_graph(input_shapes)
        graph.finalize()
        self._graph = graph
        self._claim_generation = None
        self._claim()
        self._core = _core.Model(graph, _core.draw_seed())
        self._core.name, self._core.class_name = self.name, self._keras_class
        if self._network is not None:
            net = self._network
            self._core.input_structure = _structure_name(net.input_kind)
            self._core.output_structure = _structure_name(net.output_kind)
            self._core.input_keys = net.input_keys or []
            self._core.output_keys = net.output_keys or []
        self._core.output_names = self.output_names
        if self._compile_args is not None:
            self._apply_compile()

    def _adopt_core(self, core):
        """Takes over a C++ model built from a config or a file."""
        self._graph, self._core = core.graph, core
        for layer in self._graph_layers():
            layer._graph = core.graph
        self._claim_generation = None

    def _claim(self):
        claim(self, self._graph_layers)

    def _build_from_data(self, x):
        """Builds a model whose input shapes were unknown from the first data it receives."""
        if self._subclassed and self._network is None:
            if isinstance(x, dict):
                kind, keys = "dict", sorted(x)
                arrays = [data_utils.to_array(x[k], f"x['{k}']") for k in keys]
            elif isinstance(x, (list, tuple)) and x and all(hasattr(a, "shape") or data_utils.is_pandas(a) for a in x):
                kind, keys = "list", None
                arrays = [data_utils.to_array(a, "x") for a in x]
                if len(arrays) == 1:
                    kind = "tensor"
            else:
                kind, keys, arrays = "tensor", None, [data_utils.to_array(x, "x")]
            if any(a.ndim == 0 for a in arrays):
                raise ValueError("The model received a scalar: pass a batch of samples (an array with a batch axis).")
            self._trace(kind, keys, [tuple(a.shape[1:]) for a in arrays], len(arrays[0]))
            return
        arrays = data_utils.as_list(x, 1, "x")
        if arrays[0].ndim == 0:
            raise ValueError("The model received a scalar: pass a batch of samples (an array with a batch axis).")
        self._build([tuple(arrays[0].shape[1:])])

    # --- tracing a subclassed model -------------------------------------------------------------
    def _trace(self, kind, keys, shapes, batch):
        """Runs ``call`` once on symbolic inputs (twice, training True and False, when call takes
        ``training``) and builds the C++ graph from the layer calls it made."""
        import inspect

        from densekit.layers.input_layer import InputLayer
        from densekit.models import tracing
        from densekit.models.functional import Network, pack_structure

        taken = {getattr(layer, "name", None) for layer in self._tracked}
        names = []
        for k in range(len(shapes)):
            if kind == "dict":
                name = keys[k]
            else:
                base, i, name = "input_layer", 0, "input_layer"
                while name in taken or name in names:
                    i += 1
                    name = f"{base}_{i}"
            names.append(name)
        batch = None if batch is None else int(batch)
        tensors = [InputLayer(batch_shape=(batch,) + tuple(s), name=n).output for s, n in zip(shapes, names)]
        arg = pack_structure(kind, keys, tensors)
        takes_training = "training" in inspect.signature(self.call).parameters
        with tracing.recording() as nodes:
            outputs = self._traced_call(arg, True if takes_training else None, shapes)
        if takes_training:
            with tracing.recording() as inference_nodes:
                inference_outputs = self._traced_call(arg, False, shapes)
            _reconcile(self, tensors, nodes, outputs, inference_nodes, inference_outputs)
        self._traced = True
        self._build_batch = batch
        self._network = Network(arg, outputs)
        self._build(None)

    def _traced_call(self, arg, training, shapes):
        from densekit.models.functional import flatten_structure

        kwargs = {} if training is None else {"training": training}
        try:
            outputs = self.call(arg, **kwargs)
        except Exception as e:
            note = (f"(raised while densekit traced {type(self).__name__}.call() with symbolic inputs of shape(s) "
                    f"{[(None,) + tuple(s) for s in shapes]}: densekit runs call() once with placeholder tensors to build "
                    "its C++ graph, so call() may use the model's layers, layer calls, and +, -, * between tensors, but "
                    "no NumPy or other operations on values, and no Python branching on tensors.)")
            if hasattr(e, "add_note"):
                e.add_note(note)
                raise
            raise type(e)(f"{e} {note}") from e
        try:
            flatten_structure(outputs, "outputs")
        except ValueError:
            raise TypeError(f"{type(self).__name__}.call() returned {outputs!r} ({type(outputs).__name__}); densekit needs "
                            "the output tensor(s) of layer calls: a tensor, a list/tuple or a dict of tensors.") from None
        return outputs

    # --- names, shapes ----------------------------------------------------------------------
    @property
    def output_names(self):
        if self._core is not None:
            return list(self._core.output_names)
        if self._network is not None:
            return [t._keras_history.operation.name for t in self._network.outputs]
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
        from densekit.models.functional import pack_structure

        self._require_built("input")
        net = self._network
        return pack_structure(net.input_kind, net.input_keys, net.inputs) if net is not None else None

    @property
    def output(self):
        from densekit.models.functional import pack_structure

        self._require_built("output")
        net = self._network
        return pack_structure(net.output_kind, net.output_keys, net.outputs) if net is not None else None

    # --- weights ------------------------------------------------------------------------------
    @property
    def weights(self):
        seen, out = set(), []
        for layer in self.layers:
            for w in layer.weights:
                key = (id(w._layer), w._index) if hasattr(w, "_layer") else id(w)
                if key not in seen:
                    seen.add(key)
                    out.append(w)
        return out

    def _check_countable(self):
        if self._core is None:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the layer isn't built. "
                             f"You can build it manually via: `{self.name}.build(batch_input_shape)`.")

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

    # --- compile ------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        if metrics is not None and not isinstance(metrics, (list, tuple, dict)):
            raise ValueError("Expected `metrics` argument to be a list, tuple, or dict. "
                             f"Received instead: metrics={metrics} of type {type(metrics)}")
        if weighted_metrics is not None and not isinstance(weighted_metrics, (list, tuple, dict)):
            raise ValueError("Expected `weighted_metrics` argument to be a list, tuple, or dict. "
                             f"Received instead: weighted_metrics={weighted_metrics} of type {type(weighted_metrics)}")
        if loss_weights is not None and not isinstance(loss_weights, (list, tuple, dict, numbers.Real)):
            raise ValueError("Expected `loss_weights` argument to be a float (single output case) or a list, tuple, or "
                             f"dict (multiple output case). Received instead: loss_weights={loss_weights} of type "
                             f"{type(loss_weights)}")
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        self._compile_args = {"loss": loss, "loss_weights": loss_weights, "metrics": metrics,
                              "weighted_metrics": weighted_metrics}
        self._resolved = None
        if self._core is not None or self._network is not None or not self._subclassed:
            # Output names are known (or it is a Sequential's last layer): check everything now.
            self._resolved = self._resolve_compile()
        self.compiled = True
        self.stop_training = False
        if self._core is not None:
            self._apply_compile()

    def _resolve_compile(self):
        """Per output: loss objects, loss weights, metric and weighted-metric objects (Keras's
        CompileLoss and CompileMetrics rules for a value given once, as a list or as a dict).
        Repeated metric names are told apart in the logs by the C++ model ("_1", "weighted_")."""
        args = self._compile_args
        names = self.output_names
        keys = self._output_keys
        n = len(names)
        index = {name: k for k, name in enumerate(names)}
        if keys:
            index.update({key: k for k, key in enumerate(keys)})

        def by_output(value, what):
            """A dict keyed by output names (or output dict keys) as a per-output list (None: absent)."""
            out = [None] * n
            for key, v in value.items():
                if key not in index:
                    raise ValueError(f"In the dict argument `{what}`, key '{key}' does not correspond to any model output. "
                                     f"Received: {what}={value}. The model's outputs are {names}.")
                out[index[key]] = v
            return out

        loss = args["loss"]
        if loss is None:
            losses = None
        else:
            if isinstance(loss, dict) and not _is_config(loss):
                per = by_output(loss, "loss")
            elif isinstance(loss, (list, tuple)):
                if len(loss) != n:
                    raise ValueError(f"The model has {n} output(s) ({names}) but {len(loss)} losses were given: pass one "
                                     "loss, one per output, or a dict keyed by output names.")
                per = list(loss)
            else:
                per = [loss] * n
            missing = [names[k] for k, v in enumerate(per) if v is None]
            if missing:
                raise ValueError(f"densekit needs a loss for every output; none was given for {missing}.")
            losses = [losses_module.get(v) for v in per]

        weights = args["loss_weights"]
        if weights is None:
            weights = [1.0] * n
        elif isinstance(weights, dict):
            per = by_output(weights, "loss_weights")
            weights = [1.0 if w is None else w for w in per]
        elif isinstance(weights, (list, tuple)):
            if len(weights) != n:
                raise ValueError(f"`loss_weights` must match the number of losses, got {n} losses and {len(weights)} "
                                 "weights.")
            weights = list(weights)
        else:
            if n > 1 and isinstance(loss, (list, tuple, dict)) and not _is_config(loss):
                raise ValueError(f"`loss_weights` must match the number of losses, got {n} losses and 1 weight. Pass a "
                                 "list or a dict of weights.")
            weights = [weights] * n
        for w in weights:
            if isinstance(w, bool) or not isinstance(w, numbers.Real):
                raise ValueError(f"Every loss weight must be a number. Received: loss_weights={args['loss_weights']!r}")
        weights = [float(w) for w in weights]

        def metric_lists(metrics, what):
            """Per output, the metric identifiers."""
            entry = lambda v: [] if v is None else (list(v) if isinstance(v, (list, tuple)) else [v])  # noqa: E731
            if metrics is None:
                return [[] for _ in range(n)]
            if n == 1:
                if isinstance(metrics, dict):
                    return [[m for v in by_output(metrics, what) for m in entry(v)]]
                return [list(metrics)]
            if isinstance(metrics, dict):
                return [entry(v) for v in by_output(metrics, what)]
            if len(metrics) != n:
                raise ValueError(f"For a model with multiple outputs, when providing the `{what}` argument as a list, it "
                                 f"should have as many entries as the model has outputs. Received:\n{what}={metrics}\nof "
                                 f"length {len(metrics)} whereas the model has {n} outputs.")
            return [entry(v) for v in metrics]

        plain = [[(m, metrics_module.get(m)) for m in ms if m is not None] for ms in metric_lists(args["metrics"], "metrics")]
        weighted = [[(m, metrics_module.get(m)) for m in ms if m is not None]
                    for ms in metric_lists(args.get("weighted_metrics"), "weighted_metrics")]
        # Each metric's direction under its own (unprefixed) name, which is all callbacks' mode="auto"
        # can match in Keras.
        self._metric_directions = dict(_metric_direction(m, core) for pairs in plain + weighted for m, core in pairs)
        return (losses, weights, [[c for _, c in pairs] for pairs in plain], [[c for _, c in pairs] for pairs in weighted])

    def _apply_compile(self):
        if getattr(self, "_resolved", None) is None:
            self._resolved = self._resolve_compile()
        losses, weights, metric_cores, weighted_cores = self._resolved
        if losses is not None:
            self._core.compile(self.optimizer._core, [loss._core for loss in losses], weights, metric_cores,
                               weighted_cores)

    def _adopt_compile(self, compile_config, core_optimizer):
        """Mirrors the compile settings of a C++ model loaded already compiled (its optimizer
        keeps the loaded slots and iteration count)."""
        self.optimizer = optimizers._wrap(core_optimizer, compile_config["optimizer"])
        loss = compile_config["loss"]
        self.loss = losses_module.get(loss) if _is_config(loss) else loss
        self._compile_args = {"loss": loss, "loss_weights": compile_config.get("loss_weights"),
                              "metrics": compile_config.get("metrics"),
                              "weighted_metrics": compile_config.get("weighted_metrics")}
        # Resolved like compile() (for the names and directions; the C++ model keeps its own).
        self._resolved = self._resolve_compile()
        self.compiled = True

    @property
    def _metric_names(self):
        """The compiled metrics' names (metrics, then weighted metrics), per output flattened."""
        if getattr(self, "_resolved", None) is None:
            return []
        return [core.name for cores in self._resolved[2] + self._resolved[3] for core in cores]

    def _require_compiled(self):
        if not self.compiled:
            raise ValueError("You must call `compile()` before using the model.")
        if self._compile_args["loss"] is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")

    # --- data ---------------------------------------------------------------------------------
    def _inputs(self, x):
        """The model's input arrays, in graph order, from an array, a list/tuple or a dict keyed
        by input names (building the model on its first data if needed)."""
        if x is None:
            raise ValueError("`x` is None: pass the input data.")
        if self._core is None:
            self._build_from_data(x)
        names, shapes = self._input_spec()
        n = len(names)
        if isinstance(x, dict):
            unknown = [k for k in x if k not in names]
            if unknown:
                raise ValueError(f"`x` is a dict with key(s) {unknown} that match no model input; the model's inputs are "
                                 f"{names}.")
            missing = [k for k in names if k not in x]
            if missing:
                raise ValueError(f"`x` is a dict without the model input(s) {missing}; the model's inputs are {names}.")
            raw = [x[k] for k in names]
            labels = [f"x['{k}']" for k in names]
        elif isinstance(x, (list, tuple)) and (n > 1 or (len(x) == 1 and (hasattr(x[0], "shape")
                                                                           or data_utils.is_pandas(x[0])))):
            if len(x) != n:
                raise ValueError(f"The model expects {n} input array(s) ({names}), but received a list of {len(x)}.")
            raw = list(x)
            labels = [f"x[{k}]" for k in range(n)]
        else:
            if n != 1:
                raise ValueError(f"The model has {n} inputs ({names}): pass x as a list of {n} arrays or a dict keyed by "
                                 "input names.")
            raw, labels = [x], ["x"]
        xs = [data_utils.to_array(a, label) for a, label in zip(raw, labels)]
        data_utils.check_same_length(xs, "x")
        if len(xs[0]) == 0:
            raise ValueError("The data is empty: `x` has 0 samples. Pass at least one sample.")
        first = self.name if n > 1 or not self.layers else self.layers[0].name
        xs = data_utils.check_input_shapes(xs, shapes, first, names if n > 1 else None)
        self._claim()
        return xs

    def _targets(self, y, xs):
        if y is None:
            raise ValueError("Target data `y` is missing: pass the targets to train or evaluate on.")
        names = self.output_names
        keys = self._output_keys
        n = len(names)
        if isinstance(y, dict):
            index = {name: k for k, name in enumerate(names)}
            if keys:
                index.update({key: k for k, key in enumerate(keys)})
            unknown = [k for k in y if k not in index]
            if unknown:
                raise ValueError(f"`y` is a dict with key(s) {unknown} that match no model output; the model's outputs "
                                 f"are {names}.")
            raw = [None] * n
            for key, value in y.items():
                raw[index[key]] = value
            missing = [names[k] for k in range(n) if raw[k] is None]
            if missing:
                raise ValueError(f"`y` is a dict without targets for output(s) {missing}; the model's outputs are {names}.")
        elif isinstance(y, (list, tuple)) and (n > 1 or (len(y) == 1 and (hasattr(y[0], "shape")
                                                                           or data_utils.is_pandas(y[0])))):
            if len(y) != n:
                raise ValueError(f"The model has {n} output(s) ({names}), but `y` is a list of {len(y)} arrays.")
            raw = list(y)
        else:
            if n != 1:
                raise ValueError(f"The model has {n} outputs ({names}): pass y as a list of {n} arrays or a dict keyed by "
                                 "output names.")
            raw = [y]
        ys = [data_utils.to_array(a, "y") for a in raw]
        for t in ys:
            if len(t) != len(xs[0]):
                raise ValueError(f"Data cardinality is ambiguous: x has {len(xs[0])} samples but y has {len(t)}. "
                                 "Make sure all arrays contain the same number of samples.")
        return ys

    @staticmethod
    def _weights(sample_weight, n):
        if sample_weight is None:
            return None
        if isinstance(sample_weight, (dict, list, tuple)) and sample_weight and all(
                hasattr(w, "shape") for w in (sample_weight.values() if isinstance(sample_weight, dict) else sample_weight)):
            raise ValueError("densekit takes one `sample_weight` array, applied to every output; per-output sample "
                             "weights are not supported.")
        w = data_utils.to_array(sample_weight, "sample_weight").reshape(-1)
        if len(w) != n:
            raise ValueError(f"`sample_weight` must have one value per sample: expected {n}, received {len(w)}.")
        return w

    @staticmethod
    def _class_weights(class_weight, ys):
        if not isinstance(class_weight, dict):
            raise ValueError(f"`class_weight` must be a dict mapping class indices to weights. Received: {class_weight!r}")
        if len(ys) != 1:
            raise ValueError("`class_weight` is only supported for models with a single output.")
        pairs = []
        for key, value in class_weight.items():
            if isinstance(key, bool) or not isinstance(key, numbers.Integral):
                raise ValueError("Expected `class_weight` to be a dict with keys from 0 to one less than the number "
                                 f"of classes, found {class_weight}")
            pairs.append((int(key), float(value)))
        return _core.class_weights_to_sample_weights(ys[0], pairs)

    def _format_logs(self, logs, return_dict):
        if return_dict:
            return {k: float(v) for k, v in sorted(logs)}
        names = self.output_names
        if len(names) > 1:
            # Keras's order: loss, the per-output losses in output order, then the rest sorted.
            first = ["loss"] + [f"{name}_loss" for name in names]
            values = dict(logs)
            ordered = [k for k in first if k in values] + sorted(k for k in values if k not in first)
            result = [float(values[k]) for k in ordered]
        else:
            result = [float(v) for _, v in logs]  # loss, then the metrics in compile order
        return result[0] if len(result) == 1 else result

    def _structured_outputs(self, outputs):
        keys = self._output_keys
        if keys is not None:
            return dict(zip(keys, outputs))
        return outputs[0] if len(outputs) == 1 else list(outputs)

    # --- training -----------------------------------------------------------------------------
    @staticmethod
    def _handle_sigint():
        """Whether the C++ loop takes over Ctrl-C (stopping between batches, then raising
        KeyboardInterrupt): in the main thread, where Python delivers KeyboardInterrupt, and only
        while SIGINT has Python's default handler (a handler of the user's own, or SIG_IGN, keeps
        the signal)."""
        return (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler)

    def _test_hooks(self, cbl, handle_sigint, in_fit=False):
        """evaluate's hooks into the C++ loop for the callbacks in ``cbl``: only those some
        callback implements (the progress bar's batch updates throttled; none for validation
        inside fit, which the bar does not show)."""
        hooks = _core.LoopHooks()
        hooks.handle_sigint = handle_sigint
        if cbl.implements("on_test_begin") or cbl.implements("on_test_end") or cbl.implements("on_test_batch_end"):
            hooks.begin = lambda: cbl.on_test_begin()
            hooks.end = lambda logs: cbl.on_test_end(_sorted_logs(logs))
        if cbl.implements("on_test_batch_begin"):
            def batch_begin(batch):
                cbl.on_test_batch_begin(batch)
                return bool(getattr(self, "stop_evaluating", False))
            hooks.batch_begin = batch_begin
        interval = cbl.batch_end_interval("on_test_batch_end", progbar=not in_fit)
        if interval is not None:
            def batch_end(batch, logs):
                cbl.on_test_batch_end(batch, _sorted_logs(logs))
                return bool(getattr(self, "stop_evaluating", False))
            hooks.batch_end = batch_end
            hooks.batch_end_interval = interval
        return hooks

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
        self._require_compiled()
        verbose = _verbose(verbose)
        epochs = int(epochs)
        xs = self._inputs(x)
        ys = self._targets(y, xs)
        n = len(xs[0])
        sw = self._weights(sample_weight, n)
        if class_weight is not None:
            if sw is not None:
                raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
            sw = self._class_weights(class_weight, ys)
        if self._core.trainable_changed_since_compile:
            warnings.warn("A layer's `trainable` state has changed since the model was compiled: the change takes effect "
                          "only after calling `compile()` again.", UserWarning, stacklevel=2)
        validation = None
        if validation_data is not None:
            if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
                raise ValueError("`validation_data` must be a tuple (x_val, y_val) or (x_val, y_val, val_sample_weight).")
            vx = self._inputs(validation_data[0])
            vy = self._targets(validation_data[1], vx)
            vw = self._weights(validation_data[2], len(vx[0])) if len(validation_data) == 3 else None
            validation = (vx, vy, vw)
        if batch_size is None:
            batch_size = math.ceil(n / steps_per_epoch) if steps_per_epoch else 32
        batch_size = _positive_int("batch_size", batch_size)
        if validation_split and validation_data is None:
            (xs_t, ys_t, sw_t), (xs_v, ys_v, sw_v) = self._split(xs, ys, sw, validation_split)
            xs, ys, sw, validation = xs_t, ys_t, sw_t, (xs_v, ys_v, sw_v)
        options = _core.FitOptions()
        if shuffle not in (True, False):
            raise ValueError(f"densekit supports shuffle=True or False. Received: shuffle={shuffle!r}")
        options.shuffle = bool(shuffle)
        if validation_batch_size is not None:
            options.validation_batch_size = _positive_int("validation_batch_size", validation_batch_size)
        if isinstance(validation_freq, (list, tuple, set)):
            options.validation_epochs = sorted(int(e) for e in validation_freq)
        else:
            options.validation_freq = _positive_int("validation_freq", validation_freq)
        steps = math.ceil(len(xs[0]) / min(batch_size, len(xs[0])))
        cbl = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=epochs,
            steps=steps)
        handle_sigint = self._handle_sigint()
        options.handle_sigint = handle_sigint

        hooks = _core.FitHooks()
        hooks.validation = self._test_hooks(cbl, handle_sigint, in_fit=True)
        last_logs = [None]  # the last epoch's logs, for on_train_end

        def epoch_begin(epoch):
            cbl.on_epoch_begin(epoch)
            return bool(self.stop_training)

        def epoch_end(epoch, logs):
            last_logs[0] = _epoch_logs(logs)
            cbl.on_epoch_end(epoch, last_logs[0])
            return bool(self.stop_training)

        if cbl.implements("on_epoch_begin"):  # else no call into Python at epoch begin
            hooks.epoch_begin = epoch_begin
        hooks.epoch_end = epoch_end
        if cbl.implements("on_train_batch_begin"):
            def batch_begin(epoch, batch):
                cbl.on_train_batch_begin(batch)
                return bool(self.stop_training)
            hooks.batch_begin = batch_begin
        interval = cbl.batch_end_interval("on_train_batch_end")
        if interval is not None:
            def batch_end(epoch, batch, logs):
                cbl.on_train_batch_end(batch, _sorted_logs(logs))
                return bool(self.stop_training)
            hooks.batch_end = batch_end
            options.batch_hook_interval = interval

        self.stop_training = False
        cbl.on_train_begin()
        # BackupAndRestore sets _initial_epoch in on_train_begin to resume where a fit stopped.
        initial_epoch = self._initial_epoch or initial_epoch
        self._initial_epoch = None
        options.batch_size, options.epochs, options.initial_epoch = batch_size, epochs, int(initial_epoch)
        # Ctrl-C: the loop stops between batches and raises KeyboardInterrupt; model.history
        # keeps the finished epochs, and on_train_end is not called (as in Keras).
        self._core.fit(xs, ys, sw, validation, options, hooks)
        cbl.on_train_end(last_logs[0])
        return self.history

    @staticmethod
    def _split(xs, ys, sw, fraction):
        train_x, val_x = data_utils.split_validation(xs, fraction)
        train_y, val_y = data_utils.split_validation(ys, fraction)
        (train_w,), (val_w,) = data_utils.split_validation([sw], fraction) if sw is not None else ((None,), (None,))
        return (train_x, train_y, train_w), (val_x, val_y, val_w)

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        self._require_compiled()
        verbose = _verbose(verbose)
        xs = self._inputs(x)
        ys = self._targets(y, xs)
        sw = self._weights(sample_weight, len(xs[0]))
        batch_size = _positive_int("batch_size", batch_size or 32)
        cbl = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=math.ceil(len(xs[0]) / batch_size))
        self.stop_evaluating = False
        logs = self._core.evaluate(xs, ys, sw, batch_size, self._test_hooks(cbl, self._handle_sigint()))
        return self._format_logs(logs, return_dict)

    def _ready_input(self, x):
        """x itself when it is already what the C++ core reads (one float32 C-ordered array of the
        single input's shape): the fast path of predict, predict_on_batch and calling the model."""
        shape = self._single_input_shape
        if (shape is not None and type(x) is np.ndarray and x.dtype == np.float32 and x.flags.c_contiguous
                and x.shape[1:] == shape and len(x)):
            self._claim()  # a no-op unless another model ran this model's (shared) layers since
            return x
        return None

    @property
    def _single_input_shape(self):
        """The per-sample shape of the one input when predict may hand a ready array straight to
        C++ (one input, one output, not a dict of outputs), else None; kept per graph (this runs
        before every single-row predict)."""
        graph = self._graph
        cached = self.__dict__.get("_input_shape_cache")
        if cached is not None and cached[0] is graph:
            return cached[1]
        shape = None
        if (graph is not None and len(graph.input_nodes) == 1 and len(graph.output_nodes) == 1
                and self._output_keys is None):
            shape = tuple(graph.node_shape(graph.input_nodes[0]))
        self._input_shape_cache = (graph, shape)
        return shape

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        if verbose == 0 and callbacks is None and (batch_size is None or batch_size > 0):
            ready = self._ready_input(x)
            if ready is not None:
                return self._core.predict_single(ready, batch_size or 32)
        verbose = _verbose(verbose)
        xs = self._inputs(x)
        batch_size = _positive_int("batch_size", batch_size or 32)
        cbl = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=math.ceil(len(xs[0]) / batch_size))
        hooks = _core.LoopHooks()
        hooks.handle_sigint = self._handle_sigint()
        out = None
        self.stop_predicting = False
        if cbl.callbacks:
            hooks.begin = lambda: cbl.on_predict_begin()
            hooks.end = lambda logs: cbl.on_predict_end()
            if cbl.implements("on_predict_batch_begin"):
                def batch_begin(batch):
                    cbl.on_predict_batch_begin(batch)
                    return bool(self.stop_predicting)
                hooks.batch_begin = batch_begin
            interval = cbl.batch_end_interval("on_predict_batch_end")
            if interval is not None:
                # The callbacks see each batch's rows of the output arrays being filled.
                rows = len(xs[0])
                out = [np.empty((rows,) + tuple(self._graph.node_shape(o)), dtype=np.float32)
                       for o in self._graph.output_nodes]

                def batch_end(batch, logs):
                    part = [o[batch * batch_size:(batch + 1) * batch_size] for o in out]
                    cbl.on_predict_batch_end(batch, {"outputs": part[0] if len(part) == 1 else part})
                    return bool(self.stop_predicting)
                hooks.batch_end = batch_end
                hooks.batch_end_interval = interval
        outputs = self._core.predict(xs, batch_size, hooks, out)
        return self._structured_outputs(outputs)

    def predict_on_batch(self, x):
        ready = self._ready_input(x)
        if ready is not None:
            return self._core.predict_single(ready, len(ready))
        xs = self._inputs(x)
        return self._structured_outputs(self._core.predict(xs, len(xs[0])))

    def __call__(self, inputs, training=None, mask=None):
        """On symbolic tensors: applies the model's layers to them (a model used as a layer). On
        arrays: one forward pass in C++ (training=True: dropout active, BatchNormalization on
        batch statistics, updating its moving ones), returning NumPy."""
        if not training and mask is None and type(inputs) is np.ndarray:  # the common eager call, fast
            ready = self._ready_input(inputs)
            if ready is not None:
                return self._core.predict_single(ready, len(ready))
        if mask is not None:
            raise ValueError("densekit models do not support masks.")
        if training is not None and not isinstance(training, (bool, np.bool_)):
            raise TypeError(f"`training` must be True, False or None. Received: training={training!r}")
        if _has_symbolic(inputs):
            return self._call_symbolic(inputs, None if training is None else bool(training))
        if not training:
            return self.predict_on_batch(inputs)
        xs = self._inputs(inputs)
        return self._structured_outputs(self._core.call(xs, True))

    def _call_symbolic(self, inputs, training):
        if self._network is not None and not self._traced:
            return self._network.replay(inputs, training)
        if self._subclassed:
            import inspect

            kwargs = {"training": training} if "training" in inspect.signature(self.call).parameters else {}
            return self.call(inputs, **kwargs)
        return self.call(inputs, training)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        self._require_compiled()
        xs = self._inputs(x)
        ys = self._targets(y, xs)
        sw = self._weights(sample_weight, len(xs[0]))
        if class_weight is not None:
            sw = self._class_weights(class_weight, ys)
        return self._format_logs(self._core.train_on_batch(xs, ys, sw), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._require_compiled()
        xs = self._inputs(x)
        ys = self._targets(y, xs)
        sw = self._weights(sample_weight, len(xs[0]))
        return self._format_logs(self._core.test_on_batch(xs, ys, sw), return_dict)

    @property
    def metrics_names(self):
        return ["loss", "compile_metrics"] if self._metric_names else ["loss"]

    # --- saving and configs ---------------------------------------------------------------------
    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Saves the whole model to one file in densekit's format (any path; ``.keras`` and
        ``.h5`` paths get densekit's format too, with a warning)."""
        self._claim() if self._core is not None else None
        saving.save_model(self, filepath, overwrite=overwrite)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Saves the weights (and the optimizer state, once built) in densekit's format."""
        self._claim() if self._core is not None else None
        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Loads weights saved by save_weights or save, matched to this model's weights in order."""
        self._claim() if self._core is not None else None
        saving.load_weights(self, filepath)

    def _serialized(self):
        """Keras's serialized model: module, class_name, config, build_config, compile_config. A
        subclassed model is serialized as the functional graph its call() traced (Keras would need
        the Python class itself to rebuild it)."""
        self._require_built("config")
        return json.loads(_core.model_config_json(self._core))

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds a functional model from get_config() (fresh weights)."""
        from densekit.models.functional import Functional

        return Functional.from_config(config, custom_objects)

    def get_config(self):
        return self._serialized()["config"]

    def to_json(self, **kwargs):
        return json.dumps(self._serialized(), **kwargs)

    def __reduce__(self):
        self._require_built("state to pickle")
        self._claim()
        return saving.model_from_bytes, (_core.save_model_to_bytes(self._core),)

    # --- summary ------------------------------------------------------------------------------
    def _summary_rows(self):
        """(rows, headers): Keras's 3 columns for chains and subclassed models, with "Connected to"
        for other functional graphs."""
        from densekit.layers.input_layer import InputLayer

        net = self._network
        if net is None:
            return [(f"{layer.name} ({type(layer).__name__})", "?", "0 (unbuilt)") for layer in self.layers], None
        last_shape = {}
        for node in net.nodes:
            last_shape[node.layer] = node.output.shape
        fmt = lambda shape: "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"  # noqa: E731
        chain = self._traced or net.is_chain
        rows = []
        for layer in self.layers:
            last = layer
            while isinstance(last, Model) and last.layers:  # a nested model: its last layer's output
                last = last.layers[-1]
            shape = fmt(last_shape[last]) if last in last_shape else "?"
            if isinstance(layer, Model):  # a nested model: its layers' weights live in this model
                params = f"{sum(int(np.prod(w.shape)) for w in layer.weights):,}"
            else:
                params = "0" if isinstance(layer, InputLayer) else f"{layer.count_params():,}"
            row = (f"{layer.name} ({type(layer).__name__})", shape, params)
            if not chain:
                links = [f"{t._keras_history.operation.name}[{net.node_index[t._node]}][0]"
                         for node in net.nodes if node.layer is layer for t in node.inputs]
                row += (", ".join(links) if links else "-",)
            rows.append(row)
        headers = None if chain else ("Layer (type)", "Output Shape", "Param #", "Connected to")
        return rows, headers

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False,
                layer_range=None):
        rows, headers = self._summary_rows()
        trainable = sum(int(np.prod(w.shape)) for w in self.trainable_weights)
        non_trainable = sum(int(np.prod(w.shape)) for w in self.non_trainable_weights)
        optimizer_params = None
        if self.optimizer is not None and self.optimizer.built:
            optimizer_params = self.optimizer.count_params()
        extra = {"headers": headers} if headers else {}
        text = summary_utils.render(self.name, rows, trainable, non_trainable, optimizer_params,
                                    line_length=line_length, positions=positions, **extra)
        if print_fn is not None:
            print_fn(text)
        else:
            print(text)


def _has_symbolic(value):
    from densekit.layers.input_layer import KerasTensor

    if isinstance(value, KerasTensor):
        return True
    if isinstance(value, dict):
        value = list(value.values())
    return isinstance(value, (list, tuple)) and any(isinstance(v, KerasTensor) for v in value)


def _reconcile(model, inputs, nodes, outputs, inference_nodes, inference_outputs):
    """Merges the two traces of a subclassed model's call (training=True and training=False) into
    one graph whose nodes run in the right mode for each.

    Each trace fixes how its own mode behaves: the training trace's layer calls (a ``training``
    argument of True means the model's mode, or always; False means never), and the inference
    trace's. Calls of layers that are identity in inference (Dropout, GaussianNoise,
    GaussianDropout) may appear in the training trace only (``if training: x = dropout(x)``).
    Anything else that differs between the traces cannot be one graph: a clear error.
    """
    from densekit.models.functional import flatten_structure

    def mismatch(detail):
        for node in inference_nodes:  # the inference trace's calls are not part of the model
            if node in node.layer._inbound_nodes:
                node.layer._inbound_nodes.remove(node)
        return ValueError(
            f"{type(model).__name__}.call() builds a different network with training=True than with training=False "
            f"({detail}). densekit traces call() into one C++ graph: layers must be created in __init__, and `training` "
            "may only be passed on to layers (self.dropout(x, training=training)) or guard layers that do nothing in "
            "inference (if training: x = self.dropout(x)).")

    def identity_in_inference(node, mode):
        return node.layer._core.is_identity_in_inference and not mode

    # Inference trace, with its identity calls elided: tensors map to canonical ids.
    canon = {id(t): ("input", k) for k, t in enumerate(inputs)}
    reference = []
    for node in inference_nodes:
        mode = False if node.training is None else node.training
        args = tuple(canon.get(id(t)) for t in node.inputs)
        if None in args:
            continue  # a call on tensors the outputs do not come from
        if identity_in_inference(node, mode):
            canon[id(node.output)] = args[0]
            continue
        canon[id(node.output)] = ("node", len(reference))
        reference.append((node.layer, args, mode))
    reference_outputs = [canon.get(id(t)) for t in flatten_structure(inference_outputs, "outputs")[2]]

    # Training trace, matched call by call; each node gets its mode in both.
    train_canon = {id(t): ("input", k) for k, t in enumerate(inputs)}
    j = 0
    for node in nodes:
        train_mode = True if node.training is None else node.training
        args = tuple(train_canon.get(id(t)) for t in node.inputs)
        if None in args:
            continue
        if j < len(reference) and reference[j][0] is node.layer and reference[j][1] == args:
            inference_mode = reference[j][2]
            train_canon[id(node.output)] = ("node", j)
            j += 1
        elif node.layer._core.is_identity_in_inference:
            inference_mode = False
            train_canon[id(node.output)] = args[0]
        else:
            raise mismatch(f"layer '{node.layer.name}' is called differently")
        if train_mode and not inference_mode:
            node.training = None  # follows the model
        elif train_mode == inference_mode:
            node.training = train_mode
        else:
            raise mismatch(f"layer '{node.layer.name}' runs in inference mode when training and in training mode in "
                           "inference")
    outputs_canon = [train_canon.get(id(t)) for t in flatten_structure(outputs, "outputs")[2]]
    if j != len(reference) or outputs_canon != reference_outputs:
        missing = [layer.name for layer, _, _ in reference[j:]]
        raise mismatch(f"layers {missing} are called only with training=False" if missing else "the outputs differ")
    for node in inference_nodes:
        if node in node.layer._inbound_nodes:
            node.layer._inbound_nodes.remove(node)
