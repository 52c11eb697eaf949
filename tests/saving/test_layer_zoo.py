"""A Keras 3.15 file holding every layer class densekit reads, uncompiled
(tests/data/keras/make_layer_zoo.py wrote it with real Keras): each class's config as Keras
writes it passes the argument check of cpp/src/layers/registry.cpp, the empty compile config
leaves the model uncompiled, and the predictions are Keras's."""

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("h5py", reason="Keras files need h5py (pip install 'densekit[keras]')")

import densekit as keras  # noqa: E402
from file_helpers import edit_json, rewrite_archive  # noqa: E402

ZOO = Path(__file__).resolve().parent.parent / "data" / "keras" / "layer_zoo.keras"


@pytest.fixture(scope="module")
def expected():
    with np.load(ZOO.with_suffix(".npz")) as f:
        return {k: f[k] for k in f.files}


def test_every_layer_class_loads_uncompiled_with_kerass_predictions(expected):
    model = keras.models.load_model(ZOO)
    assert not model.compiled
    assert [type(layer).__name__ for layer in model.layers] == list(expected["layer_classes"])
    np.testing.assert_allclose(model.predict(expected["x"], verbose=0), expected["y"], rtol=1e-5, atol=1e-6)


def test_the_zoo_written_again_by_densekit_loads_again(tmp_path, expected):
    keras.models.load_model(ZOO).save(tmp_path / "again.keras")
    again = keras.models.load_model(tmp_path / "again.keras")
    np.testing.assert_allclose(again.predict(expected["x"], verbose=0), expected["y"], rtol=1e-5, atol=1e-6)


def test_an_unknown_key_in_one_of_kerass_configs_is_refused(tmp_path):
    def give_softmax_elus_argument(config):
        softmax = next(e for e in config["config"]["layers"] if e["class_name"] == "Softmax")
        softmax["config"]["alpha"] = 1.0  # ELU's argument, not Softmax's

    rewrite_archive(ZOO, tmp_path / "bad.keras", config=edit_json(give_softmax_elus_argument))
    with pytest.raises(ValueError, match=r"Unrecognized keyword arguments passed to Softmax: \{'alpha': 1.0\}"):
        keras.models.load_model(tmp_path / "bad.keras")
