"""The Layer base class: configuration in Python, computation in the C++ object it wraps.

Calling a layer on KerasTensors (the functional API) records a node and returns a KerasTensor
whose shape the C++ layer computed; calling it on arrays runs it at once in C++ and returns a
NumPy array.

Where a layer's weights live: in the flat buffer of one C++ graph at a time (a model's graph,
or the small graph an eager call builds). A layer shared by several models moves, with its
current values, to whichever graph runs or is read next; the C++ graph does that itself
(cpp/include/densekit/graph.hpp), so every model computes with the latest weights, as Keras's
shared variables do. ``layer._graph`` is the last graph built with the layer: reading or writing
a weight through it gets the current values wherever they are.
"""

import json
import numbers
import warnings

import numpy as np

from densekit import _core, initializers, regularizers
from densekit.config import DTypePolicy
from densekit.layers import activity_penalty, eager_call
from densekit.layers.keras_tensor import KerasTensor
from densekit.layers.layer_variable import VariableOperators
from densekit.layers.node import Node, record
from densekit.layers.subclassing import SubclassingMixin, has_own_call
from densekit.layers.trace_call import TrainingDecidedAtRun, trace_call
from densekit.utils.object_registration import serialize_object
from densekit.utils import naming, traceback_utils
from densekit.utils.pickling import ConfigPickling
from densekit.utils.arrays import to_array


class Variable(VariableOperators):
    """A view of one weight of a built layer (Keras's ``layer.weights`` entries)."""

    def __init__(self, layer, index, name, shape, trainable, integer=False):
        self._layer, self._index = layer, index
        self.name, self.shape, self._trainable = name, tuple(shape), trainable
        self.dtype = "int64" if integer else "float32"

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        if bool(value) != self._trainable:  # (silently kept, the weight would go on training)
            raise NotImplementedError(
                f"densekit freezes a built-in layer's weights together: set `trainable` on the layer "
                f"('{self._layer.name}') rather than on its weight '{self.name}', then compile.")

    @property
    def constraint(self):
        return getattr(self._layer, f"{self.name}_constraint", None)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def value(self):
        return self.numpy()

    @property
    def path(self):
        return f"{self._layer._path_scope or ''}{self._layer.name}/{self.name}"

    @property
    def regularizer(self):
        """The layer's regularizer of this weight (its ``kernel_regularizer`` for the kernel...)."""
        return getattr(self._layer, f"{self.name}_regularizer", None)

    def numpy(self):
        value = self._layer._graph.get_weight(self._layer._core, self._index)
        return value.astype(np.int64) if self.dtype == "int64" else value

    def assign(self, value):
        # strings, dates or complex values are refused by dtype, not parsed or cast (utils/arrays.py)
        checked = to_array(value, f"the value assigned to {self.path}").reshape(np.shape(value))
        self._layer._graph.set_weight(self._layer._core, self._index, np.array(checked, dtype=np.float32, order="C"))
        return self

    def assign_add(self, value):
        return self.assign(self.numpy() + np.asarray(value, dtype=np.float32))

    def assign_sub(self, value):
        return self.assign(self.numpy() - np.asarray(value, dtype=np.float32))

    def __array__(self, dtype=None, copy=None):
        return self.numpy() if dtype is None else self.numpy().astype(dtype)

    def __getitem__(self, key):
        return self.numpy()[key]

    def __neg__(self):
        return -self.numpy()

    def __repr__(self):
        value = f", value={self.numpy()}" if self._layer._graph is not None else ""  # (Keras's, as NumPy prints it)
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}{value}>"


def _check_tensor_inputs(inputs):
    """Keras takes tensors (arrays) as a layer's inputs, not Python numbers: a nested list of
    numbers would be read as a list of inputs, each a number (keras/src/layers/layer.py)."""
    pending = [inputs]
    while pending:
        value = pending.pop()
        if isinstance(value, (list, tuple)):
            pending.extend(reversed(value))
        elif (isinstance(value, (numbers.Number, str, bytes)) and not isinstance(value, np.generic)) or isinstance(
                value, WeightsMixin):  # (a layer or model: Dense(3)(Dense(2)) forgot to call the inner one)
            raise ValueError("Only input tensors may be passed as positional arguments. The following argument value "
                             f"should be passed as a keyword argument: {value} (of type {type(value)})")


def _flatten_call_inputs(inputs):
    if isinstance(inputs, (list, tuple)):
        return list(inputs), False
    return [inputs], True


class WeightsMixin:
    """Keras's weight API over ``self.weights`` (a list of Variables), shared by Layer and Model."""

    _owner_kind = "layer"  # how error messages name the owner
    # densekit computes and keeps weights in float32 only (read-only, as Keras's properties), and
    # has no masks (so no layer supports them, and none computes one).
    dtype = compute_dtype = variable_dtype = input_dtype = property(lambda self: "float32")
    dtype_policy = property(lambda self: DTypePolicy())
    supports_masking = False

    def compute_mask(self, inputs, previous_mask=None):
        return None

    @property
    def path(self):
        """Keras's: the layer's name in the scopes it was built in ("sequential/dense"); None
        before it is built."""
        scope = self.__dict__.get("_path_scope")
        return None if scope is None else f"{scope}{self.name}"

    # Keras 3's names for the weight lists: a layer's variables are its weights here, as densekit's
    # random layers keep their generator state in C++, not in variables.
    @property
    def variables(self):
        return self.weights

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        return self.non_trainable_weights

    @property
    def trainable_weights(self):  # (a frozen layer has none, whatever its variables say: Keras)
        return [w for w in self.weights if w.trainable] if self.trainable else []

    def _regularization_losses(self):
        """Each trainable weight's regularizer applied to its current value, as float32 scalars."""
        return [np.float32(w.regularizer(np.asarray(w))) for w in self.trainable_weights
                if getattr(w, "regularizer", None) is not None]

    @property
    def non_trainable_weights(self):
        return [w for w in self.weights if not w.trainable] if self.trainable else self.weights

    def _built_weight(self, index, name):
        """The weight behind a property such as ``kernel``, once the layer is built (Keras's message)."""
        weights = self.weights
        if len(weights) <= index:
            if self._inbound_nodes and self._graph is None:  # (read in a traced call: weight tying)
                raise AttributeError(f"Layer '{self.name}' has no `{name}` yet: a layer called on symbolic tensors "
                                     "gets its weights when a model holding it is built, so a traced call cannot "
                                     "read them.")
            raise AttributeError(f"You must build the layer before accessing `{name}`.")
        return weights[index]

    def get_weights(self):
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights):
        own = self.weights
        kind = self._owner_kind
        if len(weights) != len(own):
            raise ValueError(f"You called `set_weights(weights)` on {kind} '{self.name}' with a weight list of length "
                             f"{len(weights)}, but the {kind} was expecting {len(own)} weights.")
        for variable, value in zip(own, weights):
            variable.assign(value)

    def _build_config_shape(self, config):
        """The input shape a build config (``get_build_config()``'s dict) holds, or None."""
        if not isinstance(config, dict):
            raise ValueError(f"{self._owner_kind.capitalize()} '{self.name}': a build config is a dict such as "
                             f"{{'input_shape': (None, 4)}}. Received: {config!r:.200}")
        return config.get("input_shape")

    def count_params(self):
        self._check_countable()  # raises when the weights do not exist yet
        return int(sum(np.prod(w.shape) for w in self.weights))


class Layer(ConfigPickling, SubclassingMixin, WeightsMixin):
    """Base of every layer. densekit's layers create ``self._core`` (the C++ layer) in
    ``__init__``; a subclass of the user's defines ``call`` (layers/subclassing.py)."""

    _takes_list = False  # merge layers are called on a list of tensors
    _core_pickled_by_config = True  # (utils/pickling.py)

    def _pickled_state(self):
        build = self.get_build_config()
        return None if build is None else (build, self.get_weights())

    def _restore_pickled_state(self, state):
        build, weights = state
        self.build_from_config(build)
        self.set_weights(weights)

    def __init__(self, *, name=None, dtype=None, trainable=True, activity_regularizer=None, input_shape=None,
                 input_dim=None, batch_input_shape=None, autocast=True, **kwargs):
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        if isinstance(dtype, dict):  # a saved DTypePolicy
            dtype = dtype.get("config", {}).get("name", "float32")
        if dtype not in (None, "float32") and getattr(dtype, "name", dtype) != "float32":
            raise ValueError(f"densekit computes in float32 only. Received: dtype={dtype!r}")
        self.name = name if name is not None else naming.layer_name(type(self).__name__)
        self._trainable = bool(trainable)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._core = None
        self._graph = None  # the C++ graph that holds this layer's weights, once built in a model
        self._path_scope = None  # the scopes its weights' paths start with, once built (weight_paths.py)
        self._inbound_nodes = []  # one Node per call on symbolic tensors
        self._eager = None
        self._build_shapes = None  # (input, output) batch shapes of a build() or adapt()
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
            core.activity_regularizer = regularizers.activity_core(self._activity_regularizer)

    def _native(self):
        """The C++ layer, or a clear error for a Layer subclass that has none (its own `call`)."""
        core = self._core
        if core is None:
            raise NotImplementedError(
                f"Layer '{self.name}' ({type(self).__name__}) has no C++ implementation: densekit runs its built-in "
                "layers in C++ and cannot yet run the `call` of a Layer subclass. Compose densekit.layers in a "
                "functional or subclassed Model instead.")
        return core

    @property
    def input(self):
        """The tensor(s) the layer was first called on (Operation.input in keras/src/ops/operation.py)."""
        node = self._first_node("input")
        return node.inputs[0] if node.single else list(node.inputs)

    @property
    def output(self):
        """The tensor the layer's first call on symbolic tensors returned (a model's layer: its
        output in the model, as for feature extraction)."""
        return self._first_node("output").output

    def _first_node(self, what):
        if not self._inbound_nodes:
            raise AttributeError(f"The layer {self.name} has never been called and thus has no defined {what}.")
        return self._inbound_nodes[0]

    @property
    def activity_regularizer(self):
        """Penalty on the layer's output, added to the loss (divided by the batch size)."""
        return self._activity_regularizer

    @activity_regularizer.setter
    def activity_regularizer(self, value):
        self._activity_regularizer = regularizers.get(value)
        if self._core is not None:
            self._core.activity_regularizer = regularizers.activity_core(self._activity_regularizer)

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        if self._core is not None:
            self._core.trainable = self._trainable
        else:  # a subclass of the user's: as Keras's setter, its variables made trainable and its sublayers
            for variable in self.__dict__.get("_own_variables", []):
                if variable.created_trainable:
                    variable.trainable = self._trainable
            for layer in self._sublayers():
                layer.trainable = self._trainable

    @property
    def built(self):
        if self._core is None:  # a Layer subclass without a C++ twin: built by build()
            return self.__dict__.get("_built_without_core", False)
        if self._built_at_init and type(self).build is Layer.build:
            return True  # (a layer without state, as Keras's _build_at_init marks it)
        return self._graph is not None or self._core.built

    _built_at_init = False  # whether Keras builds the layer in its constructor (it has no state)

    @property
    def _inlined(self):
        """Whether a model records the layers this layer's call records, rather than the layer
        (a subclass's call, or an activation function of the user's after the C++ layer)."""
        return has_own_call(self) or self._custom_activation is not None

    _custom_activation = None  # a Python activation function (Dense, Activation): traced after the layer

    def _activate(self, result):
        """``result`` through the custom activation: traced on a symbolic tensor, else run."""
        fn = self._custom_activation
        if fn is None:
            return result
        if isinstance(result, KerasTensor):
            return trace_call(f"The activation of layer '{self.name}'", fn, result)
        return np.asarray(fn(result), dtype=np.float32)

    @property
    def weights(self):
        if self._core is None:  # a subclass of the user's: its variables and its sublayers' weights
            return self._own_weights()
        if self._graph is None:
            return []
        # The same Variable objects while the graph and its weights are the same (kernel is kernel,
        # and `layer.kernel in layer.weights`, as in Keras).
        info = self._graph.weight_info(self._core)
        views = self.__dict__.get("_weight_views")
        if views is None or views[0] is not self._graph or views[1] != info:
            views = self.__dict__["_weight_views"] = (self._graph, info, [
                Variable(self, i, name, shape, trainable, integer)
                for i, (name, shape, trainable, _, integer) in enumerate(info)])
        return list(views[2])

    def _check_countable(self):
        if self._graph is None and self._core is not None and self._core.weight_names():
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the layer isn't built. "
                             "You can build it manually via: `layer.build(input_shape)`.")

    # --- calling ----------------------------------------------------------------------------
    @traceback_utils.filter_traceback
    def __call__(self, inputs, *args, training=None, mask=None, **kwargs):
        if "_trainable" not in self.__dict__:  # (what fails next would name a missing attribute)
            raise RuntimeError(f"In layer '{type(self).__name__}', you forgot to call `super().__init__()` as the first "
                               "statement in the `__init__()` method. Go add it!")
        _check_tensor_inputs(inputs)
        if has_own_call(self):
            return self._add_activity_loss(self._call_own(inputs, args, training, kwargs))
        if args or kwargs:
            raise TypeError(f"{type(self).__name__} was called with arguments densekit does not support: "
                            f"{list(args) + sorted(kwargs)}. Call a layer as layer(x) or layer(x, training=...).")
        if mask is not None:
            raise ValueError(f"densekit's {type(self).__name__} does not support masks (received mask={mask!r}).")
        if isinstance(training, TrainingDecidedAtRun):  # from a traced call: each run's mode decides
            training = None
        if training is not None and not isinstance(training, (bool, np.bool_)):
            raise TypeError(f"`training` must be True, False or None. Received: training={training!r}")
        training = None if training is None else bool(training)
        self._native()
        flat, single = _flatten_call_inputs(inputs)
        if self._takes_list and single:
            shape = inputs.shape if hasattr(inputs, "shape") else type(inputs).__name__
            raise ValueError(f"A merge layer should be called on a list of inputs. Received: input_shape={shape} "
                             f"(not a list of shapes) by layer '{self.name}'.")
        symbolic = [isinstance(t, KerasTensor) for t in flat]
        if any(symbolic):
            if not all(symbolic):
                raise ValueError(f"Layer '{self.name}' was called on a mix of symbolic tensors (from densekit.Input) and "
                                 "arrays: build a model from Inputs only, or call the layer on arrays only.")
            return self._add_activity_loss(self._activate(self._call_symbolic(flat, single, training)))
        self.__dict__["_own_losses"] = []  # (each call's losses replace the last one's, as in Keras)
        return self._add_activity_loss(self._activate(self._call_eager(flat, training)))

    def _add_activity_loss(self, outputs):
        return activity_penalty.add(self, outputs)

    def _call_symbolic(self, tensors, single, training):
        shapes = [list(t.shape[1:]) for t in tensors]
        names = [t._keras_history.operation.name if t._keras_history.operation is not None else t.name for t in tensors]
        out_shape = _core.build_layer(self._core, shapes, names)
        self._record_build_input([t.shape for t in tensors], not single)
        node = Node(self, tensors, single, training)
        self._inbound_nodes.append(node)
        batch = {t.shape[0] for t in tensors}
        out = KerasTensor((batch.pop() if len(batch) == 1 else None,) + tuple(out_shape), layer=self, node=node,
                          node_index=len(self._inbound_nodes) - 1)
        node.output = out
        record(node)
        return out

    def _call_eager(self, arrays, training):
        return eager_call.call_eager(self, arrays, training)

    def _make_eager_graph(self, shapes):
        eager_call.make_eager_graph(self, shapes)

    def _python_initializers(self):
        """{weight index: initializer} of the weights a Python initializer fills (a function or a
        user's Initializer given as ``kernel_initializer`` etc.): the C++ layer starts them at 0."""
        return self._weight_arguments_in_python("initializer", initializers.is_python)

    def _weight_arguments_in_python(self, argument, is_python):
        """{weight index: the layer's ``<weight>_<argument>``} where that is written in Python."""
        if self._core is None:
            return {}
        found = {}
        for index, name in enumerate(self._core.weight_names()):
            value = getattr(self, f"{name}_{argument}", None)
            if is_python(value):
                found[index] = value
        return found

    def _initialize_in_python(self, graph):
        """Fills the weights of Python initializers once, in the first graph that holds them (a
        later graph takes the values over with the layer), as Keras calls them once at build."""
        if self.__dict__.get("_initialized_in_python"):
            return
        pending = self._python_initializers()
        for index, init in pending.items():
            shape = graph.get_weight(self._core, index).shape
            graph.set_weight(self._core, index, initializers.values(init, shape))
        self.__dict__["_initialized_in_python"] = bool(pending)

    def _python_regularizers(self):
        """{weight index: regularizer} of the weights a Python regularizer penalizes (a function
        or a user's Regularizer given as ``kernel_regularizer`` etc.)."""
        return self._weight_arguments_in_python("regularizer", regularizers.is_python)

    def _built_for(self, batch_shapes, output_shape):
        """Records what the layer was built for (the summary of an unbuilt model shows it) and
        creates its weights, as Keras's build does, unless a graph already holds them."""
        first = tuple(batch_shapes[0])
        self._build_shapes = (first, (first[0],) + tuple(output_shape))
        self._record_build_input(batch_shapes, self._takes_list)
        if self._graph is None and self._core.weight_names():
            self._make_eager_graph([tuple(s[1:]) for s in batch_shapes])

    def build(self, input_shape):
        """Builds the layer for inputs of ``input_shape`` (batch first; a list of shapes for merges),
        creating its weights (kept when a model then uses the layer)."""
        if self._core is None:  # Keras's base build: no weights, the layer is marked built
            self.__dict__["_built_without_core"] = True
            return
        shapes = [self._batch_shape(s, input_shape) for s in (input_shape if self._takes_list else [input_shape])]
        self._built_for(shapes, _core.build_layer(self._core, [list(s[1:]) for s in shapes], []))

    def _batch_shape(self, shape, given):
        """``shape`` as a tuple: a batch size (or None), then positive integer sizes."""
        def size(d):  # (C++ sizes are 64-bit: larger ones are refused here, smaller by densekit's limits)
            return isinstance(d, (int, np.integer)) and not isinstance(d, (bool, np.bool_)) and 0 < d < 2**62

        if (isinstance(shape, (list, tuple)) and len(shape) >= 2 and (shape[0] is None or size(shape[0]))
                and all(size(d) for d in shape[1:])):
            return tuple(None if d is None else int(d) for d in shape)
        what = "a list of such shapes" if self._takes_list else "such a shape"
        raise ValueError(f"Layer '{self.name}' cannot be built for input_shape={given!r}: it takes {what}, a batch "
                         "size (or None) then positive integer sizes, e.g. (None, 4).")

    # --- configuration --------------------------------------------------------------------
    def _record_build_input(self, batch_shapes, as_list):
        """The input shape of the first build that succeeded, as Keras's build config records it:
        one shape, or a list of shapes for a layer called on a list."""
        if "_build_input" not in self.__dict__:
            shapes = [tuple(None if d is None else int(d) for d in s) for s in batch_shapes]
            self.__dict__["_build_input"] = shapes if as_list else shapes[0]

    def get_build_config(self):
        """``{"input_shape": ...}`` the layer was first built for (a list of shapes for a merge
        layer), None before it is built, as Keras's (keras/src/layers/layer.py)."""
        shape = self.__dict__.get("_build_input")
        if shape is None:
            shapes = self._graph_input_shapes()
            if shapes is None:
                return None
            shape = shapes if self._takes_list else shapes[0]
        return {"input_shape": shape}

    def _graph_input_shapes(self):
        """The batch shapes of this layer's first call in the graph that holds it (a model built
        from shapes calls its layers in C++ only)."""
        if self._graph is None or self._core is None:
            return None
        for layer, inputs, *_ in self._graph.nodes:
            if layer is self._core:
                return [(None,) + tuple(self._graph.node_shape(i)) for i in inputs]
        return None

    def build_from_config(self, config):
        """Builds the layer for ``get_build_config()``'s input shape."""
        shape = self._build_config_shape(config)
        if shape is None:
            return
        self.build(shape)
        if self._core is None:  # the user's build(): the layer is built, as Keras marks it
            self.__dict__["_built_without_core"] = self.__dict__["_state_locked"] = True
            as_list = isinstance(shape, list) and all(isinstance(s, (list, tuple)) for s in shape)
            self._record_build_input(shape if as_list else [shape], as_list)

    def get_config(self):
        """Keras's layer config (written by the C++ core, which also saves it in model files)."""
        if self._core is None:  # Keras's base Layer config (keras/src/layers/layer.py)
            return self._automatic_config({
                "name": self.name, "trainable": self.trainable,
                "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                          "registered_name": None}})
        config = json.loads(_core.layer_config_json(self._core))
        if self._custom_activation is not None:  # named as Keras names a function (custom_objects finds it)
            config["activation"] = serialize_object(self._custom_activation)
        if regularizers.is_python(self._activity_regularizer):  # the C++ layer holds none
            reg = self._activity_regularizer
            config["activity_regularizer"] = serialize_object(getattr(reg, "fn", reg))
        for index, init in self._python_initializers().items():  # the C++ config holds zeros for them
            name = self._core.weight_names()[index]
            config[f"{name}_initializer"] = serialize_object(getattr(init, "fn", init))
        return config

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
