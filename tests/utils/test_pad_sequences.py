"""keras.utils.pad_sequences (keras/src/utils/sequence_utils.py): Keras's docstring examples,
every padding/truncating choice against Keras itself, steps with their own shape, and bad input."""

import json

import numpy as np
import pytest

import densekit as keras
from keras_live import run_keras

SEQUENCES = [[1], [2, 3], [4, 5, 6]]


def test_kerass_docstring_examples():
    pad = keras.utils.pad_sequences
    np.testing.assert_array_equal(pad(SEQUENCES), [[0, 0, 1], [0, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(pad(SEQUENCES, value=-1), [[-1, -1, 1], [-1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(pad(SEQUENCES, padding="post"), [[1, 0, 0], [2, 3, 0], [4, 5, 6]])
    np.testing.assert_array_equal(pad(SEQUENCES, maxlen=2), [[0, 1], [2, 3], [5, 6]])
    assert pad(SEQUENCES).dtype == np.int32
    assert keras.preprocessing.sequence.pad_sequences is pad


def test_steps_with_a_shape_empty_sequences_and_dtypes():
    out = keras.utils.pad_sequences([[], [[1, 2], [3, 4]], [[5, 6]]], maxlen=3, padding="post", dtype="float32")
    assert out.shape == (3, 3, 2) and out.dtype == np.float32
    np.testing.assert_array_equal(out[1], [[1, 2], [3, 4], [0, 0]])
    np.testing.assert_array_equal(out[0], np.zeros((3, 2)))
    assert keras.utils.pad_sequences([]).shape == (0, 0)
    assert keras.utils.pad_sequences(SEQUENCES, maxlen=0).shape == (3, 0)
    words = keras.utils.pad_sequences([["a"], ["b", "c"]], dtype=object, value="<pad>")
    assert words.tolist() == [["<pad>", "a"], ["b", "c"]]


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="must be iterable"):
        keras.utils.pad_sequences(5)
    with pytest.raises(ValueError, match="non-iterable"):
        keras.utils.pad_sequences([[1], 2])
    with pytest.raises(ValueError, match='Padding type "middle" not understood'):
        keras.utils.pad_sequences(SEQUENCES, padding="middle")
    with pytest.raises(ValueError, match='Truncating type "x" not understood'):
        keras.utils.pad_sequences(SEQUENCES, truncating="x")
    with pytest.raises(ValueError, match="dtype=object"):
        keras.utils.pad_sequences(SEQUENCES, value="pad")
    with pytest.raises(ValueError, match="different from expected shape"):
        keras.utils.pad_sequences([[[1, 2]], [[1, 2, 3]]])
    with pytest.raises(ValueError, match="maxlen"):
        keras.utils.pad_sequences(SEQUENCES, maxlen=-1)


KERAS_PADS = """
import json, sys
import keras
sequences = json.loads(sys.argv[1])
out = {}
for maxlen in (None, 1, 3, 7):
    for padding in ("pre", "post"):
        for truncating in ("pre", "post"):
            out[f"{maxlen} {padding} {truncating}"] = keras.utils.pad_sequences(
                sequences, maxlen=maxlen, padding=padding, truncating=truncating, value=9).tolist()
print(json.dumps(out))
"""


def test_every_choice_matches_keras():
    rng = np.random.default_rng(0)
    sequences = [rng.integers(1, 50, size=n).tolist() for n in (0, 1, 4, 5, 9)]
    expected = run_keras(KERAS_PADS, json.dumps(sequences))
    for key, value in expected.items():
        maxlen, padding, truncating = key.split()
        got = keras.utils.pad_sequences(sequences, maxlen=None if maxlen == "None" else int(maxlen), padding=padding,
                                        truncating=truncating, value=9)
        assert got.tolist() == value, key
