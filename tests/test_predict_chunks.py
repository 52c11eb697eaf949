"""predict() computes rows in chunks larger than a small batch when no callback watches the
batches (cpp/src/model.cpp, Model::predict_chunk_rows): the outputs are the model's call's at
every batch size, bit for bit (every Dense product sums a row in one order whatever the rows
beside it, also for fewer than 8 units), a repeated call gives the same bits, and callbacks
still see the batches they asked for."""

import numpy as np
import pytest

import densekit as keras
from densekit import layers, ops


def _mlp(units):
    return keras.Sequential([keras.Input((40,)), layers.Dense(units, activation="relu"),
                             layers.BatchNormalization(), layers.Dense(units, activation="tanh"),
                             layers.LayerNormalization(), layers.Dense(3, activation="softmax")])


def _two_outputs():
    inputs = [keras.Input((40,)), keras.Input((5,))]
    h = layers.Dense(64, activation="gelu")(inputs[0])
    h = layers.Concatenate()([h, inputs[1] * 2.0])
    return keras.Model(inputs, [layers.Dense(1)(h), ops.softmax(layers.Dense(4)(h))])


def _as_list(out):
    return [np.asarray(o) for o in out] if isinstance(out, list) else [np.asarray(out)]


@pytest.mark.parametrize("build, input_sizes", [(lambda: _mlp(48), [40]), (lambda: _mlp(700), [40]),
                                                (_two_outputs, [40, 5])], ids=["narrow", "wide", "two-io"])
def test_predict_agrees_at_every_batch_size_and_repeats_bit_for_bit(build, input_sizes):
    keras.utils.set_random_seed(4)
    model = build()
    rng = np.random.default_rng(0)
    n = 1000
    x = [rng.normal(size=(n, size)).astype("float32") for size in input_sizes]
    x = x[0] if len(x) == 1 else x
    reference = _as_list(model(x))
    for batch_size in (1, 2, 3, 7, 32, 33, 300, n):
        got = _as_list(model.predict(x, batch_size=batch_size, verbose=0))
        for r, g in zip(reference, got):
            np.testing.assert_array_equal(g, r)
        again = _as_list(model.predict(x, batch_size=batch_size, verbose=0))
        assert all(np.array_equal(g, a) for g, a in zip(got, again))


class _AlwaysDropping(keras.Model):
    def __init__(self):
        super().__init__()
        self.dropout = layers.Dropout(0.5)

    def call(self, inputs, training=None):
        return self.dropout(inputs, training=True)


def test_a_model_drawing_at_inference_still_drops_as_dropout_does():
    """A subclassed model whose call() runs Dropout with training=True draws in predict (such a
    model keeps the user's batches, which these statistics cannot tell apart from chunks): it
    still drops about half and rescales the rest by 2."""
    model = _AlwaysDropping()
    out = model.predict(np.ones((64, 20), np.float32), batch_size=32, verbose=0)
    kept = (out != 0).mean()
    assert 0.35 < kept < 0.65 and set(np.unique(out)) <= {0.0, 2.0}


def test_callbacks_still_see_every_batch_of_the_given_size():
    model = _mlp(16)
    seen = []
    callback = keras.callbacks.LambdaCallback(on_predict_batch_end=lambda batch, logs: seen.append(batch))
    out = model.predict(np.ones((100, 40), np.float32), batch_size=32, verbose=0, callbacks=[callback])
    assert seen == [0, 1, 2, 3] and out.shape == (100, 3)


class _Subclass(np.ndarray):
    pass


def test_the_ready_array_shortcut_gives_what_the_general_path_gives():
    """predict(verbose=0) hands a float32, C-ordered, native-byte-order array of the input's
    shape straight to C++ (cpp/bindings/common.hpp, ready_view); anything else, a subclass of
    ndarray included, is converted first.
    Both give the same bits, and the shortcut checks batch_size and steps as the general path does."""
    keras.utils.set_random_seed(2)
    model = _mlp(48)
    x = np.random.default_rng(3).normal(size=(50, 40)).astype("float32")
    want = model.predict(x, verbose=0)
    for other in (x.astype(">f4"), np.asfortranarray(x), x.astype("float64"), x.tolist(), x.view(_Subclass)):
        np.testing.assert_array_equal(model.predict(other, verbose=0), want)
        np.testing.assert_array_equal(model(other), model(x))
    np.testing.assert_array_equal(model.predict_on_batch(x), want)
    np.testing.assert_array_equal(model.predict(x, verbose=0, steps=2), want)  # 2 steps of 32 cover the 50 rows
    for bad in (dict(batch_size=0), dict(batch_size=True), dict(steps=0), dict(steps=1.5)):
        with pytest.raises(ValueError, match="must be a positive integer"):
            model.predict(x, verbose=0, **bad)


@pytest.mark.parametrize("shape, match", [((0, 40), "The data is empty"), ((2, 39), "expected shape"),
                                          ((40,), "expected shape"), ((2, 4, 10), "expected shape")])
def test_arrays_the_shortcut_turns_away_get_the_general_paths_errors(shape, match):
    model = _mlp(8)
    # (an empty batch is refused by predict alone: predict_on_batch and model(x) return empty outputs)
    calls = [lambda x: model.predict(x, verbose=0)] + ([model, model.predict_on_batch] if shape[0] else [])
    for call in calls:
        with pytest.raises(ValueError, match=match):
            call(np.zeros(shape, np.float32))


def test_models_the_shortcut_does_not_serve_keep_their_outputs_and_errors():
    """A dict of one output still comes back as a dict (Python's check); a model of two inputs
    given one ready array gets the general path's error (C++'s check)."""
    inputs = keras.Input((3,))
    as_dict = keras.Model(inputs, {"a": keras.layers.Dense(2, name="a")(inputs)})
    x = np.ones((2, 3), np.float32)
    for out in (as_dict.predict(x, verbose=0), as_dict(x), as_dict.predict_on_batch(x)):
        assert list(out) == ["a"] and out["a"].shape == (2, 2)
    pair = [keras.Input((3,)), keras.Input((3,))]
    two_inputs = keras.Model(pair, keras.layers.Dense(1)(keras.layers.concatenate(pair)))
    with pytest.raises(ValueError, match="2 inputs"):
        two_inputs.predict(x, verbose=0)
