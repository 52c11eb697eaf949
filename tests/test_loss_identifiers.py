"""keras.losses.get as Keras's (keras/src/losses/__init__.py): not what compile() makes of an
identifier (losses.loss_object, tested in test_losses.py)."""

import numpy as np
import pytest

from densekit import losses


def test_losses_get_returns_what_keras_returns():
    # keras/src/losses/__init__.py: a function's name (or alias) gives the function, a class name
    # an instance, a dict the deserialized object; anything else raises.
    assert losses.get("mse") is losses.mean_squared_error and losses.get("huber") is losses.huber
    assert losses.get("BCE") is losses.binary_crossentropy and losses.get("kld") is losses.kl_divergence
    y, p = np.array([[0.0, 1.0]]), np.array([[0.2, 0.6]])
    np.testing.assert_allclose(losses.get("mse")(y, p), [0.1], rtol=1e-6)  # per sample, as Keras's function
    assert isinstance(losses.get("CategoricalCrossentropy"), losses.CategoricalCrossentropy)
    config = {"class_name": "Huber", "config": {"delta": 2.0}}
    assert losses.get(config).get_config()["delta"] == 2.0
    instance = losses.Huber()
    assert losses.get(instance) is instance and losses.get(None) is None
    for bad in ("Mse", "huber_loss", "nope"):
        with pytest.raises(ValueError, match=f"Could not interpret loss identifier: {bad}"):
            losses.get(bad)


def test_crossentropy_is_bound_once_by_the_first_targets_as_keras_builds_its_loss():
    # keras/src/trainers/compile_utils.py: CompileLoss.build resolves "crossentropy" from the first
    # targets and keeps it; one-hot targets given after sparse ones are then refused (Keras: "must
    # have rank target.ndim - 1"), not re-resolved nor computed as sparse labels.
    import densekit as keras

    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 4)).astype("float32")
    labels = rng.integers(0, 3, size=12)
    one_hot = np.eye(3, dtype="float32")[labels]

    def model():
        m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax", kernel_initializer="ones")])
        m.compile(loss="crossentropy")
        return m

    sparse_first = model()
    reference = sparse_first.evaluate(x, labels, verbose=0)
    p = sparse_first.predict(x, verbose=0).astype(np.float64)
    np.testing.assert_allclose(reference, -np.mean(np.log(p[np.arange(12), labels])), rtol=1e-5)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy expects integer class labels"):
        sparse_first.evaluate(x, one_hot, verbose=0)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy expects integer class labels"):
        sparse_first.fit(x, one_hot, epochs=1, verbose=0)
    np.testing.assert_allclose(model().evaluate(x, one_hot, verbose=0), reference, rtol=1e-6)  # a fresh model binds afresh

    one_hot_first = model()
    one_hot_first.evaluate(x, one_hot, verbose=0)
    with pytest.raises(ValueError, match="target"):
        one_hot_first.evaluate(x, labels, verbose=0)
