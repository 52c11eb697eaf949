import numpy as np
import pytest

import densekit
from densekit._core._testing import compute_gradients


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


def _layout(model):
    """(layer name, weight index, offset, shape) of every weight in the model's flat buffer."""
    graph = model._graph
    out = []
    for layer in model._graph_layers():
        for i, (_, shape, _, offset, _) in enumerate(graph.weight_info(layer._core)):
            out.append((layer.name, i, offset, tuple(shape)))
    return out


def _unflatten(layout, flat):
    weights = {}
    for name, i, offset, shape in layout:
        size = int(np.prod(shape))
        weights.setdefault(name, []).append(flat[offset:offset + size].reshape(shape))
    return weights


@pytest.fixture
def gradcheck():
    """Checks a compiled model's C++ gradients (and forward pass) against central finite
    differences of an independent float64 NumPy reference.

    ``forward(weights, xs)`` computes the model's outputs in float64 from ``weights`` (layer name
    → list of arrays, in Keras's weight order) and the inputs; the loss is each output's mean
    squared error, weighted by ``loss_weights`` (compile the model with loss="mse" and them).
    """

    def check(model, xs, ys, forward, loss_weights=None, rtol=2e-3, atol=2e-5, eps=1e-5):
        xs = [np.asarray(x, dtype=np.float32) for x in xs]
        ys = [np.asarray(y, dtype=np.float32) for y in ys]
        loss_weights = loss_weights or [1.0] * len(ys)
        layout = _layout(model)
        params = np.array(model._graph.params(), dtype=np.float64)
        x64 = [x.astype(np.float64) for x in xs]

        def loss(flat):
            outs = forward(_unflatten(layout, flat), x64)
            return sum(w * np.mean((o - y.astype(np.float64)) ** 2) for w, o, y in zip(loss_weights, outs, ys))

        # The forward pass agrees with the reference (inference mode, no stochastic layers).
        predicted = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
        predicted = predicted if isinstance(predicted, list) else [predicted]
        analytic = compute_gradients(model._core, xs, ys).astype(np.float64)
        numeric = np.zeros_like(params)
        for k in range(len(params)):
            step = np.zeros_like(params)
            step[k] = eps
            numeric[k] = (loss(params + step) - loss(params - step)) / (2 * eps)
        np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol)
        assert np.abs(numeric).max() > 1e-3, "the check must exercise non-zero gradients"
        return predicted, analytic

    return check

