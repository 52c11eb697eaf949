"""Central finite differences, the float64 reference the tests check C++ gradients against."""

import numpy as np


def numeric_gradient(f, params, eps=1e-6):
    """d f(params) / d params by central differences, flattened and concatenated in order."""
    grads = []
    for p in params:
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + eps
            up = f(params)
            p[i] = old - eps
            down = f(params)
            p[i] = old
            g[i] = (up - down) / (2 * eps)
        grads.append(g.ravel())
    return np.concatenate(grads)
