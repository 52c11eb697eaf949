"""densekit.random (keras/src/random/random.py): distributions, Keras's seed rules (an integer
repeats, a SeedGenerator advances, None follows set_random_seed), dropout's scaling, and clear
errors on symbolic tensors."""

import numpy as np
import pytest

import densekit as keras
from densekit import random


def test_distributions_shapes_dtypes_and_moments():
    x = random.normal((20000,), mean=2.0, stddev=3.0, seed=1)
    assert x.dtype == np.float32 and x.shape == (20000,)
    assert abs(x.mean() - 2.0) < 0.1 and abs(x.std() - 3.0) < 0.1
    u = random.uniform((4, 5000), minval=-1.0, maxval=3.0, seed=2, dtype="float64")
    assert u.dtype == np.float64 and u.min() >= -1.0 and u.max() < 3.0 and abs(u.mean() - 1.0) < 0.05
    t = random.truncated_normal((20000,), stddev=0.5, seed=3)
    assert np.abs(t).max() <= 1.0 and abs(t.std() - 0.44) < 0.02  # sd of a normal cut at ±2 sd: 0.88 sd
    r = random.randint((1000,), 3, 7, seed=4)
    assert r.dtype == np.int32 and set(np.unique(r)) == {3, 4, 5, 6}


def test_seed_rules():
    assert np.array_equal(random.normal((5,), seed=7), random.normal((5,), seed=7))  # an integer repeats
    gen = random.SeedGenerator(7)
    first, second = random.uniform((5,), seed=gen), random.uniform((5,), seed=gen)
    assert not np.array_equal(first, second)  # a generator advances...
    gen = random.SeedGenerator(7)
    assert np.array_equal(random.uniform((5,), seed=gen), first)  # ...from its seed
    keras.utils.set_random_seed(11)
    a = random.normal((5,))
    keras.utils.set_random_seed(11)
    assert np.array_equal(random.normal((5,)), a)  # None follows the global seed
    assert not np.array_equal(random.normal((5,)), a)


def test_dropout_zeroes_at_the_rate_and_scales_the_rest():
    x = np.ones((200, 100), np.float32)
    y = random.dropout(x, 0.3, seed=5)
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.7)}
    assert abs((y == 0).mean() - 0.3) < 0.02
    same_per_row = random.dropout(x, 0.5, noise_shape=(None, 1), seed=6)
    assert all(len(np.unique(row)) == 1 for row in same_per_row)
    np.testing.assert_array_equal(random.dropout(x, 0.0, seed=1), x)


def test_shuffle_moves_whole_slices_along_an_axis():
    # Keras moves whole rows (axis 0) or whole columns (axis 1); each row or column keeps its
    # entries together (each column was shuffled on its own before).
    x = np.arange(24).reshape(6, 4)
    rows = random.shuffle(x, seed=1)
    assert rows.shape == x.shape and not np.array_equal(rows, x)
    assert sorted(map(tuple, rows)) == sorted(map(tuple, x))
    columns = random.shuffle(x, axis=1, seed=3)
    assert sorted(map(tuple, columns.T)) == sorted(map(tuple, x.T))
    np.testing.assert_array_equal(random.shuffle(x, seed=1), rows)  # a seed repeats the order


@pytest.mark.parametrize("call, error, message", [
    (lambda: random.dropout(keras.Input((3,)), 0.5), NotImplementedError, "layers.Dropout"),
    (lambda: random.normal((None, 3)), ValueError, "known shape"),
    (lambda: random.dropout(np.ones(3), 1.0), ValueError, "rate"),
    (lambda: random.normal((3,), seed="a"), ValueError, "seed"),
    (lambda: random.SeedGenerator(1.5), ValueError, "seed"),
])
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_categorical_gamma_binomial_and_beta_follow_their_distributions():
    logits = np.log(np.array([[0.1, 0.6, 0.3], [0.98, 0.01, 0.01]]))
    draws = random.categorical(logits, 20000, seed=3)
    assert draws.shape == (2, 20000) and draws.dtype == np.int32
    np.testing.assert_allclose(np.bincount(draws[0], minlength=3) / 20000, [0.1, 0.6, 0.3], atol=0.015)
    np.testing.assert_allclose(np.bincount(draws[1], minlength=3) / 20000, [0.98, 0.01, 0.01], atol=0.005)
    np.testing.assert_array_equal(random.categorical(logits, 5, seed=4), random.categorical(logits, 5, seed=4))
    g = random.gamma((20000,), alpha=2.0, seed=5)
    assert g.dtype == np.float32 and abs(g.mean() - 2.0) < 0.05 and abs(g.var() - 2.0) < 0.15
    b = random.binomial((20000,), counts=10, probabilities=0.3, seed=6)
    assert b.dtype == np.float32 and abs(b.mean() - 3.0) < 0.05 and set(np.unique(b)) <= set(range(11))
    beta = random.beta((20000,), alpha=2.0, beta=5.0, seed=7)
    assert abs(beta.mean() - 2 / 7) < 0.01 and beta.min() >= 0 and beta.max() <= 1
    with pytest.raises(ValueError, match="2-D tensor"):
        random.categorical(np.zeros(3), 2)
