"""An uncompiled Keras 3 model writes `"compile_config": {}` in its `.keras` archive and in
`to_json()` (Keras 3.15): Keras compiles only from a non-empty one, and so does densekit
(deserialize_keras_object in keras/src/saving/serialization_lib.py)."""

import json

import numpy as np
import pytest

import densekit as keras
from file_helpers import edit_json, requires_h5py, rewrite_archive


def uncompiled_model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])


def test_model_from_json_with_an_empty_compile_config_builds_an_uncompiled_model():
    model = uncompiled_model()
    config = json.loads(model.to_json())
    config["compile_config"] = {}
    again = keras.models.model_from_json(json.dumps(config))
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(again.predict(x, verbose=0).shape, (2, 2))
    assert not again.compiled


@requires_h5py
@pytest.mark.parametrize("value", [{}, None])
def test_a_keras_archive_with_an_empty_compile_config_loads(tmp_path, value):
    model = uncompiled_model()
    model.save(tmp_path / "written.keras")
    rewrite_archive(tmp_path / "written.keras", tmp_path / "m.keras",
                    config=edit_json(lambda config: config.update(compile_config=value)))
    loaded = keras.models.load_model(tmp_path / "m.keras")
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert not loaded.compiled
