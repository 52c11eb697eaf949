"""Small Keras details of utilities and callback lists (keras/src/utils/numerical_utils.py,
keras/src/callbacks/callback_list.py), as Keras 3.15.1 behaves."""

import numpy as np
import pytest

import densekit as keras


def test_normalize_with_axis_none_divides_by_numpys_norm_of_the_whole_array():
    x = np.array([[3.0, 4.0], [1.0, 0.0]])
    # Keras's figures: numpy's order-2 norm of a matrix is its largest singular value
    np.testing.assert_allclose(keras.utils.normalize(x, axis=None), x / np.linalg.norm(x, 2))
    np.testing.assert_allclose(keras.utils.normalize(x, axis=None)[0], [0.5956, 0.7942], atol=1e-4)
    np.testing.assert_allclose(keras.utils.normalize(x), x / np.linalg.norm(x, axis=-1, keepdims=True))


def test_to_categorical_reads_labels_written_as_text_and_num_classes_zero():
    np.testing.assert_array_equal(keras.utils.to_categorical(["0", "2"]), [[1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(keras.utils.to_categorical([1, 0], num_classes=0), [[0, 1], [1, 0]])
    with pytest.raises(TypeError, match="not a whole number"):
        keras.utils.to_categorical(["a", "1"])


def test_nested_lists_of_callbacks_are_flattened():
    seen = []
    first = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append("first"))
    second = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append("second"))
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=1, verbose=0, callbacks=[[first], (second,)])
    assert seen == ["first", "second"]
    with pytest.raises(TypeError, match="Expected a keras Callback instance"):
        model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=1, verbose=0, callbacks=[[first, "second"]])


def test_a_bad_test_split_is_shown_as_given():
    with pytest.raises(ValueError, match=r"Invalid `test_split` argument: '0.2'\."):
        keras.datasets.boston_housing.load_data(test_split="0.2")


GRAPH = """
a, b, c = keras.Input((3,), name="a"), keras.Input((2,), name="b"), keras.Input((3,), name="c")
shared = keras.layers.Dense(2, name="shared")
x = shared(c)
y = keras.layers.Add(name="add")([x, b])
z = keras.layers.Concatenate(name="cat")([y, a, shared(a)])
"""


def test_get_source_inputs_lists_each_input_once_in_keras_order():
    from keras_live import run_keras

    names = {}
    exec("import densekit as keras\n" + GRAPH, names)
    z, a = names["z"], names["a"]
    ours = [t.name for t in keras.utils.get_source_inputs(z)]
    assert ours == ["c", "b", "a"]
    assert keras.utils.get_source_inputs(a) == [a]
    assert keras.utils.get_source_inputs(5) == 5
    assert [t.name for t in keras.utils.get_source_inputs(names["x"])] == ["c"]
    script = "import json, keras\n" + GRAPH + "print(json.dumps([t.name for t in keras.utils.get_source_inputs(z)]))"
    assert run_keras(script) == ours


def test_interactive_logging_switches_are_in_utils_as_in_config():
    assert keras.utils.disable_interactive_logging is keras.config.disable_interactive_logging
    keras.utils.disable_interactive_logging()
    try:
        assert not keras.utils.is_interactive_logging_enabled()
    finally:
        keras.utils.enable_interactive_logging()
    assert keras.config.is_interactive_logging_enabled()
