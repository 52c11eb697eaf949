"""Small data for the wrapper tests: every fit here takes milliseconds."""

import numpy as np
import pytest


@pytest.fixture
def three_classes():
    """60 samples of 4 features in 3 separable groups, labelled with strings."""
    rng = np.random.default_rng(1)
    index = np.repeat([0, 1, 2], 20)
    x = rng.normal(size=(60, 4)) + np.eye(3, 4)[index] * 4
    return x, np.array(["cat", "dog", "emu"])[index]


@pytest.fixture
def regression():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(60, 3))
    return x, x @ np.array([0.5, -1.0, 2.0]) + 0.1
