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
