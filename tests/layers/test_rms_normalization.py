"""RMSNormalization (keras/src/layers/normalization/rms_normalization.py): x / sqrt(mean(x²) + ε)
· scale, and LayerNormalization's deprecated rms_scaling=True, which Keras computes as
x / sqrt(σ² + ε) · γ: values against a float64 reference, gradients against finite differences,
configs and weights as Keras names them, files both ways with real Keras."""

import numpy as np
import pytest

import densekit as keras
from file_helpers import requires_h5py
from keras_live import run_keras

L = keras.layers


def rms_reference(v, scale, axes, eps):
    return v / np.sqrt((v * v).mean(axis=axes, keepdims=True) + eps) * scale


def variance_scaled_reference(v, gamma, axes, eps):
    return v / np.sqrt(v.var(axis=axes, keepdims=True) + eps) * gamma


@pytest.mark.parametrize("axis, axes", [(-1, (-1,)), ([-2, -1], (-2, -1))])
@pytest.mark.parametrize("kind", ["rms", "rms_scaling"])
def test_values_and_gradients(kind, axis, axes, gradcheck):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((3, 4))
    hidden = L.Dense(4, name="before")(inputs)
    if kind == "rms":
        norm = L.RMSNormalization(axis=axis, epsilon=1e-3, name="norm")
    else:
        with pytest.warns(UserWarning, match="rms_scaling=True`, which is deprecated"):
            norm = L.LayerNormalization(axis=axis, rms_scaling=True, name="norm")
    model = keras.Model(inputs, L.Dense(2, name="after")(L.Flatten()(norm(hidden))))
    model.compile(loss="mse")
    # A scale that is not all ones, so that its gradient and its use are both checked.
    shape = (4,) if axis == -1 else (3, 4)
    norm.set_weights([np.linspace(0.5, 1.5, int(np.prod(shape))).reshape(shape).astype(np.float32)])
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(5, 3, 4)), rng.normal(size=(5, 2))
    reference = rms_reference if kind == "rms" else variance_scaled_reference

    def forward(w, xs):
        h = xs[0] @ w["before"][0] + w["before"][1]
        return [reference(h, w["norm"][0], axes, 1e-3).reshape(len(h), -1) @ w["after"][0] + w["after"][1]]

    gradcheck(model, [x], [y], forward)
    assert [v.path.split("/")[-1] for v in norm.weights] == ["scale" if kind == "rms" else "gamma"]


def test_defaults_and_configs():
    layer = L.RMSNormalization()
    assert layer.get_config()["axis"] == -1
    x = np.random.default_rng(2).normal(size=(3, 5)).astype(np.float32)
    np.testing.assert_allclose(layer(x), rms_reference(x.astype(np.float64), 1.0, -1, 1e-6), rtol=1e-6)
    assert layer.scale.shape == (5,)
    config = layer.get_config()
    assert {k: config[k] for k in ("axis", "epsilon")} == {"axis": [-1], "epsilon": 1e-6}  # a list once built, as Keras's
    assert L.RMSNormalization.from_config(config).get_config() == config
    with pytest.warns(UserWarning):
        legacy = L.LayerNormalization(rms_scaling=True)
    config = legacy.get_config()
    assert config["rms_scaling"] is True
    legacy.build((None, 5))
    assert len(legacy.weights) == 1  # gamma, no beta (Keras's)
    with pytest.raises(TypeError, match="axis"):
        L.RMSNormalization(axis="last")
    with pytest.raises(ValueError, match="trailing axes"):
        L.RMSNormalization(axis=1)(np.ones((2, 3, 4), np.float32))


KERAS_BOTH_WAYS = """
import json, sys, warnings
import numpy as np, keras
warnings.simplefilter("ignore")
L = keras.layers
ours = keras.saving.load_model(sys.argv[1])
x = np.linspace(-1, 1, 24, dtype=np.float32).reshape(2, 3, 4)
i = keras.Input((3, 4))
a = L.RMSNormalization(axis=[-2, -1], epsilon=1e-4)(L.Dense(4)(i))
b = L.LayerNormalization(rms_scaling=True)(L.Dense(4)(i))
theirs = keras.Model(i, L.Concatenate()([L.Flatten()(a), L.Flatten()(b)]))
for layer in theirs.layers:
    if layer.weights and type(layer).__name__ != "Dense":
        layer.set_weights([np.linspace(0.5, 1.5, w.size, dtype=np.float32).reshape(w.shape) for w in layer.get_weights()])
theirs.save(sys.argv[2])
print(json.dumps([ours.predict(x, verbose=0).tolist(), theirs.predict(x, verbose=0).tolist()]))
"""


@requires_h5py
def test_keras_reads_densekits_and_densekit_reads_kerass(tmp_path):
    keras.utils.set_random_seed(3)
    i = keras.Input((3, 4))
    a = L.RMSNormalization(axis=[-2, -1], epsilon=1e-4)(L.Dense(4)(i))
    with pytest.warns(UserWarning):
        b = L.LayerNormalization(rms_scaling=True)(L.Dense(4)(i))
    model = keras.Model(i, L.Concatenate()([L.Flatten()(a), L.Flatten()(b)]))
    for layer in model.layers:
        if layer.weights and type(layer).__name__ != "Dense":
            layer.set_weights([np.linspace(0.5, 1.5, w.size, dtype=np.float32).reshape(w.shape)
                               for w in layer.get_weights()])
    ours, theirs = str(tmp_path / "ours.keras"), str(tmp_path / "theirs.keras")
    model.save(ours)
    keras_on_ours, keras_on_theirs = run_keras(KERAS_BOTH_WAYS, ours, theirs)
    x = np.linspace(-1, 1, 24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_allclose(keras_on_ours, model.predict(x, verbose=0), rtol=2e-5, atol=1e-6)
    with pytest.warns(UserWarning):
        loaded = keras.saving.load_model(theirs)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), keras_on_theirs, rtol=2e-5, atol=1e-6)
