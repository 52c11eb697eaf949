"""The activation ops of ``keras.ops`` (keras/src/ops/nn.py). On arrays they run the C++
activations (densekit.activations); on a symbolic tensor they record an Activation layer (or
Softmax, LeakyReLU, ELU), the same layers a model names by string."""

import numpy as np

from densekit import activations, losses
from densekit.backend import epsilon
from densekit.layers.activation import ELU, Activation, LeakyReLU, Softmax
from densekit.ops.symbolic import is_symbolic, sample_axis, unsupported


def record_activation(spec, x):
    """The Activation layer of a C++ activation ``spec`` called on the symbolic ``x``."""
    return Activation(spec)(x)


def _activation(name, eager):
    def fn(x):
        return Activation(name)(x) if is_symbolic(x) else eager(x)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"The `{name}` activation, element-wise."
    return fn


relu = _activation("relu", activations.relu)
relu6 = _activation("relu6", activations.relu6)
sigmoid = _activation("sigmoid", activations.sigmoid)
softplus = _activation("softplus", activations.softplus)
softsign = _activation("softsign", activations.softsign)
silu = swish = _activation("silu", activations.silu)
selu = _activation("selu", activations.selu)
hard_sigmoid = _activation("hard_sigmoid", activations.hard_sigmoid)
hard_silu = hard_swish = _activation("hard_silu", activations.hard_silu)
mish = _activation("mish", activations.mish)


def gelu(x, approximate=True):
    """Keras's ops.gelu: the tanh approximation by default (keras.activations.gelu: exact)."""
    if is_symbolic(x):
        return Activation(activations.activation_spec({"class_name": "gelu", "config": {"approximate": bool(approximate)}}))(x)
    return activations.gelu(x, approximate=approximate)


def leaky_relu(x, negative_slope=0.2):
    return LeakyReLU(negative_slope=negative_slope)(x) if is_symbolic(x) else activations.leaky_relu(x, negative_slope)


def elu(x, alpha=1.0):
    return ELU(alpha=alpha)(x) if is_symbolic(x) else activations.elu(x, alpha)


def _last_axis(x, axis, name):
    if sample_axis(axis, x.ndim, name) != x.ndim - 1:  # the batch axis gets its own message
        raise unsupported(name, f"densekit normalises along the last axis only (received axis={axis}).")


def softmax(x, axis=-1):
    if is_symbolic(x):
        _last_axis(x, axis, "softmax")
        return Softmax(axis=-1)(x)
    return activations.softmax(x, axis)


def log_softmax(x, axis=-1):
    if is_symbolic(x):
        _last_axis(x, axis, "log_softmax")
        return Activation("log_softmax")(x)
    return activations.log_softmax(x, axis)


# Keras 3's later activations: densekit.activations records them on symbolic tensors itself.
celu = activations.celu
hard_tanh = activations.hard_tanh
hard_shrink = activations.hard_shrink
soft_shrink = activations.soft_shrink
tanh_shrink = activations.tanh_shrink
log_sigmoid = activations.log_sigmoid
sparse_plus = activations.sparse_plus
sparse_sigmoid = activations.sparse_sigmoid
squareplus = activations.squareplus
threshold = activations.threshold


def _along_axis(name, fn):
    def op(x, axis=-1):
        if is_symbolic(x):  # (the rank-aware check: the batch axis gets its own message)
            _last_axis(x, axis, name)
            return fn(x)
        return fn(x, axis)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"The `{name}` activation along `axis` (of a symbolic tensor, its last axis)."
    return op


sparsemax = _along_axis("sparsemax", activations.sparsemax)
glu = _along_axis("glu", activations.glu)

# --- cross-entropies (keras/src/ops/nn.py): per sample, or per element for the binary one --------

def _class_axis(axis, name, output):
    ndim = output.ndim if hasattr(output, "ndim") else np.ndim(output)
    if axis != -1 and axis != ndim - 1:
        raise unsupported(name, f"densekit takes the classes along the last axis only (received axis={axis}).")


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """−Σ target · log(output) over the classes, one value a sample (keras.ops.categorical_crossentropy:
    the loss function without label smoothing). A target computed by layers with weights is
    recorded op by op, as Keras computes it, so that its gradient flows too."""
    _class_axis(axis, "categorical_crossentropy", output)
    if not is_symbolic(target) or losses.weighted_ancestor(target) is None:
        return losses.categorical_crossentropy(target, output, from_logits=from_logits)
    from densekit.ops import numpy as ops
    if from_logits:
        log_prob = log_softmax(output)
    else:
        output = ops.divide(output, ops.sum(output, axis=-1, keepdims=True))
        log_prob = ops.log(ops.clip(output, epsilon(), 1.0 - epsilon()))
    return ops.negative(ops.sum(ops.multiply(target, log_prob), axis=-1))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    _class_axis(axis, "sparse_categorical_crossentropy", output)
    return losses.sparse_categorical_crossentropy(target, output, from_logits=from_logits)


def binary_crossentropy(target, output, from_logits=False):
    """The binary cross-entropy of each element (not averaged over the last axis, unlike
    keras.losses.binary_crossentropy), with the output clipped to [ε, 1 − ε] as Keras does; from
    logits, max(x, 0) − x·t + log(1 + e^−|x|) on symbolic tensors, as TensorFlow computes it."""
    from densekit.ops import numpy as ops
    if not is_symbolic(target, output):
        target, output = np.asarray(target, np.float32), np.asarray(output, np.float32)
        if target.shape != output.shape:
            raise ValueError("Arguments `target` and `output` must have the same shape. Received: "
                             f"target.shape={target.shape}, output.shape={output.shape}")
        if from_logits:  # TensorFlow's stable form, as on symbolic tensors (no clipping of the logits)
            return np.maximum(output, 0) - output * target + np.log1p(np.exp(-np.abs(output)))
        output = np.clip(output, epsilon(), 1.0 - epsilon())
        return -(target * np.log(output) + (1.0 - target) * np.log(1.0 - output))
    if tuple(target.shape[1:]) != tuple(output.shape[1:]):
        raise ValueError("Arguments `target` and `output` must have the same shape. Received: "
                         f"target.shape={target.shape}, output.shape={output.shape}")
    if from_logits:
        return ops.add(ops.subtract(relu(output), ops.multiply(output, target)),
                       ops.log1p(ops.exp(ops.negative(ops.abs(output)))))
    p = ops.clip(output, epsilon(), 1.0 - epsilon())
    return ops.negative(ops.add(ops.multiply(target, ops.log(p)),
                                ops.multiply(ops.subtract(1.0, target), ops.log(ops.subtract(1.0, p)))))


__all__ = ["binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy", "celu", "elu", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh",
           "leaky_relu", "log_sigmoid", "log_softmax", "mish", "relu", "relu6", "selu", "sigmoid", "silu", "soft_shrink",
           "softmax", "softplus", "softsign", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish",
           "tanh_shrink", "threshold"]
