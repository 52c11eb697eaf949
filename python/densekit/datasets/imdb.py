"""IMDB movie reviews: 25,000 training and 25,000 test reviews labelled 1 (positive) or 0
(negative), each a list of word indices (keras/src/datasets/imdb.py). Cached as
``~/.keras/datasets/imdb.npz`` and ``imdb_word_index.json``."""

import json

import numpy as np

from densekit.datasets import _sequences
from densekit.datasets._files import BUCKET, read_npz
from densekit.utils.file_utils import get_file

ORIGIN = BUCKET + "imdb.npz"
FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_ORIGIN = BUCKET + "imdb_word_index.json"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3, **kwargs):
    """``(x_train, y_train), (x_test, y_test)``: object arrays of reviews (lists of ints) and int
    labels. Training and test reviews are each shuffled with ``seed``; word ``w`` (its frequency
    rank) appears as ``w + index_from``, each review starts with ``start_char``; reviews of
    ``maxlen`` words or more (counting ``start_char``) are dropped; indices below ``skip_top`` or
    from ``num_words`` on become ``oov_char`` (or are removed if it is None)."""
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    _sequences.check_options(num_words, skip_top, maxlen, start_char, oov_char, index_from)
    path = get_file(fname=path, origin=ORIGIN, file_hash=FILE_HASH)
    x_train, y_train, x_test, y_test = read_npz(path, ("x_train", "y_train", "x_test", "y_test"), objects=True)
    label_dtype = y_train.dtype

    rng = np.random.RandomState(seed)  # one generator: the test order depends on the training shuffle
    x_train, y_train = _sequences.shuffle(rng, x_train, y_train)
    x_test, y_test = _sequences.shuffle(rng, x_test, y_test)
    x_train = _sequences.shift(x_train, start_char, index_from)
    x_test = _sequences.shift(x_test, start_char, index_from)
    if maxlen:
        x_train, y_train = _sequences.drop_long(maxlen, x_train, y_train)
        x_test, y_test = _sequences.drop_long(maxlen, x_test, y_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. "
                             "Increase maxlen.")

    # The vocabulary bound without num_words is taken over training and test reviews together.
    xs = _sequences.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    n = len(x_train)
    return ((_sequences.object_array(xs[:n]), np.asarray(y_train, dtype=label_dtype)),
            (_sequences.object_array(xs[n:]), np.asarray(y_test, dtype=label_dtype)))


def get_word_index(path="imdb_word_index.json"):
    """A dict from each word to its frequency rank (1 = most frequent); in the sequences of
    ``load_data`` the word appears as ``rank + index_from``."""
    path = get_file(fname=path, origin=WORD_INDEX_ORIGIN, file_hash=WORD_INDEX_HASH)
    with open(path, encoding="utf-8") as f:
        return json.load(f)
