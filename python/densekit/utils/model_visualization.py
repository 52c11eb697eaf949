"""plot_model and model_to_dot (keras/src/utils/model_visualization.py): a model's layers as boxes
and the tensors between them as arrows.

Keras draws with pydot and the graphviz ``dot`` program, and fails without them. densekit draws
with graphviz too when both are installed, and otherwise with its own renderer
(utils/plot_renderer.py): SVG with nothing installed, PNG, JPEG and PDF with matplotlib. Both draw
the same graph, built here: one box per layer with Keras's label (name, class, shapes, dtype,
activation, trainable), one per nested model (or, with ``expand_nested``, a cluster of its
layers), and an arrow per connection.

densekit inlines a nested model's layers into the model that calls it; the nodes remember the
nested model calls that made them (layers/node.py ``model_calls``), which is how the nested model
is drawn back as one box or cluster.
"""

import html
import os
import shutil
import sys

# Only utilities here, no layers or models (densekit.utils sits below them): the model is read
# through its attributes.
from densekit.utils import plot_renderer
from densekit.utils.summary import format_shape

__all__ = ["plot_model", "model_to_dot"]

_NOT_BUILT = ("This model has not yet been built. Build the model first by calling `build()` or by calling the model "
              "on a batch of data.")
_RANKDIRS = ("TB", "LR", "BT", "RL")
_SPLINES = ("ortho", "curved", "polyline", "spline", "line")


# --- the graph both renderers draw -----------------------------------------------------------------
class Cell:
    """One cell of a box: text runs ``[(text, bold)]`` on a background colour."""

    def __init__(self, runs, fill="white", color="black"):
        self.runs, self.fill, self.color = runs, fill, color

    @property
    def text(self):
        return "".join(text for text, _ in self.runs)


class PlotNode:
    """A box: ``rows`` of cells (the header, the activation, then shapes, dtype and trainable side
    by side), each row with its font size."""

    def __init__(self, key, name, rows):
        self.key, self.name, self.rows = key, name, rows  # rows: [(font_size, [Cell])]

    @property
    def text(self):
        return " ".join(cell.text for _, cells in self.rows for cell in cells)


class PlotGraph:
    """The boxes of a model, the clusters of its expanded nested models, and the arrows (source
    key, destination key) between boxes, without duplicates."""

    def __init__(self, name):
        self.name = name
        self.nodes, self.clusters, self.edges = [], [], []

    def add_edge(self, source, destination):
        edge = (_key(source), _key(destination))
        if edge not in self.edges:
            self.edges.append(edge)

    def all_nodes(self):
        return self.nodes + [n for c in self.clusters for n in c.all_nodes()]

    def all_edges(self):
        return self.edges + [e for c in self.clusters for e in c.all_edges()]


def _key(obj):
    return str(id(obj))


def _shape_text(shapes, several):
    """One shape ``(None, 16)``, or several as Keras prints a list of them."""
    if shapes is None:
        return "?"
    texts = [format_shape(s) for s in shapes]
    return "[" + ", ".join(texts) + "]" if several else texts[0]


def _activation_name(layer):
    activation = layer.activation
    return getattr(activation, "name", None) or getattr(activation, "__name__", None) or str(activation)


def _make_node(obj, options, input_shapes=None, output_shapes=None, several_inputs=False, several_outputs=False,
               dtype=None):
    """A box with the label Keras's make_layer_label gives ``obj`` (a layer or a model)."""
    class_name = type(obj).__name__
    header = [(obj.name, True), (f" ({class_name})", False)] if options["show_layer_names"] else [(class_name, True)]
    rows = [(16, [Cell(header, fill="black", color="white")])]
    if options["show_layer_activations"] and getattr(obj, "activation", None) is not None:
        rows.append((14, [Cell([("Activation: ", False), (_activation_name(obj), True)])]))
    cells = []
    if options["show_shapes"]:
        if class_name != "InputLayer":
            cells.append(Cell([("Input shape: ", False), (_shape_text(input_shapes, several_inputs), True)]))
        cells.append(Cell([("Output shape: ", False), (_shape_text(output_shapes, several_outputs), True)]))
    if options["show_dtype"]:
        cells.append(Cell([("Output dtype: ", False), (dtype or "?", True)]))
    if options["show_trainable"] and obj.weights:
        if obj.trainable:
            cells.append(Cell([("Trainable", True)], fill="forestgreen", color="white"))
        else:
            cells.append(Cell([("Non-trainable", True)], fill="firebrick", color="white"))
    if cells:
        rows.append((14, cells))
    return PlotNode(_key(obj), obj.name, rows)


def _is_sequential(model):
    return getattr(model, "_sequential", False)


def _draws_as_graph(model):
    """Keras draws Sequential and functional models layer by layer, and subclassed ones as one box."""
    return _is_sequential(model) or (getattr(model, "_network", None) is not None and not model._traced)


def _sequential_graph(model, options):
    graph = PlotGraph(model.name)
    layers = model.layers
    core_graph = model._graph
    for i, layer in enumerate(layers):
        if core_graph is None:  # a nested Sequential that was never built on its own
            shapes_in = shapes_out = None
        else:  # the C++ graph's node i is the input of layer i (node 0: the model's input)
            shapes_in = [(None,) + tuple(core_graph.node_shape(i))]
            shapes_out = [(None,) + tuple(core_graph.node_shape(i + 1))]
        graph.nodes.append(_make_node(layer, options, shapes_in, shapes_out, dtype="float32"))
    for before, after in zip(layers, layers[1:]):
        graph.add_edge(before, after)
    return graph


def _index_of(tensor, tensors):
    return next((i for i, t in enumerate(tensors) if t is tensor), 0)


def _edge_source(model, output_index, expand_nested):
    """The box an arrow from output ``output_index`` of nested ``model`` starts at: the model's
    own box, or (expanded) the layer inside that produces that output."""
    while expand_nested and _draws_as_graph(model):
        if _is_sequential(model):
            return model.layers[-1]
        tensor = model._network.outputs[output_index]
        calls = tensor._node.model_calls
        if not calls:
            return tensor._node.layer
        model, output_index = calls[0].model, _index_of(tensor, calls[0].outputs)
    return model


def _edge_destination(model, input_index, expand_nested):
    """The box an arrow into input ``input_index`` of nested ``model`` ends at: the model's own
    box, or (expanded) its InputLayer, or a nested Sequential's first layer."""
    while expand_nested and _draws_as_graph(model):
        if _is_sequential(model):
            model = model.layers[0]
        else:
            return model._network.inputs[input_index]._node.layer
    return model


def _functional_graph(model, options, expand_nested):
    graph = PlotGraph(model.name)
    network = model._network
    items = {}  # a layer, or a nested model: its first node or call, in Keras's layer order
    for node in network.nodes:
        call = node.model_calls[0] if node.model_calls else None
        item = call.model if call is not None else node.layer
        if id(item) not in items:
            items[id(item)] = (item, call, node)
    order = {id(layer): i for i, layer in enumerate(network.layers)}
    first_layer = {}
    for node in network.nodes:
        call = node.model_calls[0] if node.model_calls else None
        item = call.model if call is not None else node.layer
        first_layer[id(item)] = min(first_layer.get(id(item), len(order)), order.get(id(node.layer), len(order)))
    for item_id in sorted(items, key=lambda i: first_layer[i]):
        item, call, node = items[item_id]
        if call is not None and expand_nested and _draws_as_graph(item):
            graph.clusters.append(_model_graph(item, options, expand_nested))
        elif call is not None:  # a nested model: the tensors of its first call
            ins, outs = [t.shape for t in call.inputs], [t.shape for t in call.outputs]
            dtype = call.outputs[0].dtype if call.outputs else None
            graph.nodes.append(_make_node(item, options, ins, outs, len(ins) > 1, len(outs) > 1, dtype))
        else:
            graph.nodes.append(_make_node(item, options, [t.shape for t in node.inputs], [node.output.shape],
                                          not node.single, False, node.output.dtype))

    for node in network.nodes:
        call = node.model_calls[0] if node.model_calls else None
        for input_index, tensor in enumerate(node.inputs):
            producer = tensor._node
            producer_call = producer.model_calls[0] if producer.model_calls else None
            if call is not None and producer_call is call:
                continue  # inside one call of a nested model: its own graph draws it
            if producer_call is not None:
                source = _edge_source(producer_call.model, _index_of(tensor, producer_call.outputs), expand_nested)
            else:
                source = producer.layer
            if call is not None:
                destination = _edge_destination(call.model, _index_of(tensor, call.inputs), expand_nested)
            else:
                destination = node.layer
            graph.add_edge(source, destination)
    return graph


def _model_graph(model, options, expand_nested):
    if _is_sequential(model):
        return _sequential_graph(model, options)
    if _draws_as_graph(model):
        return _functional_graph(model, options, expand_nested)
    graph = PlotGraph(model.name)  # a subclassed model: one box, as Keras draws it
    ins, outs = model.input_shape, model.output_shape
    several_in, several_out = isinstance(ins, list), isinstance(outs, list)
    graph.nodes.append(_make_node(model, options, ins if several_in else [ins], outs if several_out else [outs],
                                  several_in, several_out, "float32"))
    return graph


def build_graph(model, show_shapes=False, show_dtype=False, show_layer_names=True, expand_nested=False,
                show_layer_activations=False, show_trainable=False):
    """The PlotGraph of a built model (the boxes, clusters and arrows both renderers draw)."""
    if not getattr(model, "built", False):
        raise ValueError(_NOT_BUILT)
    options = {"show_shapes": show_shapes, "show_dtype": show_dtype, "show_layer_names": show_layer_names,
               "show_layer_activations": show_layer_activations, "show_trainable": show_trainable}
    return _model_graph(model, options, expand_nested)


def _check_kwargs(kwargs):
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")


def _check_options(rankdir, splines):
    if rankdir not in _RANKDIRS:
        raise ValueError(f"`rankdir` must be one of {list(_RANKDIRS)} (\"TB\": top to bottom, \"LR\": left to right). "
                         f"Received: rankdir={rankdir!r}")
    if splines not in _SPLINES:
        raise ValueError(f"`splines` must be one of {list(_SPLINES)}. Received: splines={splines!r}")


# --- graphviz, through pydot --------------------------------------------------------------------------
def _import_pydot():
    try:
        import pydot
    except ImportError:
        return None
    return pydot


def graphviz_available():
    """Whether pydot is installed and can run graphviz's ``dot`` (Keras's check_graphviz)."""
    pydot = _import_pydot()
    if pydot is None or shutil.which("dot") is None:
        return False
    try:
        pydot.Dot.create(pydot.Dot())
    except Exception:  # pydot raises OSError, PydotException or AssertionError when dot fails
        return False
    return True


def _html_label(node):
    colspan = max(len(cells) for _, cells in node.rows)
    rows = []
    for size, cells in node.rows:
        span = f' colspan="{colspan}"' if len(cells) == 1 else ""
        tds = []
        for cell in cells:
            text = "".join(f"<b>{html.escape(t)}</b>" if bold else html.escape(t) for t, bold in cell.runs)
            color = f' color="{cell.color}"' if cell.color != "black" else ""
            tds.append(f'<td{span} bgcolor="{cell.fill}"><font point-size="{size}"{color}>{text}</font></td>')
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">' + "".join(rows) + "</table>>"


def _fill_dot(pydot, dot, graph):
    for node in graph.nodes:
        dot_node = pydot.Node(node.key, label=_html_label(node))
        dot_node.set("fontname", "Helvetica")
        dot_node.set("border", "0")
        dot_node.set("margin", "0")
        dot.add_node(dot_node)
    for cluster in graph.clusters:
        sub = pydot.Cluster(style="dashed", graph_name=cluster.name)
        sub.set("label", cluster.name)
        sub.set("labeljust", "l")
        _fill_dot(pydot, sub, cluster)
        dot.add_subgraph(sub)
    for source, destination in graph.edges:
        edge = pydot.Edge(source, destination)
        edge.set("penwidth", "2")
        dot.add_edge(edge)


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB", expand_nested=False,
                 dpi=200, subgraph=False, show_layer_activations=False, show_trainable=False, splines="ortho",
                 **kwargs):
    """The model as a ``pydot.Dot`` (a ``pydot.Cluster`` with ``subgraph=True``), which needs
    pydot (``pip install "densekit[plot]"``); ``plot_model`` needs neither."""
    if not getattr(model, "built", False):
        raise ValueError(_NOT_BUILT)
    pydot = _import_pydot()
    if pydot is None:
        raise ImportError('You must install pydot (`pip install pydot`, or `pip install "densekit[plot]"`) for '
                          "model_to_dot to work. plot_model draws without it.")
    _check_kwargs(kwargs)
    _check_options(rankdir, splines)
    graph = build_graph(model, show_shapes, show_dtype, show_layer_names, expand_nested, show_layer_activations,
                        show_trainable)
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
        dot.set_node_defaults(shape="record")
    _fill_dot(pydot, dot, graph)
    return dot


# --- plot_model ---------------------------------------------------------------------------------------
def _in_notebook():
    return "IPython.core.magics.namespace" in sys.modules


def _notebook_image(path, extension):
    """What Keras returns: the image for a notebook to show, when IPython is installed."""
    try:
        from IPython import display
    except ImportError:
        return None
    if extension == "svg":
        return display.SVG(filename=path)
    if extension in ("png", "jpg", "jpeg", "gif"):
        return display.Image(filename=path)
    return None


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=False, rankdir="TB",
               expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False, splines="ortho",
               **kwargs):
    """Draws the model's layers and connections to ``to_file`` (format from the extension; PNG
    without one). Uses graphviz when pydot and ``dot`` are installed; otherwise densekit's own
    renderer: SVG with nothing installed, PNG/JPEG/PDF with matplotlib (``pip install
    "densekit[plot]"``). Returns an IPython image when IPython is installed, as Keras does."""
    if not getattr(model, "built", False):
        raise ValueError(_NOT_BUILT)
    _check_kwargs(kwargs)
    _check_options(rankdir, splines)
    to_file = os.fspath(to_file) if isinstance(to_file, os.PathLike) else str(to_file)
    extension = os.path.splitext(to_file)[1][1:].lower() or "png"
    options = dict(show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                   expand_nested=expand_nested, show_layer_activations=show_layer_activations,
                   show_trainable=show_trainable)
    if graphviz_available():
        dot = model_to_dot(model, rankdir=rankdir, dpi=dpi, splines=splines, **options)
        if extension not in dot.formats:
            raise ValueError(f"plot_model cannot write '{to_file}': graphviz has no format '{extension}'. Use one of "
                             f"{sorted(dot.formats)}.")
        dot.write(to_file, format=extension)
    else:
        graph = build_graph(model, **options)
        try:
            plot_renderer.render(graph, to_file, extension, rankdir=rankdir, dpi=dpi, splines=splines)
        except ImportError as e:
            if _in_notebook():  # as Keras does, so a notebook without the packages still runs
                print(str(e))
                return None
            raise
    return _notebook_image(to_file, extension)
