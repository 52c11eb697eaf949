"""The word-index processing IMDB and Reuters share (keras/src/datasets/imdb.py, reuters.py).
Words are stored as their frequency rank (1 = most frequent); the loaders shift them by
``index_from`` to keep 0 (padding), ``start_char`` and ``oov_char`` free."""

import numpy as np


def check_options(num_words, skip_top, maxlen, start_char, oov_char, index_from):
    for name, value, optional in (("num_words", num_words, True), ("skip_top", skip_top, False),
                                  ("maxlen", maxlen, True), ("start_char", start_char, True),
                                  ("oov_char", oov_char, True), ("index_from", index_from, False)):
        if value is None and optional:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            kind = "a non-negative integer or None" if optional else "a non-negative integer"
            raise ValueError(f"`{name}` must be {kind}. Received: {name}={value!r}")


def shuffle(rng, sequences, labels):
    indices = np.arange(len(sequences))
    rng.shuffle(indices)
    return sequences[indices], labels[indices]


def shift(sequences, start_char, index_from):
    """Each sequence as a list, its word indices raised by ``index_from``, led by ``start_char``."""
    lead = [] if start_char is None else [start_char]
    return [lead + [w + index_from for w in x] for x in sequences]


def drop_long(maxlen, sequences, labels):
    """Only the sequences strictly shorter than ``maxlen`` (Keras drops, never truncates)."""
    kept = [i for i, x in enumerate(sequences) if len(x) < maxlen]
    return [sequences[i] for i in kept], [labels[i] for i in kept]


def limit_vocabulary(sequences, num_words, skip_top, oov_char):
    """Indices outside ``[skip_top, num_words)`` become ``oov_char`` (or are dropped if it is None).
    Without ``num_words`` the bound is the largest index present, so, as in Keras, that one word
    counts as out of vocabulary too."""
    if not num_words:
        num_words = max((max(x) for x in sequences if len(x)), default=0)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in sequences]
    return [[w for w in x if skip_top <= w < num_words] for x in sequences]


def object_array(sequences):
    """A 1-D object array of lists, even when every list has the same length (where ``np.array``
    would build a 2-D array)."""
    out = np.empty(len(sequences), dtype=object)
    for i, x in enumerate(sequences):
        out[i] = x
    return out
