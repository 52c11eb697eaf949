"""keras.utils.plot_model and model_to_dot (keras/src/utils/model_visualization.py): the graph
drawn (boxes, labels, arrows, nested models), densekit's own renderer (SVG parsed here; PNG with
matplotlib), and graphviz when pydot and `dot` are installed."""

import struct
import sys
import xml.etree.ElementTree as ET

import pytest

import densekit as keras
from densekit import layers
from densekit.utils import model_visualization

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def builtin(monkeypatch):
    """densekit's own renderer, even on a machine with graphviz."""
    monkeypatch.setattr(model_visualization, "graphviz_available", lambda: False)


def _svg(model, path, **kwargs):
    """(boxes: layer name -> (text, x, y, w, h), edges: [(source, destination)], clusters: {name: rect})."""
    keras.utils.plot_model(model, str(path), **kwargs)
    root = ET.parse(path).getroot()
    boxes = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "node":
            rect = g.find(f"{SVG}rect")
            text = " ".join("".join(t.itertext()) for t in g.iter(f"{SVG}text"))
            boxes[g.find(f"{SVG}title").text] = (text, *(float(rect.get(k)) for k in ("x", "y", "width", "height")))
    edges = [tuple(g.find(f"{SVG}title").text.split("->")) for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]
    clusters = {g.find(f"{SVG}title").text: tuple(float(g.find(f"{SVG}rect").get(k)) for k in ("x", "y", "width",
                                                                                                "height"))
                for g in root.iter(f"{SVG}g") if g.get("class") == "cluster"}
    return boxes, edges, clusters


def _mlp():
    return keras.Sequential([keras.Input((8,)), layers.Dense(16, activation="relu", name="hidden"),
                             layers.Dropout(0.5, name="drop"), layers.Dense(3, name="logits")], name="mlp")


def _two_in_two_out():
    a, b = keras.Input((3,), name="a"), keras.Input((5,), name="b")
    merged = layers.Concatenate(name="cat")([layers.Dense(4, activation="relu", name="da")(a), b])
    return keras.Model([a, b], [layers.Dense(1, name="o1")(merged), layers.Dense(2, name="o2")(merged)], name="two")


def _nested():
    inner_in = keras.Input((4,), name="enc_in")
    encoder = keras.Model(inner_in, layers.Dense(2, name="enc_d")(layers.Dense(3, name="enc_h")(inner_in)),
                          name="encoder")
    x1, x2 = keras.Input((4,), name="x1"), keras.Input((4,), name="x2")
    out = layers.Dense(1, name="out")(layers.Concatenate(name="cat")([encoder(x1), encoder(x2)]))
    return keras.Model([x1, x2], out, name="siamese")


def _centre(box):
    _, x, y, w, h = box
    return x + w / 2, y + h / 2


def test_sequential_boxes_show_names_classes_and_shapes(builtin, tmp_path):
    boxes, edges, _ = _svg(_mlp(), tmp_path / "m.svg", show_shapes=True, show_layer_names=True)
    assert set(boxes) == {"hidden", "drop", "logits"}  # Keras 3's Sequential draws no InputLayer box
    assert boxes["hidden"][0] == "hidden (Dense) Input shape: (None, 8) Output shape: (None, 16)"
    assert boxes["drop"][0] == "drop (Dropout) Input shape: (None, 16) Output shape: (None, 16)"
    assert boxes["logits"][0] == "logits (Dense) Input shape: (None, 16) Output shape: (None, 3)"
    assert edges == [("hidden", "drop"), ("drop", "logits")]


def test_defaults_show_only_the_class_names(builtin, tmp_path):
    boxes, _, _ = _svg(_mlp(), tmp_path / "m.svg")
    assert [boxes[name][0] for name in ("hidden", "drop", "logits")] == ["Dense", "Dropout", "Dense"]


def test_activation_dtype_and_trainable_cells(builtin, tmp_path):
    model = _mlp()
    model.get_layer("logits").trainable = False
    boxes, _, _ = _svg(model, tmp_path / "m.svg", show_dtype=True, show_layer_activations=True, show_trainable=True)
    assert boxes["hidden"][0] == "Dense Activation: relu Output dtype: float32 Trainable"
    assert boxes["logits"][0] == "Dense Activation: linear Output dtype: float32 Non-trainable"
    assert boxes["drop"][0] == "Dropout Output dtype: float32"  # no weights, no activation: no such cells


def test_functional_branches_and_merges(builtin, tmp_path):
    boxes, edges, _ = _svg(_two_in_two_out(), tmp_path / "f.svg", show_shapes=True, show_layer_names=True)
    assert set(boxes) == {"a", "b", "da", "cat", "o1", "o2"}
    assert sorted(edges) == sorted([("a", "da"), ("da", "cat"), ("b", "cat"), ("cat", "o1"), ("cat", "o2")])
    assert boxes["a"][0] == "a (InputLayer) Output shape: (None, 3)"  # an InputLayer has no input shape
    assert boxes["cat"][0] == "cat (Concatenate) Input shape: [(None, 4), (None, 5)] Output shape: (None, 9)"
    # Top to bottom: every arrow goes down, and the two outputs share a rank.
    for source, destination in edges:
        assert _centre(boxes[source])[1] < _centre(boxes[destination])[1]
    assert boxes["o1"][2] == boxes["o2"][2]


def test_a_shared_layer_is_one_box_with_an_arrow_from_each_call(builtin, tmp_path):
    x1, x2 = keras.Input((3,), name="x1"), keras.Input((3,), name="x2")
    shared = layers.Dense(2, name="shared")
    model = keras.Model([x1, x2], layers.Add(name="add")([shared(x1), shared(x2)]))
    boxes, edges, _ = _svg(model, tmp_path / "s.svg", show_layer_names=True)
    assert set(boxes) == {"x1", "x2", "shared", "add"}
    assert sorted(edges) == [("shared", "add"), ("x1", "shared"), ("x2", "shared")]


@pytest.mark.parametrize("rankdir", ["TB", "LR", "BT", "RL"])
def test_rankdir_sets_the_direction_of_the_flow(builtin, tmp_path, rankdir):
    boxes, _, _ = _svg(_mlp(), tmp_path / "m.svg", rankdir=rankdir)
    centres = [_centre(boxes[name]) for name in ("hidden", "drop", "logits")]
    along = 1 if rankdir in ("TB", "BT") else 0
    steps = [b[along] - a[along] for a, b in zip(centres, centres[1:])]
    if rankdir in ("TB", "LR"):
        assert all(step > 0 for step in steps)
    else:
        assert all(step < 0 for step in steps)
    assert len({round(c[1 - along], 1) for c in centres}) == 1  # a chain stays on one line


def test_a_skip_connection_is_routed_around_the_boxes_it_passes(builtin, tmp_path):
    x = keras.Input((8,), name="inp")
    h = layers.Dense(8, name="d3")(layers.Dense(8, name="d2")(layers.Dense(8, name="d1")(x)))
    model = keras.Model(x, layers.Add(name="add")([x, h]))
    path = tmp_path / "r.svg"
    boxes, edges, _ = _svg(model, path, show_layer_names=True)
    assert len(edges) == 5
    skip = next(g for g in ET.parse(path).getroot().iter(f"{SVG}g")
                if g.get("class") == "edge" and g.find(f"{SVG}title").text == "inp->add")
    points = [tuple(map(float, p.split(","))) for p in skip.find(f"{SVG}path").get("d")[1:].split(" L")]
    for name in ("d1", "d2", "d3"):
        _, bx, by, bw, bh = boxes[name]
        for (x0, y0), (x1, y1) in zip(points, points[1:]):  # the segments are vertical or horizontal
            inside_x = bx < max(x0, x1) and min(x0, x1) < bx + bw
            inside_y = by < max(y0, y1) and min(y0, y1) < by + bh
            assert not (inside_x and inside_y), f"the skip edge crosses {name}"


def test_a_nested_model_is_one_box_or_an_expanded_cluster(builtin, tmp_path):
    boxes, edges, clusters = _svg(_nested(), tmp_path / "n.svg", show_layer_names=True, show_shapes=True)
    assert set(boxes) == {"x1", "x2", "encoder", "cat", "out"} and clusters == {}
    assert boxes["encoder"][0] == "encoder (Functional) Input shape: (None, 4) Output shape: (None, 2)"
    assert sorted(edges) == [("cat", "out"), ("encoder", "cat"), ("x1", "encoder"), ("x2", "encoder")]

    boxes, edges, clusters = _svg(_nested(), tmp_path / "e.svg", show_layer_names=True, expand_nested=True)
    assert set(boxes) == {"x1", "x2", "enc_in", "enc_h", "enc_d", "cat", "out"}
    assert sorted(edges) == [("cat", "out"), ("enc_d", "cat"), ("enc_h", "enc_d"), ("enc_in", "enc_h"),
                             ("x1", "enc_in"), ("x2", "enc_in")]
    cx, cy, cw, ch = clusters["encoder"]
    for name in ("enc_in", "enc_h", "enc_d"):  # the cluster frames the nested model's boxes, and only those
        _, x, y, w, h = boxes[name]
        assert cx < x and x + w < cx + cw and cy < y and y + h < cy + ch
    for name in ("x1", "x2", "cat", "out"):
        _, x, y, w, h = boxes[name]
        assert x + w < cx or cx + cw < x or y + h < cy or cy + ch < y


def test_a_nested_sequential_expands_without_an_input_box(builtin, tmp_path):
    inner = keras.Sequential([keras.Input((8,)), layers.Dense(4, name="s1"), layers.Dense(3, name="s2")], name="block")
    x = keras.Input((8,), name="x")
    model = keras.Model(x, layers.Dense(2, name="head")(inner(x)))
    boxes, edges, clusters = _svg(model, tmp_path / "n.svg", show_layer_names=True, expand_nested=True)
    assert set(boxes) == {"x", "s1", "s2", "head"} and set(clusters) == {"block"}
    assert sorted(edges) == [("s1", "s2"), ("s2", "head"), ("x", "s1")]


def test_a_subclassed_model_is_one_box(builtin, tmp_path):
    class Net(keras.Model):
        def __init__(self):
            super().__init__(name="net")
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Net()
    model.build((None, 5))
    boxes, edges, _ = _svg(model, tmp_path / "s.svg", show_layer_names=True, show_shapes=True)
    assert boxes == {"net": ("net (Net) Input shape: (None, 5) Output shape: (None, 2)", *boxes["net"][1:])}
    assert edges == []


def test_an_unbuilt_model_raises_kerass_error(builtin, tmp_path):
    with pytest.raises(ValueError, match="This model has not yet been built. Build the model first by calling"):
        keras.utils.plot_model(keras.Sequential([layers.Dense(2)]), str(tmp_path / "m.svg"))
    assert not (tmp_path / "m.svg").exists()


def test_bad_arguments_raise_clear_errors(builtin, tmp_path):
    model = _mlp()
    with pytest.raises(ValueError, match=r"cannot write .*m\.bmp.*\['svg', 'png', 'jpg', 'jpeg', 'pdf'\]"):
        keras.utils.plot_model(model, str(tmp_path / "m.bmp"))
    with pytest.raises(ValueError, match="`rankdir` must be one of"):
        keras.utils.plot_model(model, str(tmp_path / "m.svg"), rankdir="XY")
    with pytest.raises(ValueError, match="`layer_range` is no longer supported"):
        keras.utils.plot_model(model, str(tmp_path / "m.svg"), layer_range=["a", "b"])
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        keras.utils.plot_model(model, str(tmp_path / "m.svg"), colour="red")
    assert list(tmp_path.iterdir()) == []


def test_without_matplotlib_svg_works_and_png_names_the_extra(builtin, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    keras.utils.plot_model(_mlp(), str(tmp_path / "m.svg"))
    assert (tmp_path / "m.svg").read_text().startswith("<?xml")
    with pytest.raises(ImportError, match=r'pip install "densekit\[plot\]"'):
        keras.utils.plot_model(_mlp(), str(tmp_path / "m.png"))


def test_returns_none_without_ipython(builtin, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "IPython", None)
    assert keras.utils.plot_model(_mlp(), str(tmp_path / "m.svg")) is None


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_png_with_matplotlib_honours_dpi(builtin, tmp_path):
    pytest.importorskip("matplotlib")
    model = _two_in_two_out()
    keras.utils.plot_model(model, tmp_path / "low.png", show_shapes=True, dpi=50)
    keras.utils.plot_model(model, tmp_path / "high.png", show_shapes=True, dpi=100)
    (w1, h1), (w2, h2) = _png_size(tmp_path / "low.png"), _png_size(tmp_path / "high.png")
    assert abs(w2 - 2 * w1) <= 2 and abs(h2 - 2 * h1) <= 2
    assert w1 > h1  # two inputs and two outputs side by side: wider than its three ranks are tall


def test_no_extension_writes_png_and_pdf_and_jpg_are_supported(builtin, tmp_path):
    pytest.importorskip("matplotlib")
    keras.utils.plot_model(_mlp(), str(tmp_path / "model"), dpi=30)
    _png_size(tmp_path / "model")
    keras.utils.plot_model(_mlp(), str(tmp_path / "m.pdf"))
    assert (tmp_path / "m.pdf").read_bytes()[:5] == b"%PDF-"
    keras.utils.plot_model(_mlp(), str(tmp_path / "m.jpg"), dpi=30)
    assert (tmp_path / "m.jpg").read_bytes()[:3] == b"\xff\xd8\xff"


def test_model_to_dot_needs_pydot(monkeypatch):
    monkeypatch.setitem(sys.modules, "pydot", None)
    with pytest.raises(ImportError, match="pydot"):
        keras.utils.model_to_dot(_mlp())


def test_model_to_dot_builds_keras_graph():
    pydot = pytest.importorskip("pydot")
    dot = keras.utils.model_to_dot(_nested(), show_shapes=True)
    assert isinstance(dot, pydot.Dot)
    assert dot.get_rankdir() == "TB" and dot.get_dpi() == 200 and dot.get_splines() == "ortho"
    labels = [n.get_label() for n in dot.get_nodes() if n.get_label()]
    assert len(labels) == 5 and len(dot.get_edges()) == 4
    assert any("<b>encoder</b> (Functional)" in label and "Input shape: <b>(None, 4)</b>" in label for label in labels)

    expanded = keras.utils.model_to_dot(_nested(), expand_nested=True)
    clusters = expanded.get_subgraphs()
    assert [c.get_label() for c in clusters] == ["encoder"] and len(clusters[0].get_nodes()) == 3
    assert len(expanded.get_edges()) + len(clusters[0].get_edges()) == 6


@pytest.mark.skipif(not model_visualization.graphviz_available(), reason="needs pydot and graphviz's dot")
def test_graphviz_draws_when_installed(tmp_path):
    keras.utils.plot_model(_two_in_two_out(), str(tmp_path / "g.png"), show_shapes=True)
    _png_size(tmp_path / "g.png")
    keras.utils.plot_model(_nested(), str(tmp_path / "g.svg"), expand_nested=True, show_layer_names=True)
    text = (tmp_path / "g.svg").read_text()
    assert "enc_h" in text and "cluster" in text


def test_graphviz_is_given_the_dot_graph_and_the_format_of_the_extension(tmp_path, monkeypatch):
    pydot = pytest.importorskip("pydot")
    monkeypatch.setattr(model_visualization, "graphviz_available", lambda: True)
    written = []
    monkeypatch.setattr(pydot.Dot, "write", lambda self, path, format="raw", **kw: written.append(
        (path, format, self.get_rankdir(), self.get_dpi(), len(self.get_nodes()), len(self.get_edges()))))
    keras.utils.plot_model(_two_in_two_out(), str(tmp_path / "g.jpg"), rankdir="LR", dpi=96)
    keras.utils.plot_model(_two_in_two_out(), str(tmp_path / "graph"))
    # 7 nodes: the 6 layers and pydot's `node [shape=record]` defaults
    assert written == [(str(tmp_path / "g.jpg"), "jpg", "LR", 96, 7, 5),
                       (str(tmp_path / "graph"), "png", "TB", 200, 7, 5)]
    with pytest.raises(ValueError, match="graphviz has no format 'docx'"):
        keras.utils.plot_model(_two_in_two_out(), str(tmp_path / "g.docx"))


class _FakeDisplay:
    class Image:
        def __init__(self, filename):
            self.filename = filename

    class SVG(Image):
        pass


def test_returns_an_ipython_image_when_ipython_is_installed(builtin, tmp_path, monkeypatch):
    ipython = type(sys)("IPython")
    ipython.display = _FakeDisplay
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    image = keras.utils.plot_model(_mlp(), str(tmp_path / "m.svg"))
    assert type(image) is _FakeDisplay.SVG and image.filename == str(tmp_path / "m.svg")
    if model_visualization.graphviz_available() or _has("matplotlib"):
        image = keras.utils.plot_model(_mlp(), str(tmp_path / "m.png"), dpi=30)
        assert type(image) is _FakeDisplay.Image and image.filename == str(tmp_path / "m.png")


def test_in_a_notebook_a_missing_package_is_printed_not_raised(builtin, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "IPython.core.magics.namespace", type(sys)("namespace"))
    assert keras.utils.plot_model(_mlp(), str(tmp_path / "m.png")) is None
    assert 'pip install "densekit[plot]"' in capsys.readouterr().out


def _has(module):
    try:
        __import__(module)
    except ImportError:
        return False
    return True
