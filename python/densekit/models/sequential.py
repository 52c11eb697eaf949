"""Sequential: a plain stack of layers, each feeding the next."""

import json

from densekit import _core, layers as layers_module, saving
from densekit.layers import weight_paths
from densekit.layers.input_layer import InputLayer
from densekit.layers.keras_tensor import KerasTensor
from densekit.layers.layer import Layer
from densekit.models.model import Model
from densekit.models.network import Network
from densekit.saving import serialization_lib
from densekit.saving.serialization_lib import register_model_class
from densekit.utils import naming, summary


@register_model_class("Sequential")
class Sequential(Model):
    _keras_class = "Sequential"
    _sequential = True
    _nested_network = None  # the symbolic chain, when a nested model's layers are inlined
    _nested_shapes = None   # then the per-sample output shape of each of its layers

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(name=name, trainable=trainable)
        self._layers = []
        self._input_layer = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_build()

    def add(self, layer, rebuild=True):
        """Appends a layer (or an ``Input`` tensor, first)."""
        if isinstance(layer, KerasTensor) and isinstance(layer._layer, InputLayer):
            layer = layer._layer
        if not isinstance(layer, (Layer, Model)):  # a model is a layer too (keras/src/models/sequential.py)
            raise ValueError("Only instances of `keras.Layer` can be added to a Sequential model. "
                             f"Received: {layer!r} (of type {type(layer)})")
        if isinstance(layer, InputLayer):
            if self._input_layer is not None or self._layers:
                raise ValueError(f"Sequential model '{self.name}' already has an input (or layers): an InputLayer "
                                 "can only be the first layer.")
            self._input_layer = layer
        else:
            if any(existing.name == layer.name for existing in self._layers):
                raise ValueError("All layers added to a Sequential model should have unique names. Name "
                                 f"'{layer.name}' is already the name of a layer in this model. Update the `name` "
                                 "argument to pass a unique name.")
            if not self._layers and self._input_layer is None and getattr(layer, "_input_shape_arg", None) is not None:
                self._input_layer = InputLayer(shape=layer._input_shape_arg)
            self._layers.append(layer)
        if rebuild:
            self._maybe_build()

    def pop(self):
        """Removes the last layer."""
        if not self._layers:
            raise TypeError("There are no layers in the model.")
        shapes = self._input_shapes()  # (a model built from data keeps that input shape, as Keras rebuilds it)
        layer = self._layers.pop()
        self._core = self._graph = None
        self._maybe_build(shapes)
        return layer

    def _maybe_build(self, shapes=None):
        shapes = shapes or self._input_shapes()
        if shapes is not None and self._layers:
            self._build(shapes)
        elif not self._layers:
            self._core = self._graph = None

    def _build(self, input_shapes):
        # Keras builds a Functional each time a Sequential (re)builds, using up a `functional*`
        # name (so the first keras.Model(...) after Sequentials is `functional_1`, ...).
        naming.auto_name("Functional")
        if not self._trainable:  # Sequential(trainable=False) freezes its layers
            for layer in self._layers:
                layer.trainable = False
        super()._build(input_shapes)
        self._chain = self._call_chain()

    def _call_chain(self):
        """Keras builds a Sequential that starts with an Input as a functional model of its layers
        (Sequential.build in keras/src/models/sequential.py): the model's inputs and outputs, and
        each layer's ``output``, are that chain's tensors (feature extraction from a Sequential).
        The C++ graph is built apart (_make_graph); the chain only records the calls. A Sequential
        built from a shape or from data has its chain too, from an input Keras's build() would add."""
        if self._nested_network is not None:
            outputs = self._nested_network.outputs
            return self._nested_network.inputs[0], outputs[0] if len(outputs) == 1 else list(outputs)
        if self._input_layer is not None:
            x = first = self._input_layer.output
        else:
            shapes = self._input_shapes()
            if shapes is None:
                return None
            x = first = InputLayer(shape=tuple(shapes[0]), dtype=self._input_dtype()).output
        for layer in self._layers:
            x = layer(x)
        return first, x

    @property
    def inputs(self):
        self._require_built("inputs")
        chain = self.__dict__.get("_chain")
        return [chain[0]] if chain else None

    @property
    def outputs(self):
        self._require_built("outputs")
        chain = self.__dict__.get("_chain")
        if not chain:
            return None
        return list(chain[1]) if isinstance(chain[1], list) else [chain[1]]  # (a last layer with several)

    @property
    def input(self):
        inputs = self.inputs
        return inputs[0] if inputs else None

    @property
    def output(self):
        outputs = self.outputs
        return (outputs[0] if len(outputs) == 1 else outputs) if outputs else None

    def _input_shapes(self):
        if self._input_layer is not None:
            return [self._input_layer.shape]
        if self._graph is not None:  # built from data earlier: keep that input shape
            return [tuple(self._graph.node_shape(self._graph.input_nodes[0]))]
        first = self._layers[0] if self._layers else None
        if isinstance(first, Model) and first.built and len(first._graph.input_nodes) == 1:
            # A built model first (Keras: a first layer with an `input_shape`) gives its input shape.
            return [tuple(first.input_shape[1:])]
        return None

    def _input_dtype(self):
        return self._input_layer.dtype if self._input_layer is not None else "float32"

    def _make_graph(self, input_shapes):
        if not self._layers:
            raise ValueError(f"Sequential model '{self.name}' has no layers: add layers before using it.")
        input_name = self._input_layer.name if self._input_layer is not None else "input_layer"
        self._nested_network = None
        if any(isinstance(layer, Model) or getattr(layer, "_inlined", False) for layer in self._layers):
            # A model (or a Lambda) among the layers: the layers its call records are inlined
            # into this graph, as in a functional model that calls it.
            inputs = outputs = InputLayer(shape=tuple(input_shapes[0]), name=input_name, dtype=self._input_dtype()).output
            shapes = []
            with weight_paths.building(self):
                for layer in self._layers:
                    outputs = layer(outputs)
                    # (a last layer may give several outputs, a multi-output model say, as in Keras)
                    shapes.append([tuple(o.shape[1:]) for o in outputs] if isinstance(outputs, (list, tuple))
                                  else tuple(outputs.shape[1:]))
            self._nested_network, self._nested_shapes = Network(inputs, outputs), shapes
            return self._nested_network.make_graph()
        graph = _core.Graph()
        node = graph.add_input(list(input_shapes[0]), input_name, self._input_dtype())
        for layer in self._layers:
            node = graph.add_layer(layer._native(), [node])
        graph.set_outputs([node])
        return graph

    def _graph_layers(self):
        if self._nested_network is not None:
            return [layer for layer in self._nested_network.layers if not isinstance(layer, InputLayer)]
        return list(self._layers)

    @property
    def layers(self):
        return list(self._layers)

    def call(self, inputs, training=None):
        """The layers applied one after the other (symbolic tensors: a Sequential used as a layer)."""
        for layer in self._layers:
            inputs = layer(inputs, training=training)
        return inputs

    def _call_symbolic(self, inputs, training):
        return self.call(inputs, training)

    def _summary_rows(self):
        rows = []
        for i, layer in enumerate(self._layers):
            cell = f"{layer.name} ({type(layer).__name__})"
            if self._graph is None:  # unbuilt: a layer built on its own still shows (keras/src/utils/summary_utils.py)
                rows.append((cell, summary.built_shape(layer), summary.layer_params(layer)))
                continue
            if self._nested_shapes is not None:
                shape = self._nested_shapes[i]
            else:
                shape = tuple(self._graph.node_shape(i + 1))
            # The batch size of the data the model was built from, as Keras's Sequential builds
            # its Input from that shape.
            batch = (self._build_batch,)
            text = (f"[{', '.join(summary.format_shape(batch + s) for s in shape)}]" if isinstance(shape, list)
                    else summary.format_shape(batch + shape))
            rows.append((cell, text, summary.layer_params(layer)))
        return rows, None

    def get_config(self):
        if self._core is not None:
            return super().get_config()
        layers = [{"module": "keras.layers", "class_name": "InputLayer", "config": self._input_layer.get_config(),
                   "registered_name": None}] if self._input_layer is not None else []
        layers += [{"module": "keras" if isinstance(layer, Model) else "keras.layers",
                    "class_name": layer._keras_class if isinstance(layer, Model) else type(layer).__name__,
                    "config": layer.get_config(), "registered_name": None} for layer in self._layers]
        return {"name": self.name, "trainable": self.trainable, "dtype": {"module": "keras", "class_name": "DTypePolicy",
                "config": {"name": "float32"}, "registered_name": None}, "layers": layers}

    @staticmethod
    def config_knows_input_shape(config):
        """Whether a Sequential config says its input shape (a build shape, or an InputLayer
        first), so that it rebuilds built; Keras saves a Sequential never built without one."""
        layers = config.get("layers") if isinstance(config.get("layers"), list) else []
        first = layers[0] if layers and isinstance(layers[0], dict) else {}
        return bool(config.get("build_input_shape") or first.get("class_name") == "InputLayer")

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds a Sequential model from get_config() (built when the config has an input shape)."""
        if not isinstance(config, dict):
            raise TypeError(f"A Sequential config must be a dict (from get_config()). Received an object of type "
                            f"{type(config).__name__}: {config!r:.100}")
        if not isinstance(config.get("layers", []), list):
            raise ValueError(f"A Sequential config's `layers` must be a list of layer configs. Received: "
                             f"{config['layers']!r:.100}")
        if "input_layers" in config:
            # A Sequential whose layers include a functional model is written as the functional
            # model its graph is (its skip connections need inbound_nodes): rebuild that.
            from densekit.models.functional import Functional

            return Functional.from_config(config, custom_objects)
        layers = config.get("layers", [])
        if cls.config_knows_input_shape(config):
            return saving.wrap_core_model(_core.model_from_config_json(
                json.dumps({"class_name": "Sequential", "config": config}), False))
        model = cls(name=config.get("name"))
        for entry in layers:
            # A nested model's entry names its model class (registered in saving/serialization_lib.py).
            name = entry["class_name"]
            layer_class = serialization_lib.model_class(name) or getattr(layers_module, name)
            model.add(layer_class.from_config(entry["config"]))
        return model

    @classmethod
    def _from_core(cls, core):
        """The Sequential model around a C++ model built from a config or a file."""
        model = cls.__new__(cls)
        Model.__init__(model, name=core.name)
        naming.auto_name("Functional")  # Keras builds the loaded Sequential's Functional
        nodes = core.graph.nodes
        _, _, input_shape, input_name, *_ = nodes[0]
        model._input_layer = InputLayer(shape=tuple(input_shape), name=input_name, dtype=core.graph.node_dtype(0))
        model._layers = [getattr(layers_module, n[0].class_name)._wrap(n[0]) for n in nodes[1:]]
        model._adopt_core(core)
        model._chain = model._call_chain()  # its inputs and outputs, as a built Sequential has them
        return model
