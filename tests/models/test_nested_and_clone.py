"""Models used as layers (keras/src/models/sequential.py, keras/src/models/functional.py),
layer.build() creating weights (keras/src/layers/layer.py), clone_model
(keras/src/models/cloning.py) and save_model (keras/src/saving/saving_api.py)."""

import os

import numpy as np
import pytest

import densekit as keras
from densekit import layers
from file_helpers import requires_h5py


@pytest.fixture(autouse=True)
def _fresh_names(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    keras.backend.clear_session()


def _data(n=32, features=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, features)).astype("float32"), rng.integers(0, classes, n)


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _rows(model):
    text = []
    model.summary(print_fn=text.append)
    return [tuple(c.strip() for c in line.strip("│").split("│")) for line in text[0].splitlines()
            if line.startswith("│")], text[0]


def _classifier():
    return keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(3)])


# --- a model used as a layer ------------------------------------------------------------------
def test_quickstart_probability_model_shares_the_trained_models_weights():
    x, y = _data()
    model = _classifier()
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    model.fit(x, y, epochs=2, verbose=0)
    probability_model = keras.Sequential([model, keras.layers.Softmax()])
    expected = _softmax(model.predict(x[:5], verbose=0))
    np.testing.assert_allclose(probability_model(x[:5]), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(probability_model.predict(x[:5], verbose=0), expected, rtol=1e-5, atol=1e-6)
    assert [layer.name for layer in probability_model.layers] == ["sequential", "softmax"]
    assert len(probability_model.weights) == 4 and probability_model.count_params() == 67

    # Training the outer model trains the inner one: the weights are the same.
    before = model.get_weights()
    probability_model.compile("sgd", "sparse_categorical_crossentropy")
    probability_model.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(before[0], model.get_weights()[0])
    np.testing.assert_allclose(probability_model.predict(x[:5], verbose=0),
                               _softmax(model.predict(x[:5], verbose=0)), rtol=1e-5, atol=1e-6)


def test_sequential_without_input_nested_in_sequential():
    inner = keras.Sequential([layers.Dense(3, name="inner_dense")], name="inner")
    outer = keras.Sequential([inner, layers.Softmax()])
    x, _ = _data(6)
    out = outer(x)
    kernel, bias = inner.layers[0].get_weights()
    np.testing.assert_allclose(out, _softmax(x @ kernel + bias), rtol=1e-5, atol=1e-6)
    assert kernel.shape == (4, 3) and len(outer.weights) == 2
    np.testing.assert_allclose(inner.predict(x, verbose=0), x @ kernel + bias, rtol=1e-5, atol=1e-6)

    unbuilt = keras.Sequential([keras.Sequential([layers.Dense(3)], name="block"), layers.Softmax()])
    config = unbuilt.get_config()
    assert [(e["module"], e["class_name"]) for e in config["layers"]] == [("keras", "Sequential"),
                                                                         ("keras.layers", "Softmax")]
    rebuilt = keras.Sequential.from_config(config)
    assert [type(layer).__name__ for layer in rebuilt.layers] == ["Sequential", "Softmax"]
    assert rebuilt.layers[0].name == "block" and rebuilt.predict(x, verbose=0).shape == (6, 3)


def test_functional_nested_in_sequential_and_sequential_in_functional():
    x, _ = _data(5)
    f_in = keras.Input((4,))
    functional = keras.Model(f_in, layers.Dense(3)(f_in))
    seq = keras.Sequential([functional, layers.Softmax()])
    np.testing.assert_allclose(seq.predict(x, verbose=0), _softmax(functional.predict(x, verbose=0)), rtol=1e-5,
                               atol=1e-6)

    inner = _classifier()
    inputs = keras.Input((4,))
    model = keras.Model(inputs, layers.Softmax()(inner(inputs)))
    np.testing.assert_allclose(model.predict(x, verbose=0), _softmax(inner.predict(x, verbose=0)), rtol=1e-5,
                               atol=1e-6)
    # A Sequential holding a model that itself holds a Sequential.
    deep = keras.Sequential([keras.Input((4,)), keras.Sequential([model]), layers.Dense(2)])
    assert deep.predict(x, verbose=0).shape == (5, 2)
    assert deep.count_params() == 67 + 8


@pytest.mark.parametrize("form", ["list", "tuple", "dict"])
def test_a_two_input_model_called_on_a_list_of_symbolic_tensors(form):
    """A list of KerasTensors met np.shape (meant for nested lists of numbers) and its TypeError."""
    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    inner = keras.Model([a, b], layers.Dense(2)(layers.Concatenate()([a, b])))
    p, q = keras.Input((4,)), keras.Input((3,))
    outer = keras.Model([p, q], inner({"list": [p, q], "tuple": (p, q), "dict": {"a": p, "b": q}}[form]))
    x = [np.ones((2, 4), np.float32), np.ones((2, 3), np.float32)]
    np.testing.assert_array_equal(outer.predict(x, verbose=0), inner.predict(x, verbose=0))


def test_freezing_a_nested_base_model_takes_effect_at_the_next_compile():
    x, y = _data(64)
    base = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(8)], name="base")
    model = keras.Sequential([base, layers.Dense(3)])
    model.compile("adam", "sparse_categorical_crossentropy")
    base.trainable = False
    assert [layer.trainable for layer in base.layers] == [False, False]
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 4
    frozen = base.get_weights()
    model.compile("adam", "sparse_categorical_crossentropy")
    head = model.layers[1].get_weights()[0]
    model.fit(x, y, epochs=2, verbose=0)
    for a, b in zip(frozen, base.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(head, model.layers[1].get_weights()[0])
    rows, text = _rows(model)
    assert rows == [("base (Sequential)", "(None, 8)", "112"), ("dense_2 (Dense)", "(None, 3)", "27")]
    assert " Trainable params: 27 (108.00 B)" in text and " Non-trainable params: 112 (448.00 B)" in text


def test_summary_shows_a_nested_model_as_one_row():
    inner_in = keras.Input((4,))
    inner = keras.Model(inner_in, layers.Dense(3)(layers.Dense(5)(inner_in)), name="encoder")
    inputs = keras.Input((4,))
    model = keras.Model(inputs, layers.Softmax()(inner(inputs)))
    rows, text = _rows(model)
    assert rows == [("input_layer_1 (InputLayer)", "(None, 4)", "0"), ("encoder (Functional)", "(None, 3)", "43"),
                    ("softmax (Softmax)", "(None, 3)", "0")]
    assert " Total params: 43 (172.00 B)" in text

    # A branching graph: "Connected to" names the nested model.
    other = keras.Input((4,))
    merged = layers.Concatenate()([inner(other), other])
    branched = keras.Model(other, merged)
    text = []
    branched.summary(print_fn=text.append, line_length=150)
    rows = [tuple(c.strip() for c in line.strip("│").split("│"))
            for line in text[0].splitlines() if line.startswith("│")]
    assert rows == [("input_layer_2 (InputLayer)", "(None, 4)", "0", "-"),
                    ("encoder (Functional)", "(None, 3)", "43", "input_layer_2[0][0]"),
                    ("concatenate (Concatenate)", "(None, 7)", "0", "encoder[0][0], input_layer_2[0][0]")]


def _two_headed_base():
    a = keras.Input((4,), name="in_a")
    hidden = layers.Dense(6, name="hidden")(a)
    return keras.Model(a, [layers.Dense(1, name="out_a")(hidden), layers.Dense(2, name="out_b")(hidden)],
                       name="base_model")


def _summary_rows(model):
    text = []
    model.summary(print_fn=text.append, line_length=150)
    return [tuple(c.strip() for c in line.strip("│").split("│")) for line in text[0].splitlines()
            if line.startswith("│")]


def test_summary_links_name_the_output_of_a_nested_model_they_take():
    base = _two_headed_base()
    p = keras.Input((4,), name="p")
    outs = base(p)
    # Two layers each on one output of the nested model: not a chain (Keras: two nodes at one
    # depth), and each link names its tensor index.
    model = keras.Model(p, [layers.Dense(1, name="proj")(outs[1]), layers.Dense(1, name="proj2")(outs[0])])
    assert [row[0::3] for row in _summary_rows(model)] == [
        ("p (InputLayer)", "-"), ("base_model (Functional)", "p[0][0]"), ("proj (Dense)", "base_model[0][1]"),
        ("proj2 (Dense)", "base_model[0][0]")]


def test_a_nested_models_weights_stay_together_in_its_own_order():
    """By depth alone its second head (feeding another layer) came before its first, so a weight
    list from Keras given to set_weights swapped the two heads' weights."""
    base = _two_headed_base()
    p = keras.Input((4,))
    outs = base(p)
    model = keras.Model(p, [layers.Add(name="addz")([outs[0], layers.Dense(1, name="proj")(outs[1])]), outs[1]])
    names = ["hidden/kernel", "hidden/bias", "out_a/kernel", "out_a/bias", "out_b/kernel", "out_b/bias",
             "proj/kernel", "proj/bias"]
    assert [w.path for w in model.weights] == names
    values = [np.full(w.shape, k, np.float32) for k, w in enumerate(model.weights)]
    model.set_weights(values)
    assert base.get_layer("out_a").get_weights()[0][0, 0] == 2 and base.get_layer("out_b").bias.numpy()[0] == 5
    x = np.ones((2, 4), np.float32)
    hidden = x @ values[0] + values[1]
    out_b = hidden @ values[4] + values[5]
    expected = hidden @ values[2] + values[3] + out_b @ values[6] + values[7]
    np.testing.assert_allclose(model.predict(x, verbose=0)[0], expected, rtol=1e-6)


def test_a_model_rebuilt_from_its_file_or_json_lists_its_weights_in_the_same_order(tmp_path):
    base = _two_headed_base()
    p = keras.Input((4,))
    outs = base(p)
    model = keras.Model(p, [layers.Add(name="addz")([outs[0], layers.Dense(1, name="proj")(outs[1])]), outs[1]])
    model.save(tmp_path / "m.dk")
    x = np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4)
    for copy in (keras.models.load_model(tmp_path / "m.dk"), keras.models.model_from_json(model.to_json())):
        assert [w.path for w in copy.weights] == [w.path for w in model.weights]
        copy.set_weights(model.get_weights())
        for a, b in zip(copy.predict(x, verbose=0), model.predict(x, verbose=0)):
            np.testing.assert_array_equal(a, b)


def test_a_nested_model_called_twice_keeps_its_weights_together():
    """Grouped by call, its layers' first nodes came from both calls and the group split."""
    ii = keras.Input((3,))
    h = layers.Dense(3, name="h1")(ii)
    base = keras.Model(ii, [layers.Dense(2, name="hb")(h), layers.Dense(2, name="ha")(h)])
    i1, i2 = keras.Input((3,)), keras.Input((3,))
    a1, _ = base(i1)
    a2, b2 = base(layers.Dense(3, name="pre")(i2))
    model = keras.Model([i1, i2], layers.Concatenate()([a1, b2, a2]))
    assert [w.path.split("/")[-2] for w in model.weights][::2] == ["pre", "h1", "hb", "ha"]  # Keras's order


def test_a_model_nested_in_a_nested_sequential_keeps_its_place():
    inner = keras.Sequential([layers.Dense(3, name="s1"), layers.Dense(3, name="s2")], name="seq_in")
    outer = keras.Sequential([keras.Input((3,)), layers.Dense(3, name="t1"), inner, layers.Dense(3, name="t2")],
                             name="seq_out")
    i = keras.Input((3,))
    model = keras.Model(i, layers.Dense(2, name="u")(outer(i)))
    assert [w.path.split("/")[-2] for w in model.weights][::2] == ["t1", "s1", "s2", "t2", "u"]  # Keras's order


def test_an_output_made_by_a_nested_model_is_named_by_it_and_keeps_the_name_in_a_file(tmp_path):
    inputs = keras.Input((4,), name="x")
    head = keras.Sequential([layers.Dense(4, name="h1"), layers.Dense(1, activation="sigmoid", name="h2")],
                            name="head")
    model = keras.Model(inputs, [head(layers.Dense(3, name="feat")(inputs)), layers.Dense(2, name="aux")(inputs)])
    assert model.output_names == ["head", "aux"]
    x, y = np.ones((8, 4), np.float32), [np.ones((8, 1), np.float32), np.ones((8, 2), np.float32)]
    model.compile("sgd", loss={"head": "binary_crossentropy", "aux": "mse"}, metrics={"head": ["accuracy"]})
    assert sorted(model.fit(x, y, epochs=1, verbose=0).history) == ["aux_loss", "head_accuracy", "head_loss", "loss"]
    model.save(tmp_path / "m.dk")
    loaded = keras.models.load_model(tmp_path / "m.dk")
    assert loaded.output_names == ["head", "aux"]
    assert sorted(loaded.fit(x, y, epochs=1, verbose=0).history) == ["aux_loss", "head_accuracy", "head_loss", "loss"]
    # Two outputs of one call keep their layers' names (Keras repeats the model's, and merges
    # their losses in the logs).
    base = _two_headed_base()
    p = keras.Input((4,))
    assert keras.Model(p, base(p)).output_names == ["out_a", "out_b"]


def test_a_sequential_whose_last_layer_gives_several_outputs():
    """Keras takes a multi-output model as a Sequential's last layer; densekit raised
    AttributeError ('list' object has no attribute 'shape') while building."""
    keras.utils.set_random_seed(0)
    heads_in = keras.Input((2,))
    heads = keras.Model(heads_in, [layers.Dense(1, name="a")(heads_in), layers.Dense(3, name="b")(heads_in)])
    model = keras.Sequential([keras.Input((2,)), layers.Dense(2), heads])
    assert model.output_shape == [(None, 1), (None, 3)] and len(model.outputs) == 2 and len(model.output) == 2
    x = np.ones((4, 2), "float32")
    assert [p.shape for p in model.predict(x, verbose=0)] == [(4, 1), (4, 3)]
    model.compile("sgd", ["mse", "mse"])
    model.fit(x, [np.ones((4, 1)), np.ones((4, 3))], verbose=0)
    rows, _ = _rows(model)
    assert rows[1] == ("functional (Functional)", "[(None, 1), (None, 3)]", "12")  # as Keras prints it


# --- build() creates the weights ------------------------------------------------------------
def test_build_creates_a_layers_weights_and_a_model_keeps_them():
    dense = layers.Dense(3)
    dense.build((None, 4))
    assert dense.built and [w.shape for w in dense.weights] == [(4, 3), (3,)]
    kernel, bias = dense.get_weights()
    assert kernel.shape == (4, 3) and np.any(kernel != 0)
    x, _ = _data(2)
    np.testing.assert_allclose(dense(x), x @ kernel + bias, rtol=1e-5, atol=1e-6)
    model = keras.Sequential([keras.Input((4,)), dense])
    np.testing.assert_array_equal(model.get_weights()[0], kernel)

    norm = layers.BatchNormalization()
    norm.build((None, 5))
    assert [w.shape for w in norm.weights] == [(5,), (5,), (5,), (5,)]
    dropout = layers.Dropout(0.5)
    dropout.build((None, 5))
    assert dropout.built and dropout.weights == []


def test_build_then_set_weights_before_use():
    dense = layers.Dense(2, use_bias=False)
    dense.build((None, 3))
    dense.set_weights([np.arange(6, dtype="float32").reshape(3, 2)])
    inputs = keras.Input((3,))
    model = keras.Model(inputs, dense(inputs))
    np.testing.assert_allclose(model.predict(np.ones((1, 3)), verbose=0), [[6.0, 9.0]])


# --- clone_model ----------------------------------------------------------------------------
def test_clone_of_a_sequential_is_a_sequential_with_fresh_weights():
    x, y = _data()
    model = _classifier()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    clone = keras.models.clone_model(model)
    assert type(clone) is keras.Sequential and clone.name == model.name
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    assert not np.array_equal(clone.get_weights()[0], model.get_weights()[0])
    assert clone.compiled and clone.optimizer is not model.optimizer
    before = model.get_weights()
    clone.fit(x, y, epochs=1, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)  # nothing shared


def test_clone_of_a_functional_model_with_clone_function_and_input_tensors():
    inputs = keras.Input((4,), name="features")
    hidden = layers.Dense(5, name="hidden")(inputs)
    outputs = layers.Dense(2, name="out")(layers.Concatenate()([hidden, inputs]))
    model = keras.Model(inputs, outputs)
    clone = keras.models.clone_model(model)
    assert type(clone).__name__ == "Functional"
    assert [layer.name for layer in clone.layers] == ["features", "hidden", "concatenate", "out"]
    x, _ = _data(3)
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)

    def wider(layer):
        config = layer.get_config()
        if config["name"] == "hidden":
            config["units"] = 7
        return layer.__class__.from_config(config)

    new_inputs = keras.Input((4,), name="new_features")
    wide = keras.models.clone_model(model, input_tensors=new_inputs, clone_function=wider)
    assert wide.layers[0].name == "new_features"
    assert wide.get_layer("hidden").get_weights()[0].shape == (4, 7)
    assert wide.get_layer("out").get_weights()[0].shape == (11, 2)


def test_clone_with_call_function_and_nested_models():
    inner = _classifier()
    inputs = keras.Input((4,))
    model = keras.Model(inputs, layers.Softmax()(inner(inputs)))
    clone = keras.models.clone_model(model)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    rows, _ = _rows(clone)
    assert rows[1] == ("sequential (Sequential)", "(None, 3)", "67")
    assert not np.array_equal(clone.get_weights()[0], model.get_weights()[0])

    added = []

    def call_function(layer, *args, **kwargs):
        out = layer(*args, **kwargs)
        if isinstance(layer, layers.Softmax):
            added.append(layers.Dropout(0.5))
            out = added[-1](out)
        return out

    with_dropout = keras.models.clone_model(model, clone_function=lambda layer: layer, call_function=call_function)
    assert len(added) == 1 and with_dropout.layers[-1] is added[0]
    recursive = keras.models.clone_model(keras.Sequential([inner, layers.Softmax()]), recursive=True)
    assert type(recursive.layers[0]) is keras.Sequential and recursive.layers[0] is not inner


def test_clone_model_errors():
    model = _classifier()
    with pytest.raises(ValueError, match="`call_function` argument is not supported with Sequential"):
        keras.models.clone_model(model, call_function=lambda layer, *a, **k: layer(*a, **k))
    with pytest.raises(ValueError, match="Unexpected keyword argument"):
        keras.models.clone_model(model, foo=1)
    with pytest.raises(ValueError, match="`clone_function` argument to be a callable"):
        keras.models.clone_model(model, clone_function=3)

    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

    sub = Sub()
    sub.build((None, 3))
    with pytest.raises(ValueError, match="subclassed model"):
        keras.models.clone_model(sub)


def test_clone_model_of_a_subclass_with_its_own_config_is_a_new_instance_of_it():
    """As Keras clones a custom model class: from its config, built for the same inputs and
    compiled alike, with fresh weights (densekit refused it, naming get_config, which it had)."""
    class Scaled(keras.Model):
        def __init__(self, units=3, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.units, self.factor = units, factor
            self.dense = layers.Dense(units)

        def call(self, inputs):
            return self.dense(inputs) * self.factor

        def get_config(self):
            return {**super().get_config(), "units": self.units, "factor": self.factor}

    model = Scaled(units=4, factor=0.5)
    model(np.ones((2, 3), "float32"))
    model.compile("adam", "mse")
    clone = keras.models.clone_model(model)
    assert type(clone) is Scaled and (clone.units, clone.factor) == (4, 0.5) and clone.compiled
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
    assert not np.array_equal(clone.get_weights()[0], model.get_weights()[0])  # fresh weights
    clone.fit(np.ones((8, 3), "float32"), np.ones((8, 4), "float32"), verbose=0)
    again = Scaled.from_config(model.get_config())  # Keras's Model.from_config: the class, called
    assert type(again) is Scaled and again.factor == 0.5
    with pytest.raises(ValueError, match="`call_function` is only supported for Functional"):
        keras.models.clone_model(model, call_function=lambda layer, *a, **k: layer(*a, **k))

    class KeywordOnly(keras.Model):  # keyword-only arguments, and an unbuilt model, as Keras takes them
        def __init__(self, *args, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units, self.dense = units, layers.Dense(units)

        def call(self, inputs):
            return self.dense(inputs)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    unbuilt = KeywordOnly(units=4)
    clone = keras.models.clone_model(unbuilt)
    assert type(clone) is KeywordOnly and clone.units == 4 and not clone.built
    assert clone(np.ones((2, 3), "float32")).shape == (2, 4)


# --- save_model -----------------------------------------------------------------------------
@requires_h5py
def test_models_save_model_and_saving_save_model(tmp_path):
    model = _classifier()
    x, _ = _data(3)
    for i, save in enumerate([keras.models.save_model, keras.saving.save_model]):
        path = os.path.join(tmp_path, f"model_{i}.keras")
        save(model, path, overwrite=True)
        np.testing.assert_allclose(keras.models.load_model(path).predict(x, verbose=0), model.predict(x, verbose=0),
                                   rtol=1e-6)
    with pytest.raises(FileExistsError):
        keras.models.save_model(model, path, overwrite=False)
    with pytest.raises(TypeError, match="expects a densekit Model"):
        keras.models.save_model("model", path)
    with pytest.raises(ValueError, match="The following argument\\(s\\) are not supported: \\['bogus'\\]"):
        keras.saving.save_model(model, path, bogus=1)
    keras.saving.save_model(model, path, include_optimizer=False)  # Keras's too: a .keras archive keeps it anyway
    keras.saving.save_model(model, path, zipped=True)  # Keras's argument, accepted


def test_sequential_without_input_is_built_by_its_first_symbolic_call():
    # keras/src/models/sequential.py builds the model from the shape it is first called on, so
    # the head of a transfer-learning model has inputs, outputs and a summary afterwards.
    head = keras.Sequential([layers.Dense(4, activation="relu"), layers.Dense(1)], name="head")
    base_input = keras.Input((3,))
    outputs = head(base_input)
    assert head.built and outputs.shape == (None, 1)
    assert head.input.shape == (None, 3) and head.output.shape == (None, 1)
    assert head.input is not base_input  # its own Input, as Keras's build adds one
    assert [w.path for w in head.weights] == ["head/dense/kernel", "head/dense/bias",
                                               "head/dense_1/kernel", "head/dense_1/bias"]
    rows, _ = _rows(head)
    assert rows == [("dense (Dense)", "(None, 4)", "16"), ("dense_1 (Dense)", "(None, 1)", "5")]
    features = keras.Model(head.inputs, [layer.output for layer in head.layers])
    x = np.random.default_rng(0).normal(size=(2, 3)).astype("float32")
    np.testing.assert_allclose(features(x)[1], head.predict(x, verbose=0), rtol=1e-6)
    model = keras.Model(base_input, outputs)
    np.testing.assert_allclose(model.predict(x, verbose=0), head.predict(x, verbose=0), rtol=1e-6)


def test_empty_sequential_called_on_a_symbolic_tensor_raises():
    with pytest.raises(ValueError, match="has no layers"):
        keras.Sequential([])(keras.Input((3,)))
