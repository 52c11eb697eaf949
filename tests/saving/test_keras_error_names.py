"""Errors on Keras files name what the user has in hand: the path given to save (not densekit's
hidden temporary file beside it), and for a damaged optimizer variable the file and the variable
(not a bare numpy error from converting it)."""

import numpy as np
import pytest

h5py = pytest.importorskip("h5py", reason="Keras files need h5py (pip install 'densekit[keras]')")

import densekit as keras  # noqa: E402
from file_helpers import edit_json, rewrite_archive  # noqa: E402
from weights_edits import dense_model, edit_weights, replace_dataset  # noqa: E402


def _model(compiled=False):
    return dense_model(3, 2, compiled)


@pytest.mark.parametrize("name", ["m.keras", "m.weights.h5"])
def test_saving_into_a_missing_folder_names_the_path_given(name, tmp_path):
    model, path = _model(), tmp_path / "no_such_folder" / name
    save = model.save_weights if name.endswith(".weights.h5") else model.save
    with pytest.raises(FileNotFoundError) as raised:
        save(path)
    assert raised.value.filename == str(path) and str(path) in str(raised.value)
    assert ".tmp-" not in str(raised.value)


def _with_optimizer_variable(tmp_path, index, value):
    """A .keras archive of the compiled model with ``optimizer/vars/<index>`` replaced by ``value``."""
    _model(compiled=True).save(tmp_path / "source.keras")
    return rewrite_archive(tmp_path / "source.keras", tmp_path / "damaged.keras",
                           weights=edit_weights(replace_dataset(f"optimizer/vars/{index}", data=value)))


@pytest.mark.parametrize("index, value, message", [
    (0, b"abc", r"optimizer variable 0 \(optimizer/iterations\) holds object values, not numbers"),
    (0, np.zeros(3, "int64"), r"optimizer variable 0 \(optimizer/iterations\) has shape \(3,\) in the file; it is one"),
    (1, np.zeros(2, "float32"), r"optimizer variable 1 \(learning_rate\) has shape \(2,\) in the file; it is one"),
    (1, np.float32("nan"), r"optimizer variable 1 \(learning_rate\) is nan, not a learning rate"),
    (2, np.array([b"x"]), r"optimizer variable 2 \(optimizer/momentum/dense/kernel\) holds \|S1 values"),
    (2, np.zeros((5, 2), "float32"), r"optimizer variable 2 \(optimizer/momentum/dense/kernel\) has shape \(5, 2\) in "
                                     r"the file; its weight has \(3, 2\) in the model"),
])
def test_a_damaged_optimizer_variable_is_named_with_the_file(index, value, message, tmp_path):
    path = _with_optimizer_variable(tmp_path, index, value)
    with pytest.raises(ValueError, match=f"'{path}': {message}"):
        keras.models.load_model(path)
    model = _model(compiled=True)
    before = model.get_weights()
    with pytest.raises(ValueError, match=f"'{path}': {message}"):
        model.load_weights(path)
    for got, expected in zip(model.get_weights(), before):  # nothing loaded
        np.testing.assert_array_equal(got, expected)


def test_a_loss_given_as_a_function_loads_and_a_custom_one_is_named(tmp_path):
    # compile(loss=keras.losses.mean_squared_error) is written by name, as a "function"
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    model.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0)
    model.save(tmp_path / "m.keras")

    def loss_as(name):
        def change(config):
            config["compile_config"]["loss"] = {"module": "builtins", "class_name": "function", "config": name,
                                                "registered_name": "function"}
        return rewrite_archive(tmp_path / "m.keras", tmp_path / f"{name.replace('>', '_')}.keras",
                               config=edit_json(change))

    loaded = keras.saving.load_model(loss_as("mean_squared_error"))
    assert loaded.evaluate(np.ones((4, 3)), np.ones((4, 1)), verbose=0) == \
        model.evaluate(np.ones((4, 3)), np.ones((4, 1)), verbose=0)
    with pytest.raises(ValueError, match="my>my_loss"):
        keras.saving.load_model(loss_as("my>my_loss"))
