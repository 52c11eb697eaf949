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


def row_vjp_by_finite_differences(forward, z, da, h=1e-6):
    """Σ_out da · d forward(z)/dz per row of z, by central differences one column at a time:
    the vector-Jacobian product of a function of whole rows (softmax, sparsemax, glu)."""
    fd = np.empty_like(z)
    for j in range(z.shape[1]):
        e = np.zeros_like(z)
        e[:, j] = h
        fd[:, j] = ((forward(z + e) - forward(z - e)) * da).sum(axis=1) / (2 * h)
    return fd
