"""Functional: the model class ``densekit.Model(inputs, outputs)`` returns, a Model around the
Network (models/network.py) of layer calls between its Inputs and outputs
(keras/src/models/functional.py).
"""

import json

from densekit import _core, layers as layers_module, saving
from densekit.layers.input_layer import InputLayer
from densekit.layers.node import keeping_mode
from densekit.models.model import Model
from densekit.models.network import Network, pack_structure
from densekit.saving import serialization_lib
from densekit.saving.serialization_lib import register_model_class


@register_model_class("Functional")
class Functional(Model):
    """A model defined by ``densekit.Model(inputs, outputs)``: the graph of layer calls between
    its Inputs and outputs."""

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments passed to Model: {kwargs}")
        Model.__init__(self, name=name, trainable=trainable)
        self._set_network(Network(inputs, outputs))

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds a functional model from get_config() (fresh weights): Keras 3's config, with
        op nodes (``x + y``) or nested models, or tf.keras 2.x's (serialization_lib.readable_config_json)."""
        return saving.wrap_core_model(_core.model_from_config_json(
            serialization_lib.readable_config_json(json.dumps({"class_name": "Functional", "config": config})), False))

    @classmethod
    def _from_core(cls, core):
        """The functional model around a C++ model built from a config or a file: its Python
        layers wrap the loaded C++ layers, and its nodes replay the C++ graph."""
        model = cls.__new__(cls)
        Model.__init__(model, name=core.name)
        graph = core.graph
        tensors, wrappers = {}, {}
        for i, (layer, inputs, shape, name, training, training_fixed) in enumerate(graph.nodes):
            if layer is None:
                tensors[i] = InputLayer(shape=tuple(shape), name=name, dtype=graph.node_dtype(i)).output
                continue
            if id(layer) not in wrappers:
                wrappers[id(layer)] = getattr(layers_module, layer.class_name)._wrap(layer)
            wrapper = wrappers[id(layer)]
            args = [tensors[j] for j in inputs]
            with keeping_mode(training_fixed):
                tensors[i] = wrapper(args if wrapper._takes_list else args[0], training=training)
        structure = {_core.Structure.Tensor: "tensor", _core.Structure.List: "list", _core.Structure.Dict: "dict"}
        ins = [tensors[i] for i in graph.input_nodes]
        outs = [tensors[i] for i in graph.output_nodes]
        network = Network(pack_structure(structure[core.input_structure], sorted(core.input_keys), ins),
                          pack_structure(structure[core.output_structure], list(core.output_keys), outs))
        # The layers with weights in the graph's order, the file's: the model that was saved
        # listed its weights in it (a nested model's together, which depths alone would not
        # keep). The inputs keep their places.
        listed = {id(layer) for layer in network.layers}
        in_graph = {}
        for layer, *_ in graph.nodes:
            wrapper = wrappers.get(id(layer)) if layer is not None else None
            if wrapper is not None and id(wrapper) in listed:
                in_graph.setdefault(id(wrapper), wrapper)
        others = [layer for layer in network.layers if not isinstance(layer, InputLayer)]
        if len(in_graph) == len(others):
            ordered = iter(in_graph.values())
            network.follow_layer_order([layer if isinstance(layer, InputLayer) else next(ordered)
                                        for layer in network.layers])
        if network.input_kind == "dict":
            network.input_keys_as_given = None  # (the file keeps the keys in graph order, not as given)
        model._network = network
        model._adopt_core(core)
        return model
