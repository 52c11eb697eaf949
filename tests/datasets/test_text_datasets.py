"""imdb and reuters: Keras's shuffles, word shifting, maxlen, num_words, skip_top and oov_char,
checked on a handful of sequences whose labels say which sequence they are, against
expectations worked out by hand below."""

import json
import os

import numpy as np
import pytest
from dataset_files import cached, md5, object_array, sha256, write_npz

import densekit as keras
from densekit.datasets import imdb, reuters

# Raw words (frequency ranks) of IMDB's training reviews (labels 0-3) and test reviews (10-12).
TRAIN = [[1, 2, 5, 9], [4, 4], [3, 1, 1, 2, 6], [7]]
TEST = [[2, 8], [12, 1], [5]]
# Keras's order with seed 113: one RandomState shuffles the 4 training, then the 3 test reviews.
TRAIN_ORDER, TEST_ORDER = [3, 2, 0, 1], [11, 10, 12]


def write_imdb(keras_home, monkeypatch, numpy1_names=True):
    path = cached(keras_home, "imdb.npz")
    write_npz(path, numpy1_names, x_train=object_array(TRAIN), y_train=np.arange(4),
              x_test=object_array(TEST), y_test=np.arange(10, 13))
    monkeypatch.setattr(imdb, "FILE_HASH", sha256(path))


def by_label(x, y):
    assert x.dtype == object and x.ndim == 1 and len(x) == len(y)
    assert all(isinstance(sequence, list) for sequence in x)
    return {int(label): sequence for sequence, label in zip(x, y)}


def test_imdb_defaults(keras_home, monkeypatch, offline_requests):
    write_imdb(keras_home, monkeypatch)
    (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data()
    assert y_train.dtype == np.int64 and y_train.tolist() == TRAIN_ORDER and y_test.tolist() == TEST_ORDER
    # start_char 1, then each word + 3. With num_words=None the bound is the largest index (15),
    # which Keras's `w < num_words` makes out of vocabulary itself: 15 -> 2.
    assert by_label(x_train, y_train) == {0: [1, 4, 5, 8, 12], 1: [1, 7, 7], 2: [1, 6, 4, 4, 5, 9], 3: [1, 10]}
    assert by_label(x_test, y_test) == {10: [1, 5, 11], 11: [1, 2, 4], 12: [1, 8]}
    assert x_train[0] == [1, 10]  # label 3 comes first
    assert offline_requests == []


def test_imdb_num_words_skip_top_and_oov(keras_home, monkeypatch):
    write_imdb(keras_home, monkeypatch)
    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=8, skip_top=5)
    # Kept: 5 <= w < 8. Everything else, start_char 1 included, becomes oov_char 2.
    assert by_label(x_train, y_train) == {0: [2, 2, 5, 2, 2], 1: [2, 7, 7], 2: [2, 6, 2, 2, 5, 2], 3: [2, 2]}
    assert by_label(x_test, y_test) == {10: [2, 5, 2], 11: [2, 2, 2], 12: [2, 2]}
    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=8, skip_top=5, oov_char=None)
    assert by_label(x_train, y_train) == {0: [5], 1: [7, 7], 2: [6, 5], 3: []}
    assert by_label(x_test, y_test) == {10: [5], 11: [], 12: []}
    (x_train, y_train), _ = imdb.load_data(num_words=8, oov_char=9)
    assert by_label(x_train, y_train)[0] == [1, 4, 5, 9, 9]


def test_imdb_maxlen_drops_sequences_not_shorter(keras_home, monkeypatch):
    write_imdb(keras_home, monkeypatch)
    (x_train, y_train), (x_test, y_test) = imdb.load_data(maxlen=4)
    # Lengths with start_char: 5, 3, 6, 2 and 3, 3, 2; Keras keeps those < 4, in shuffled order.
    assert y_train.tolist() == [3, 1] and y_test.tolist() == TEST_ORDER
    assert x_train.tolist() == [[1, 10], [1, 7, 7]]
    assert y_train.dtype == np.int64
    with pytest.raises(ValueError, match="After filtering for sequences shorter than maxlen=2, no sequence was kept"):
        imdb.load_data(maxlen=2)


def test_imdb_start_char_and_index_from(keras_home, monkeypatch):
    write_imdb(keras_home, monkeypatch)
    (x_train, y_train), (x_test, y_test) = imdb.load_data(start_char=None, index_from=0, oov_char=None)
    # The raw ranks, but the largest (12) is outside [0, 12) and dropped.
    assert by_label(x_train, y_train) == dict(enumerate(TRAIN))
    assert by_label(x_test, y_test) == {10: [2, 8], 11: [1], 12: [5]}
    (x_train, y_train), _ = imdb.load_data(start_char=None, num_words=100)
    assert by_label(x_train, y_train)[0] == [4, 5, 8, 12]


def test_imdb_seed(keras_home, monkeypatch):
    write_imdb(keras_home, monkeypatch)
    (_, y_train), (_, y_test) = imdb.load_data(seed=5)
    train, test = np.arange(4), np.arange(3)
    rng = np.random.RandomState(5)
    rng.shuffle(train)
    rng.shuffle(test)
    assert y_train.tolist() == train.tolist() and y_test.tolist() == (test + 10).tolist()
    assert y_train.tolist() != TRAIN_ORDER


def test_imdb_reads_numpy2_files_and_refuses_code(keras_home, monkeypatch, tmp_path):
    write_imdb(keras_home, monkeypatch, numpy1_names=False)
    assert imdb.load_data()[0][1].tolist() == TRAIN_ORDER
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = cached(keras_home, "imdb.npz")
    write_npz(path, x_train=object_array([Payload()]), y_train=np.arange(1), x_test=object_array(TEST),
              y_test=np.arange(3))
    monkeypatch.setattr(imdb, "FILE_HASH", sha256(path))
    with pytest.raises(Exception, match="Refusing to load `posix.system`"):
        imdb.load_data()
    assert not marker.exists()


@pytest.mark.parametrize("kwargs, message", [
    ({"num_words": -1}, "`num_words` must be a non-negative integer or None"),
    ({"skip_top": None}, "`skip_top` must be a non-negative integer. Received: skip_top=None"),
    ({"maxlen": 2.5}, "`maxlen` must be"),
    ({"index_from": True}, "`index_from` must be"),
])
def test_bad_word_options_are_refused_before_any_download(kwargs, message, offline_requests):
    for loader in (imdb.load_data, reuters.load_data):
        with pytest.raises(ValueError, match=message):
            loader(**kwargs)
    with pytest.raises(TypeError, match="Unrecognized keyword arguments: \\['nb_words'\\]"):
        imdb.load_data(nb_words=10)
    assert offline_requests == []


# Reuters: one set of 6 wires (labels 0-5), shuffled once with seed 113 into this order.
WIRES = [[1, 2], [3, 3, 3], [2, 7], [1, 1, 1, 1], [9, 9], [4, 2, 1]]
WIRE_ORDER = [1, 0, 3, 2, 4, 5]


def write_reuters(keras_home, monkeypatch):
    path = cached(keras_home, "reuters.npz")
    write_npz(path, numpy1_names=True, x=object_array(WIRES), y=np.arange(6))
    monkeypatch.setattr(reuters, "FILE_HASH", sha256(path))


def test_reuters_defaults_and_test_split(keras_home, monkeypatch, offline_requests):
    write_reuters(keras_home, monkeypatch)
    (x_train, y_train), (x_test, y_test) = keras.datasets.reuters.load_data()
    assert y_train.tolist() == WIRE_ORDER[:4] and y_test.tolist() == WIRE_ORDER[4:]  # int(6 * 0.8) = 4
    assert y_train.dtype == np.int64
    # Shifted by 3 after start_char 1; the largest index (12) becomes oov 2.
    assert by_label(x_train, y_train) == {1: [1, 6, 6, 6], 0: [1, 4, 5], 3: [1, 4, 4, 4, 4], 2: [1, 5, 10]}
    assert by_label(x_test, y_test) == {4: [1, 2, 2], 5: [1, 7, 5, 4]}
    (_, y_train), (_, y_test) = reuters.load_data(test_split=0.5, seed=5)
    assert y_train.tolist() == [5, 2, 4] and y_test.tolist() == [1, 0, 3]
    assert offline_requests == []


def test_reuters_vocabulary_and_maxlen(keras_home, monkeypatch):
    write_reuters(keras_home, monkeypatch)
    (x_train, y_train), (x_test, y_test) = reuters.load_data(num_words=6, skip_top=4, maxlen=4, test_split=0.25)
    # Lengths with start_char: 3, 4, 3, 5, 3, 4 -> wires 0, 2 and 4 stay, in the order 0, 2, 4;
    # int(3 * 0.75) = 2 train. Kept indices: 4 <= w < 6.
    assert y_train.tolist() == [0, 2] and y_test.tolist() == [4]
    assert x_train.tolist() == [[2, 4, 5], [2, 5, 2]] and x_test.tolist() == [[2, 2, 2]]
    # Sequences of equal length (wires 0, 2, 4: two words each) still come as a 1-D object array of lists.
    (x_train, _), _ = reuters.load_data(maxlen=3, test_split=0.0, num_words=100, start_char=None)
    assert x_train.shape == (3,) and x_train.dtype == object and x_train.tolist() == [[4, 5], [5, 10], [12, 12]]
    with pytest.raises(ValueError, match="no sequence was kept"):
        reuters.load_data(maxlen=1)


def test_reuters_label_names():
    names = keras.datasets.reuters.get_label_names()
    assert len(names) == 46 and names[:4] == ("cocoa", "grain", "veg-oil", "earn") and names[45] == "lead"


@pytest.mark.parametrize("module, fname", [(imdb, "imdb_word_index.json"), (reuters, "reuters_word_index.json")])
def test_get_word_index_reads_the_cached_json_checked_by_md5(module, fname, keras_home, monkeypatch,
                                                              offline_requests):
    path = cached(keras_home, fname)
    json.dump({"the": 1, "and": 2, "a": 3}, open(path, "w"))
    with pytest.raises(OSError, match=f"The copy at {path} does not match the expected hash {module.WORD_INDEX_HASH}"):
        module.get_word_index()  # Keras's own md5 rejects this small file
    assert offline_requests == [module.WORD_INDEX_ORIGIN]
    monkeypatch.setattr(module, "WORD_INDEX_HASH", md5(path))
    assert module.get_word_index() == {"the": 1, "and": 2, "a": 3}


def test_decoding_a_review_as_kerass_docstring_does(keras_home, monkeypatch):
    write_imdb(keras_home, monkeypatch)
    path = cached(keras_home, "imdb_word_index.json")
    words = ["the", "and", "a", "of", "to", "is", "br", "in", "it", "i", "this", "that"]
    json.dump({word: rank for rank, word in enumerate(words, 1)}, open(path, "w"))
    monkeypatch.setattr(imdb, "WORD_INDEX_HASH", md5(path))
    (x_train, _), _ = imdb.load_data(start_char=1, oov_char=2, index_from=3)
    inverted = {i + 3: word for word, i in imdb.get_word_index().items()}
    inverted[1], inverted[2] = "[START]", "[OOV]"
    assert " ".join(inverted[i] for i in x_train[0]) == "[START] br"  # review 3 is [7]: "br"


def test_text_urls_and_hashes_are_kerass():
    bucket = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
    assert (imdb.ORIGIN, imdb.WORD_INDEX_ORIGIN) == (bucket + "imdb.npz", bucket + "imdb_word_index.json")
    assert (reuters.ORIGIN, reuters.WORD_INDEX_ORIGIN) == (bucket + "reuters.npz", bucket + "reuters_word_index.json")
    assert imdb.FILE_HASH.startswith("69664113") and imdb.WORD_INDEX_HASH == "bfafd718b763782e994055a2d397834f"
    assert reuters.FILE_HASH.startswith("d6586e69") and reuters.WORD_INDEX_HASH == "4d44cc38712099c9e383dc6e5f11a921"
