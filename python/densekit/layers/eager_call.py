"""A layer called on arrays (eagerly): it runs a graph of itself alone, made for the inputs'
per-sample shapes and kept while they stay the same."""

import numpy as np

from densekit import _core
from densekit.layers.weight_paths import fix_scopes
from densekit.utils.arrays import check_same_length, to_array


class EagerRun:
    """The one-layer graph an eager call runs, and the per-sample shapes it was made for."""

    def __init__(self, shapes, core):
        self.shapes, self.core = shapes, core


def call_eager(layer, arrays, training):
    arrays = [to_array(a, "inputs") for a in arrays]
    if any(a.ndim == 0 for a in arrays):
        raise ValueError(f"Layer '{layer.name}' needs a batch of samples (an array with a first, batch axis); "
                         "received a scalar.")
    check_same_length(arrays, "inputs")
    shapes = tuple(tuple(a.shape[1:]) for a in arrays)
    if layer._eager is None or layer._eager.shapes != shapes:
        try:
            make_eager_graph(layer, shapes)
        except ValueError as error:
            raise ValueError(_with_batch_sizes(str(error), arrays)) from None
    layer._record_build_input([a.shape for a in arrays], layer._takes_list)  # with the batch, as Keras's eager call
    if not len(arrays[0]):  # an empty batch: an empty output, as Keras gives
        graph = layer._eager.core.graph
        return np.zeros((0,) + tuple(graph.node_shape(graph.output_nodes[0])), np.float32)
    outputs, _ = layer._eager.core.call(arrays, bool(training))
    return outputs[0]


def make_eager_graph(layer, shapes):
    """The one-layer graph for inputs of per-sample ``shapes``; the layer's weights live in it
    until a model's graph takes them over (with their values)."""
    graph = _core.Graph()
    ids = [graph.add_input(list(s), f"input_{i}") for i, s in enumerate(shapes)]
    graph.set_outputs([graph.add_layer(layer._core, ids)])
    graph.finalize()
    layer._eager = EagerRun(tuple(tuple(s) for s in shapes), _core.Model(graph, _core.draw_seed()))
    layer._graph = graph
    fix_scopes(layer)
    layer._initialize_in_python(graph)


def _with_batch_sizes(message, arrays):
    """The graph's message shows each input as a graph sees it, named `input_0` with the batch
    size None; the arrays have a batch size, which Keras's message shows."""
    for i, a in enumerate(arrays):
        as_graph = "(" + ", ".join(["None"] + [str(d) for d in a.shape[1:]]) + (",)" if a.ndim == 1 else ")")
        message = message.replace(f"'input_{i}' {as_graph}", str(tuple(a.shape))).replace(as_graph, str(tuple(a.shape)))
    return message
