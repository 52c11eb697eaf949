import numpy as np
import pytest

import densekit


@pytest.fixture(autouse=True)
def _fresh_names():
    """Each test starts with Keras's name counters reset (dense, dense_1, ...)."""
    densekit.backend.clear_session()
    yield


@pytest.fixture(scope="session")
def breast_cancer():
    """The breast-cancer tutorial data, standardised, split 80/20 with a fixed permutation."""
    from densekit.__main__ import load_breast_cancer_split

    return load_breast_cancer_split()


@pytest.fixture
def blobs():
    """A small 3-class problem that a tiny MLP learns quickly."""
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(3, 4)) * 3
    y = rng.integers(0, 3, size=300)
    x = centers[y] + rng.normal(size=(300, 4))
    return x.astype("float32"), y
