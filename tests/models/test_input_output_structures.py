"""Inputs and outputs given as dicts, lists and tuples, matched and returned as Keras's
functional models do (keras/src/models/functional_test.py); expected values are Keras 3.15's."""

import collections

import numpy as np
import pytest

import densekit as keras
from densekit import layers


def test_a_dict_of_inputs_takes_its_own_keys_even_when_they_are_not_the_input_names():
    a, b = keras.Input((2,), name="a"), keras.Input((2,), name="b")
    model = keras.Model({"c": a, "d": b}, layers.subtract([a, b]))
    data = {"c": np.ones((4, 2)), "d": np.zeros((4, 2))}
    np.testing.assert_array_equal(model(data), np.ones((4, 2)))
    np.testing.assert_array_equal(model.predict(data, verbose=0), np.ones((4, 2)))
    model.compile("sgd", "mse")
    assert model.evaluate(data, np.ones((4, 2)), verbose=0) == 0.0
    np.testing.assert_array_equal(model.predict({"a": np.ones((1, 2)), "b": np.zeros((1, 2))}, verbose=0), [[1, 1]])


def test_a_list_for_a_dict_of_inputs_is_refused_when_sorted_keys_would_swap_them():
    """Keras matches a list to the dict's keys in sorted order and refuses it where that is not
    the dict's order; densekit gave IT - IS with the arrays swapped (-1 instead of 1)."""
    first, second = keras.Input((2,), name="IT"), keras.Input((2,), name="IS")
    model = keras.Model({"IT": first, "IS": second}, layers.subtract([first, second]))
    for call in (model, lambda x: model.predict(x, verbose=0)):
        with pytest.raises(ValueError, match="a list is matched to its keys in sorted order"):
            call([np.ones((1, 2)), np.zeros((1, 2))])
    ordered = keras.Model({"IS": second, "IT": first}, layers.subtract([first, second]))
    np.testing.assert_array_equal(ordered([np.zeros((1, 2)), np.ones((1, 2))]), [[1, 1]])  # IS, IT: sorted


def test_a_loaded_or_copied_dict_input_model_refuses_a_list_too(tmp_path):
    """A file keeps the keys in sorted order, not as given: a loaded, pickled or from_config copy
    cannot tell whether a list would be matched as given, so it refuses one (it swapped them)."""
    import pickle

    first, second = keras.Input((2,), name="a"), keras.Input((2,), name="b")
    model = keras.Model({"d": first, "c": second}, layers.subtract([first, second]))
    model.save(str(tmp_path / "m.keras"))
    copies = [keras.models.load_model(str(tmp_path / "m.keras")), keras.models.clone_model(model),
              pickle.loads(pickle.dumps(model)), keras.Model.from_config(model.get_config())]
    for copy in copies:
        with pytest.raises(ValueError, match="a list is matched to its keys in sorted order"):
            copy([np.ones((1, 2)), np.zeros((1, 2))])
        np.testing.assert_array_equal(copy({"d": np.ones((1, 2)), "c": np.zeros((1, 2))}), [[1, 1]])


def test_tuple_and_namedtuple_outputs_come_back_as_given():
    inputs = keras.Input((2,))
    first, second = layers.Dense(1)(inputs), layers.Dense(1)(inputs)
    x = np.ones((3, 2), np.float32)
    pair = keras.Model(inputs, (first, second))
    for value in (pair.output, pair(x), pair.predict(x, verbose=0), pair.predict_on_batch(x)):
        assert type(value) is tuple and len(value) == 2
    Outputs = collections.namedtuple("Outputs", ["y1", "y2"])
    named = keras.Model(inputs, Outputs(first, second))
    out = named.predict(x, verbose=0)
    assert isinstance(out, Outputs) and out.y1.shape == (3, 1)
    assert type(keras.Model(inputs, [first, second])(x)) is list
