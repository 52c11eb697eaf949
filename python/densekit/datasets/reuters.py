"""Reuters newswires: 11,228 wires labelled with one of 46 topics, each a list of word indices
(keras/src/datasets/reuters.py). Cached as ``~/.keras/datasets/reuters.npz`` and
``reuters_word_index.json``."""

import json

import numpy as np

from densekit.datasets import _sequences
from densekit.datasets._files import BUCKET, read_npz
from densekit.utils.file_utils import get_file

ORIGIN = BUCKET + "reuters.npz"
FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_ORIGIN = BUCKET + "reuters_word_index.json"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"

_LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee", "sugar",
    "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp",
    "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi", "iron-steel",
    "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog",
    "lead",
)


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113, start_char=1,
              oov_char=2, index_from=3):
    """``(x_train, y_train), (x_test, y_test)``: object arrays of newswires (lists of ints) and int
    topic labels. All wires are shuffled with ``seed``, then the last ``test_split`` of them are
    for testing; the word options work as in ``densekit.datasets.imdb.load_data``."""
    _sequences.check_options(num_words, skip_top, maxlen, start_char, oov_char, index_from)
    if isinstance(test_split, bool) or not isinstance(test_split, (int, float, np.integer, np.floating)) \
            or not 0 <= test_split <= 1:
        raise ValueError(f"`test_split` must be a number between 0 and 1. Received: test_split={test_split!r}")
    path = get_file(fname=path, origin=ORIGIN, file_hash=FILE_HASH)
    xs, labels = read_npz(path, ("x", "y"), objects=True)
    label_dtype = labels.dtype

    xs, labels = _sequences.shuffle(np.random.RandomState(seed), xs, labels)
    xs = _sequences.shift(xs, start_char, index_from)
    if maxlen:
        xs, labels = _sequences.drop_long(maxlen, xs, labels)
        if not xs:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. "
                             "Increase maxlen.")
    xs = _sequences.limit_vocabulary(xs, num_words, skip_top, oov_char)
    labels = np.asarray(labels, dtype=label_dtype)
    split = int(len(xs) * (1 - test_split))
    return ((_sequences.object_array(xs[:split]), labels[:split].copy()),
            (_sequences.object_array(xs[split:]), labels[split:].copy()))


def get_word_index(path="reuters_word_index.json"):
    """A dict from each word to its frequency rank (1 = most frequent); in the sequences of
    ``load_data`` the word appears as ``rank + index_from``."""
    path = get_file(path, origin=WORD_INDEX_ORIGIN, file_hash=WORD_INDEX_HASH)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def get_label_names():
    """The 46 topic names, indexed by label."""
    return _LABEL_NAMES
