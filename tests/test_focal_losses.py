"""BinaryFocalCrossentropy and CategoricalFocalCrossentropy (keras/src/losses/losses.py): per-
sample values against Keras 3.15.1's (tests/data/keras/focal_values.json, written by
make_focal_values.py) and an independent float64 reference, Keras's docstring examples,
gradients against finite differences, training, configs and files."""

import json
import os

import numpy as np
import pytest

import densekit as keras
from keras_live import run_keras
from densekit._core._testing import loss_per_sample_f64, loss_value_and_grad_f64
from file_helpers import requires_h5py

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "data", "keras", "focal_values.json")) as f:
    KERAS = json.load(f)
EPS = 1e-7


def ref_binary(y, p, gamma=2.0, alpha=0.25, apply_class_balancing=False, label_smoothing=0.0, from_logits=False):
    t = y * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        z, p = p, 1 / (1 + np.exp(-p))
        bce = np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))
    else:
        pc = np.clip(p, EPS, 1 - EPS)
        bce = -(t * np.log(pc) + (1 - t) * np.log(1 - pc))
    focal = (1 - (t * p + (1 - t) * (1 - p))) ** gamma * bce
    if apply_class_balancing:
        focal = (t * alpha + (1 - t) * (1 - alpha)) * focal
    return focal.mean(-1)


def ref_categorical(y, p, gamma=2.0, alpha=0.25, label_smoothing=0.0, from_logits=False):
    t = y * (1 - label_smoothing) + label_smoothing / y.shape[-1]
    if from_logits:
        p = np.exp(p - p.max(-1, keepdims=True))
    q = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return (alpha * (1 - q) ** gamma * -t * np.log(q)).sum(-1)


CASES = [("binary", name, form) for name in KERAS["binary"]["cases"] for form in ("probabilities", "logits")] + \
        [("categorical", name, form) for name in KERAS["categorical"]["cases"] for form in ("probabilities", "logits")]


def _case(kind, name, form):
    data = KERAS[kind]
    kwargs = dict(data["cases"][name]["kwargs"], from_logits=form == "logits")
    y = np.array(data["y"], dtype=np.float32)
    p = np.array(data["logits" if form == "logits" else "p"], dtype=np.float32)
    return kwargs, y, p, np.array(data["cases"][name][form], dtype=np.float32)


@pytest.mark.parametrize("kind,name,form", CASES)
def test_per_sample_values_match_keras_and_the_reference(kind, name, form):
    kwargs, y, p, keras_values = _case(kind, name, form)
    fn = keras.losses.binary_focal_crossentropy if kind == "binary" else keras.losses.categorical_focal_crossentropy
    ref = ref_binary if kind == "binary" else ref_categorical
    out = fn(y, p, **kwargs)
    assert out.shape == (len(y),) and out.dtype == np.float32
    np.testing.assert_allclose(out, keras_values, rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(out, ref(y.astype(np.float64), p.astype(np.float64), **kwargs), rtol=2e-6, atol=1e-7)


def test_kerass_docstring_examples():
    y_true, y_pred = [0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8]
    assert keras.losses.BinaryFocalCrossentropy(gamma=2, from_logits=True)(y_true, y_pred) == pytest.approx(0.691, abs=5e-4)
    loss = keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=3, from_logits=True)
    assert loss(y_true, y_pred) == pytest.approx(0.482, abs=5e-4)
    y_true, y_pred = [[0., 1., 0.], [0., 0., 1.]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
    cce = keras.losses.CategoricalFocalCrossentropy()
    assert cce(y_true, y_pred) == pytest.approx(0.23315276, rel=1e-6)
    assert cce(y_true, y_pred, sample_weight=np.array([0.3, 0.7])) == pytest.approx(0.1632, abs=5e-5)
    assert keras.losses.CategoricalFocalCrossentropy(reduction="sum")(y_true, y_pred) == pytest.approx(0.46631, abs=5e-6)
    np.testing.assert_allclose(keras.losses.CategoricalFocalCrossentropy(reduction=None)(y_true, y_pred),
                               [3.2058331e-05, 4.6627346e-01], rtol=1e-6)


@pytest.mark.parametrize("kind,name,form", CASES)
def test_gradients_match_finite_differences(kind, name, form):
    kwargs, y, p, _ = _case(kind, name, form)
    cls = keras.losses.BinaryFocalCrossentropy if kind == "binary" else keras.losses.CategoricalFocalCrossentropy
    core = cls(**kwargs)._core
    y64, p64 = y.astype(np.float64), p.astype(np.float64)
    if form == "probabilities":  # stay inside the clipping, where the loss is smooth
        p64 = np.clip(p64, 1e-3, 1 - 1e-3)
    _, grad = loss_value_and_grad_f64(core, y64, p64)
    h = 1e-6
    numeric = np.zeros_like(p64)
    for index in np.ndindex(p64.shape):
        step = np.zeros_like(p64)
        step[index] = h
        numeric[index] = (loss_value_and_grad_f64(core, y64, p64 + step)[0] -
                          loss_value_and_grad_f64(core, y64, p64 - step)[0]) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)
    assert np.abs(numeric).max() > 1e-4
    per_sample = loss_per_sample_f64(core, y64, p64)
    ref = ref_binary if kind == "binary" else ref_categorical
    np.testing.assert_allclose(per_sample, ref(y64, p64, **kwargs), rtol=1e-12, atol=1e-15)


def test_gamma_zero_is_the_plain_cross_entropy():
    y, p = np.array(KERAS["binary"]["y"], np.float32), np.array(KERAS["binary"]["p"], np.float32)
    np.testing.assert_allclose(keras.losses.binary_focal_crossentropy(y, p, gamma=0.0),
                               keras.losses.binary_crossentropy(y, p), rtol=1e-6)
    y, p = np.array(KERAS["categorical"]["y"], np.float32), np.array(KERAS["categorical"]["p"], np.float32)
    np.testing.assert_allclose(keras.losses.categorical_focal_crossentropy(y, p, gamma=0.0, alpha=1.0),
                               keras.losses.categorical_crossentropy(y, p), rtol=1e-6)


def _imbalanced(n=400):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(n, 5)).astype(np.float32)
    y = (x[:, 0] + 0.3 * rng.normal(size=n) > 1.2).astype(np.float32)  # about 12 % positives
    return x, y


@pytest.mark.parametrize("loss", [keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.75),
                                  "binary_focal_crossentropy", keras.losses.binary_focal_crossentropy])
def test_a_model_trains_with_it_and_reports_it_as_the_reference_computes(loss):
    x, y = _imbalanced()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=loss, metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0).history
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    kwargs = loss.get_config() if isinstance(loss, keras.losses.Loss) else {}
    kwargs = {k: kwargs[k] for k in ("apply_class_balancing", "alpha", "gamma") if k in kwargs}
    p = model.predict(x, verbose=0).astype(np.float64)
    expected = ref_binary(y[:, None].astype(np.float64), p, **kwargs).mean()
    assert model.evaluate(x, y, verbose=0, return_dict=True)["loss"] == pytest.approx(expected, rel=1e-5)


@requires_h5py
def test_configs_round_trip_and_bad_arguments_are_refused(tmp_path):
    loss = keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.6, gamma=3.0, label_smoothing=0.1)
    config = loss.get_config()
    assert {k: config[k] for k in ("apply_class_balancing", "alpha", "gamma", "label_smoothing", "from_logits")} == \
        {"apply_class_balancing": True, "alpha": 0.6, "gamma": 3.0, "label_smoothing": 0.1, "from_logits": False}
    assert config["name"] == "binary_focal_crossentropy"
    again = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(again) is keras.losses.BinaryFocalCrossentropy and again.get_config() == config
    assert keras.losses.CategoricalFocalCrossentropy().get_config()["name"] == "categorical_focal_crossentropy"
    x, y = _imbalanced(64)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", loss)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-6)
    with pytest.raises(ValueError, match="one `alpha` for every class"):
        keras.losses.CategoricalFocalCrossentropy(alpha=[0.2, 0.8])
    with pytest.raises(ValueError, match="gamma"):
        keras.losses.BinaryFocalCrossentropy(gamma=-1.0)
    with pytest.raises(TypeError, match="apply_class_balancing"):
        keras.losses.CategoricalFocalCrossentropy(apply_class_balancing=True)
    with pytest.raises(ValueError, match="axis=-1"):
        keras.losses.BinaryFocalCrossentropy(axis=0)
    with pytest.raises(ValueError, match="same shape"):
        keras.losses.categorical_focal_crossentropy(np.eye(3, dtype=np.float32), np.ones((3, 2), np.float32) / 2)


KERAS_EVALUATES = """
import json, sys
import numpy as np, keras
data = np.load(sys.argv[1] + ".npz")
print(json.dumps(float(keras.saving.load_model(sys.argv[1]).evaluate(data["x"], data["y"], verbose=0))))
"""


@requires_h5py
def test_keras_evaluates_densekits_focal_loss_file_alike(tmp_path):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(32, 5)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 32)]
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])
    model.compile("adam", keras.losses.CategoricalFocalCrossentropy(from_logits=True, gamma=3.0, alpha=0.4,
                                                                    label_smoothing=0.1))
    path = str(tmp_path / "m.keras")
    model.save(path)
    np.savez(path + ".npz", x=x, y=y)
    assert run_keras(KERAS_EVALUATES, path) == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-5)
