"""The NumPy-like ops of ``keras.ops`` (keras/src/ops/numpy.py) that custom code for dense
networks uses: arithmetic and math, reductions, shape ops and products.

On arrays they compute at once and return NumPy arrays (as Keras's NumPy backend does); on a
symbolic tensor they record a layer of the model's C++ graph (ops/symbolic.py), which then runs,
and differentiates, with the rest of the model. Axes count the batch axis, as in Keras.
"""

import numpy as np

from densekit.layers.merging import Add, Concatenate, Maximum, Minimum, Multiply, Subtract
from densekit.layers import batch_loss
from densekit.layers.operation_layers import (BinaryOp, ElementwiseOp, IndexMapOp, Reduce, record_with_variable,
                                              reduce_whole)
from densekit.layers.rescaling import Rescaling
from densekit.layers.reshape import Reshape
from densekit.ops.eager_dtypes import _as_float, _eager_operands, _t, convert_to_tensor  # noqa: F401  (ops' names)
from densekit.ops.symbolic import check_constant, check_same_rank, is_symbolic, sample_axis, unsupported




# --- element-wise functions ---------------------------------------------------------------------

def _unary(op, numpy_fn, float_result=False):
    def fn(x):
        if is_symbolic(x):
            return ElementwiseOp(op)(x)
        return numpy_fn(_as_float(_t(x)) if float_result else _t(x))

    fn.__name__ = fn.__qualname__ = op
    fn.__doc__ = f"``{op}(x)`` element-wise."
    return fn


abs = absolute = _unary("abs", np.abs)  # noqa: A001  (Keras's name)
sign = _unary("sign", np.sign)
sqrt = _unary("sqrt", np.sqrt, float_result=True)
square = _unary("square", np.square)
exp = _unary("exp", np.exp, float_result=True)
expm1 = _unary("expm1", np.expm1, float_result=True)
log = _unary("log", np.log, float_result=True)
log1p = _unary("log1p", np.log1p, float_result=True)
sin = _unary("sin", np.sin, float_result=True)
cos = _unary("cos", np.cos, float_result=True)
tanh = _unary("tanh", np.tanh, float_result=True)
reciprocal = _unary("reciprocal", np.reciprocal, float_result=True)
floor = _unary("floor", np.floor)


def round(x, decimals=0):  # noqa: A001  (Keras's name)
    if is_symbolic(x):
        if not decimals:
            return ElementwiseOp("round")(x)
        scale = 10.0 ** int(decimals)  # as Keras rounds to decimals: round(x·10^d) / 10^d
        return Rescaling(1.0 / scale)(ElementwiseOp("round")(Rescaling(scale)(x)))
    return np.round(_t(x), decimals)


def negative(x):
    return Rescaling(-1.0)(x) if is_symbolic(x) else np.negative(_t(x))


# Between two tensors: the merge layers (and BinaryOp); with a number, Rescaling or ElementwiseOp.
_TENSOR_LAYERS = {"add": Add, "subtract": Subtract, "multiply": Multiply, "maximum": Maximum, "minimum": Minimum}


def _with_number(op, x, c, number_first):
    """``x op c`` (or ``c op x``) for a symbolic x and a number c."""
    if op == "add":
        return Rescaling(1.0, c)(x)
    if op == "subtract":
        return Rescaling(-1.0, c)(x) if number_first else Rescaling(1.0, -c)(x)
    if op == "multiply":
        return Rescaling(c)(x)
    if op == "divide":
        if number_first:
            return ElementwiseOp("rdivide", value=c)(x)
        if c == 0:
            raise ZeroDivisionError("densekit.ops.divide: division of a symbolic tensor by the number 0.")
        return Rescaling(1.0 / c)(x)
    if op == "power":
        return ElementwiseOp("rpower" if number_first else "power", value=c)(x)
    return ElementwiseOp(op, value=c)(x)  # maximum, minimum: symmetric


def _drawn(value, other):
    """A random draw of densekit.random made in a traced call, as a RandomDraw node shaped like
    the symbolic tensor it meets; anything else as it is."""
    draw = getattr(value, "_draw_like", None)
    return draw(other) if draw is not None and is_symbolic(other) else value


def _binary(op, numpy_fn):
    def fn(x1, x2):
        if not is_symbolic(x1, x2):
            return numpy_fn(*_eager_operands(op, x1, x2))
        x1, x2 = _drawn(x1, x2), _drawn(x2, x1)  # densekit.random's values in a traced call
        recorded = record_with_variable(op, x1, x2)  # a Layer subclass's weight: its WeightOp
        if recorded is not None:
            return recorded
        a, b = check_constant(op, x1), check_constant(op, x2)
        if is_symbolic(a) and is_symbolic(b):
            check_same_rank(op, a, b)
            layer = _TENSOR_LAYERS.get(op)
            return layer()([a, b]) if layer else BinaryOp(op)([a, b])
        return _with_number(op, b, a, True) if is_symbolic(b) else _with_number(op, a, b, False)

    fn.__name__ = fn.__qualname__ = op
    fn.__doc__ = f"``{op}(x1, x2)`` element-wise, broadcasting."
    return fn


add = _binary("add", np.add)
subtract = _binary("subtract", np.subtract)
multiply = _binary("multiply", np.multiply)
divide = true_divide = _binary("divide", np.true_divide)
power = _binary("power", np.power)
maximum = _binary("maximum", np.maximum)
minimum = _binary("minimum", np.minimum)


def clip(x, x_min, x_max):
    if not is_symbolic(x):
        return np.clip(_t(x), x_min, x_max)
    lo, hi = check_constant("clip", x_min), check_constant("clip", x_max)
    if is_symbolic(lo) or is_symbolic(hi):
        raise unsupported("clip", "its bounds are symbolic tensors; use ops.maximum and ops.minimum.")
    return ElementwiseOp("clip", x_min=lo, x_max=hi)(x)


# --- creation ----------------------------------------------------------------------------------

def ones(shape, dtype=None):
    return np.ones(shape, dtype=np.dtype(dtype or "float32"))


def zeros(shape, dtype=None):
    return np.zeros(shape, dtype=np.dtype(dtype or "float32"))


def full(shape, fill_value, dtype=None):
    return np.full(shape, fill_value, dtype=np.dtype(dtype or "float32"))


def ones_like(x, dtype=None):
    return Rescaling(0.0, 1.0)(_finite_like(x)) if is_symbolic(x) else np.ones_like(_t(x), dtype=dtype)


def zeros_like(x, dtype=None):
    return Rescaling(0.0)(_finite_like(x)) if is_symbolic(x) else np.zeros_like(_t(x), dtype=dtype)


def _finite_like(x):
    """A tensor of x's shape that is 0 or 1 everywhere (isnan(x)): times 0 it is 0 even where x is
    NaN or infinite, where x * 0 would be NaN (Keras's zeros_like never reads x's values)."""
    return ElementwiseOp("isnan")(x)


# Keras's names of the leading arguments, which NumPy names otherwise (a, arrays, condition...):
# given by keyword, they are passed by position, in this order.
_LEADING = ("condition", "sorted_sequence", "x", "x1", "values", "x2")


def _leading_by_position(args, kwargs):
    leading = [kwargs.pop(key) for key in _LEADING if key in kwargs]
    return (*leading, *args) if leading and not args else (*args, *leading), kwargs


def _eager_only(name, numpy_fn, why):
    # A function written with Keras's signature says how many of its leading arguments are
    # arrays (``_array_args``); its others (axis, keepdims, method) stay as given.
    arrays = getattr(numpy_fn, "_array_args", None)

    def fn(*args, **kwargs):
        if is_symbolic(*args, *kwargs.values()):
            raise unsupported(name, why)
        args, kwargs = _leading_by_position(args, kwargs)
        count = len(args) if arrays is None else arrays
        return numpy_fn(*[_t(a) for a in args[:count]], *args[count:], **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"NumPy's ``{name}`` on arrays ({why})"
    return fn


# Comparisons and logic on symbolic tensors record 1.0 / 0.0, the float graph's booleans, with no
# gradient (as JAX's zero gradient): what a metric's update_state counts with.
_MIRRORED = {"equal": "equal", "not_equal": "not_equal", "greater": "less", "greater_equal": "less_equal",
             "less": "greater", "less_equal": "greater_equal"}


def _two_operand(op, numpy_fn, number_first_op, doc="", eager=None):
    """``op(x1, x2)``: NumPy's on arrays (or ``eager``'s); on symbolic tensors a BinaryOp between
    two tensors, or with a number an ElementwiseOp: ``op`` for ``x op c``, ``number_first_op`` for
    ``c op x``."""
    def fn(x1, x2):
        if not is_symbolic(x1, x2):
            return eager(x1, x2) if eager else numpy_fn(_t(x1), _t(x2))
        a, b = check_constant(op, x1), check_constant(op, x2)
        if is_symbolic(a) and is_symbolic(b):
            check_same_rank(op, a, b)
            return BinaryOp(op)([a, b])
        if is_symbolic(a):
            return ElementwiseOp(op, value=b)(a)
        return ElementwiseOp(number_first_op, value=a)(b)

    fn.__name__ = fn.__qualname__ = op
    fn.__doc__ = f"``{op}(x1, x2)`` element-wise, broadcasting{doc}."
    return fn


def _comparison(op, numpy_fn):
    # 2 < x is x > 2
    return _two_operand(op, numpy_fn, _MIRRORED[op], " (1.0 / 0.0 on symbolic tensors)")


equal = _comparison("equal", np.equal)
not_equal = _comparison("not_equal", np.not_equal)
greater = _comparison("greater", np.greater)
greater_equal = _comparison("greater_equal", np.greater_equal)
less = _comparison("less", np.less)
less_equal = _comparison("less_equal", np.less_equal)


def _logical(op, numpy_fn):
    def fn(x1, x2):
        if not is_symbolic(x1, x2):
            return numpy_fn(_t(x1), _t(x2))
        a, b = (check_constant(op, float(v) if isinstance(v, (bool, np.bool_)) else v) for v in (x1, x2))
        if is_symbolic(a) and is_symbolic(b):
            check_same_rank(op, a, b)
            return BinaryOp(op)([a, b])
        x, c = (a, b) if is_symbolic(a) else (b, a)
        truth = ElementwiseOp("not_zero")(x)
        if op == "logical_and":
            return truth if c else zeros_like(x)
        return ones_like(x) if c else truth

    fn.__name__ = fn.__qualname__ = op
    fn.__doc__ = f"``{op}(x1, x2)`` element-wise (1.0 / 0.0 on symbolic tensors)."
    return fn


logical_and = _logical("logical_and", np.logical_and)
logical_or = _logical("logical_or", np.logical_or)


def logical_not(x):
    return ElementwiseOp("logical_not")(x) if is_symbolic(x) else np.logical_not(_t(x))


where = _eager_only("where", np.where, "it selects by a boolean condition, which densekit does not record yet.")


# --- reductions ---------------------------------------------------------------------------------

def _axes(op, x, axis):
    if axis is None:
        raise unsupported(op, "with axis=None it reduces over the batch axis too, and a layer computes each sample on "
                              "its own. Give the sample axes (axis=-1, ...); a loss averages over the batch itself.")
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    return [sample_axis(a, x.ndim, op) for a in axes]


def _reduction(op, numpy_fn):
    def fn(x, axis=None, keepdims=False):
        if is_symbolic(x) and axis is None and batch_loss.in_one_row():
            return Reduce(op, axis=None, keepdims=keepdims)(x)  # a metric's result(): the one row's elements
        if is_symbolic(x) and axis is None and op in ("mean", "sum") and not keepdims:
            return reduce_whole(x, op)  # over the batch too: only for add_loss
        if is_symbolic(x):
            return Reduce(op, axis=_axes(op, x, axis), keepdims=keepdims)(x)
        x = _t(x)
        if op in ("mean", "var", "std", "logsumexp"):
            x = _as_float(x)
        elif op in ("sum", "prod") and x.dtype.kind in "bi" and x.dtype.itemsize <= 4:
            x = x.astype(np.int32)  # Keras keeps int32 (and makes booleans int32), NumPy would widen
            return numpy_fn(x, axis=None if axis is None else tuple(np.atleast_1d(axis)), keepdims=keepdims,
                            dtype=np.int32)
        return numpy_fn(x, axis=None if axis is None else tuple(np.atleast_1d(axis)), keepdims=keepdims)

    fn.__name__ = fn.__qualname__ = op
    fn.__doc__ = f"``{op}`` over ``axis`` (all axes when None), keeping them as 1s with ``keepdims``."
    return fn


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


sum = _reduction("sum", np.sum)  # noqa: A001
mean = _reduction("mean", np.mean)
def _extremum(op, numpy_fn):
    """max / min, with Keras's ``initial`` (the value an empty reduction gives, and a bound)."""
    reduce = _reduction(op, numpy_fn)

    def fn(x, axis=None, keepdims=False, initial=None):
        if initial is None:
            return reduce(x, axis, keepdims)
        if is_symbolic(x):
            raise unsupported(op, "with `initial` it is computed on arrays only.")
        return numpy_fn(_t(x), axis=None if axis is None else tuple(np.atleast_1d(axis)), keepdims=keepdims,
                        initial=initial)

    fn.__name__ = fn.__qualname__ = op
    fn.__doc__ = reduce.__doc__
    return fn


max = amax = _extremum("max", np.max)  # noqa: A001
min = amin = _extremum("min", np.min)  # noqa: A001
_prod = _reduction("prod", np.prod)


def prod(x, axis=None, keepdims=False, dtype=None):
    """The product over ``axis``; ``dtype`` (Keras's) casts an array first."""
    if dtype is not None and not is_symbolic(x):  # computed and returned in that dtype, as Keras's
        return np.asarray(np.prod(np.asarray(_t(x), dtype=np.dtype(dtype)), axis=axis, keepdims=keepdims,
                                  dtype=np.dtype(dtype)))[()]
    if dtype is not None and dtype != "float32":
        raise unsupported("prod", f"a symbolic tensor's product is float32 (received dtype={dtype!r}).")
    return _prod(x, axis=axis, keepdims=keepdims)
var = _reduction("var", np.var)
std = _reduction("std", np.std)
logsumexp = _reduction("logsumexp", _logsumexp)


def int32_positions(positions):
    """Positions or counts as Keras gives them, int32 (a NumPy scalar for one)."""
    return np.asarray(positions).astype(np.int32)[()]


def _arg_extreme(op, numpy_fn):
    def fn(x, axis=None, keepdims=False):
        """The position of the first extreme along ``axis`` (on symbolic tensors: as a float, with
        no gradient)."""
        if not is_symbolic(x):  # int32 positions, as Keras's (TensorFlow's output_type)
            return int32_positions(numpy_fn(_t(x), axis=axis, keepdims=keepdims))
        if axis is None:
            raise unsupported(op, "with axis=None it flattens the batch axis too; give the sample axis (axis=-1).")
        if isinstance(axis, (list, tuple)):
            raise unsupported(op, "it takes one axis.")
        return Reduce(op, axis=[int(sample_axis(axis, x.ndim, op))], keepdims=keepdims)(x)

    fn.__name__ = fn.__qualname__ = op
    return fn


argmax = _arg_extreme("argmax", np.argmax)
argmin = _arg_extreme("argmin", np.argmin)


# --- shapes -------------------------------------------------------------------------------------

def shape(x):
    return tuple(x.shape) if is_symbolic(x) else np.shape(x)


def reshape(x, newshape):
    if not is_symbolic(x):
        return np.reshape(_t(x), newshape)
    newshape = tuple(np.atleast_1d(newshape).tolist()) if not isinstance(newshape, tuple) else newshape
    if not newshape or newshape[0] not in (-1, None):
        raise unsupported("reshape", f"the new shape {newshape} does not keep the batch axis first (-1 or None).")
    return Reshape(tuple(int(d) for d in newshape[1:]))(x)


def expand_dims(x, axis):
    if not is_symbolic(x):
        return np.expand_dims(_t(x), axis)
    a = sample_axis(axis, x.ndim + 1, "expand_dims")
    sample = list(x.shape[1:])
    sample.insert(a - 1, 1)
    return Reshape(tuple(sample))(x)


def squeeze(x, axis=None):
    if not is_symbolic(x):
        return np.squeeze(_t(x), axis=axis)
    axes = [i for i, d in enumerate(x.shape) if i > 0 and d == 1] if axis is None else \
        [sample_axis(a, x.ndim, "squeeze") for a in np.atleast_1d(axis).tolist()]
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} of a tensor of shape {x.shape} has size {x.shape[a]}, not 1.")
    return Reshape(tuple(d for i, d in enumerate(x.shape) if i > 0 and i not in axes))(x)


def transpose(x, axes=None):
    if not is_symbolic(x):
        return np.transpose(_t(x), axes)
    if batch_loss.in_one_row():  # a variable's own axes (reversed by default), after the graph's row
        axes = range(x.ndim - 2, -1, -1) if axes is None else [int(a) % (x.ndim - 1) for a in axes]
        return IndexMapOp("transpose", axes=[0] + [a + 1 for a in axes])(x)
    if axes is None:
        raise unsupported("transpose", "with axes=None it moves the batch axis last; give axes that keep 0 first.")
    return IndexMapOp("transpose", axes=[int(a) % x.ndim for a in axes])(x)


def concatenate(xs, axis=0):
    if not is_symbolic(*xs):
        return np.concatenate([_t(x) for x in xs], axis=axis)
    if not all(is_symbolic(x) for x in xs):
        raise unsupported("concatenate", "it mixes symbolic tensors with constant arrays.")
    return Concatenate(axis=sample_axis(axis, xs[0].ndim, "concatenate"))(list(xs))


def stack(x, axis=0):
    """The tensors of the list ``x`` (Keras's name) along a new axis."""
    if not is_symbolic(*x):
        return np.stack([_t(t) for t in x], axis=axis)
    sample_axis(axis, x[0].ndim + 1, "stack")
    return concatenate([expand_dims(t, axis) for t in x], axis=axis)


def split(x, indices_or_sections, axis=0):
    if not is_symbolic(x):
        return np.split(_t(x), indices_or_sections, axis=axis)
    a = sample_axis(axis, x.ndim, "split")
    size = x.shape[a]
    if isinstance(indices_or_sections, (int, np.integer)):
        if size % int(indices_or_sections):
            raise ValueError(f"split: axis {axis} of size {size} does not divide into {indices_or_sections} equal parts.")
        step = size // int(indices_or_sections)
        bounds = list(range(0, size + 1, step))
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [size]
    whole = (slice(None),) * (a - 1 if batch_loss.in_one_row() else a)  # get_item's key: the caller's axes
    return [get_item(x, whole + (slice(lo, hi),)) for lo, hi in zip(bounds[:-1], bounds[1:])]


def take(x, indices, axis=None):
    if not is_symbolic(x):
        return np.take(_t(x), np.asarray(indices), axis=axis)
    if is_symbolic(indices):
        raise unsupported("take", "its indices are a symbolic tensor; densekit gathers constant indices only.")
    if axis is None:
        raise unsupported("take", "with axis=None it flattens the batch axis into the others.")
    index_array = np.asarray(indices)
    if index_array.ndim != 1 or index_array.dtype.kind not in "iu":
        raise unsupported("take", f"its indices must be a 1-D list of integers (received shape {index_array.shape}, "
                                  f"dtype {index_array.dtype}).")
    return IndexMapOp("take", indices=index_array.tolist(), axis=sample_axis(axis, x.ndim, "take"))(x)


def get_item(x, key):
    """``x[key]``: basic indexing (integers, slices, ``...``) of the sample axes, the batch axis
    taken whole (``x[:, 1:3]``). A list key is read as a tuple, as Keras's GetItem reads it
    (keras/src/ops/numpy.py): the form a saved model's node holds its key in."""
    if isinstance(key, list):
        key = tuple(key)
    if not is_symbolic(x):
        return _t(x)[key]
    key = key if isinstance(key, tuple) else (key,)
    if batch_loss.in_one_row():  # a variable's own axes, after the graph's row
        key = (slice(None),) + key
    if any(k is Ellipsis for k in key):
        at = key.index(Ellipsis)
        key = key[:at] + (slice(None),) * (x.ndim - len(key) + 1) + key[at + 1:]
    if not key or key[0] != slice(None):
        raise unsupported("get_item", f"the key {key!r} indexes the batch axis; take it whole (x[:, ...]), as a layer "
                                      "computes each sample on its own.")
    steps = []
    for k in key[1:]:
        if k is None:
            raise unsupported("get_item", "it adds an axis with None; use ops.expand_dims.")
        if isinstance(k, slice):
            parts = [None if v is None else int(v) for v in (k.start, k.stop, k.step)]
            if parts[2] == 0:
                raise ValueError("slice step cannot be zero")
            steps.append(parts)
        elif isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            steps.append(int(k))
        else:
            raise unsupported("get_item", f"its key holds {k!r}; densekit records integers and slices (for a list of "
                                          "positions, use ops.take).")
    while steps and steps[-1] == [None, None, None]:
        steps.pop()
    if not steps:
        return x
    return IndexMapOp("get_item", key=steps)(x)


# --- products -----------------------------------------------------------------------------------

_PRODUCT = ("densekit records a product of a tensor with a Layer subclass's weight (x @ self.w, from add_weight), "
            "not of two tensors or with a constant array. For x @ W with a constant W, use "
            "layers.Dense(units, use_bias=False) and set its kernel (trainable=False to keep it fixed).")


def matmul(x1, x2):
    if is_symbolic(x1, x2):
        recorded = record_with_variable("matmul", x1, x2)  # x @ w, w a Layer subclass's weight
        if recorded is not None:
            return recorded
        raise unsupported("matmul", _PRODUCT)
    x1, x2 = _t(x1), _t(x2)
    if x1.dtype.kind in "biu" and x2.dtype.kind in "biu" and np.result_type(x1, x2).itemsize < 4:
        x1, x2 = x1.astype(np.int32), x2.astype(np.int32)  # Keras multiplies small integers into int32
    return np.matmul(x1, x2)


def dot(x1, x2):
    if is_symbolic(x1, x2):
        raise unsupported("dot", _PRODUCT)
    return np.dot(_t(x1), _t(x2))


def einsum(subscripts, *operands):
    if is_symbolic(*operands):
        raise unsupported("einsum", _PRODUCT)
    return np.einsum(subscripts, *[_t(o) for o in operands])


def one_hot(x, num_classes, axis=-1, dtype="float32", sparse=False):
    """``num_classes`` columns, 1 where the column is the label (out-of-range labels: all 0)."""
    if sparse:
        raise ValueError("densekit's one_hot gives dense arrays only (sparse=False).")
    if is_symbolic(x):
        raise unsupported("one_hot", "it takes integer labels, which a model's float graph does not carry.")
    labels = np.asarray(x).astype(np.int64)
    out = (labels[..., None] == np.arange(int(num_classes))).astype(dtype)
    return np.moveaxis(out, -1, axis) if axis != -1 else out


def cast(x, dtype):
    """On symbolic tensors (which carry every value as a float): to an integer type, toward zero;
    to bool, 1.0 where non-zero; to a float type, unchanged."""
    if x is None:  # not NaN: a traced call would otherwise record it as a number
        raise TypeError("ops.cast received None. In a traced call a tensor's batch size is unknown "
                        "(ops.shape(x)[0] is None); count a batch's elements with ops.size(x).")
    if isinstance(x, batch_loss.BatchLoss):
        if np.dtype(dtype).kind != "f":
            raise unsupported("cast", f"a value summed over the batch is cast to a float type only (received "
                                      f"dtype={dtype!r}).")
        return x
    if is_symbolic(x):
        kind = np.dtype(dtype).kind
        if kind in "iu":
            return ElementwiseOp("trunc")(x)
        if kind == "b":
            return ElementwiseOp("not_zero")(x)
        if kind != "f":
            raise unsupported("cast", f"densekit's graph carries real numbers only (received dtype={dtype!r}).")
        return x
    return np.asarray(x).astype(np.dtype(dtype))


def stop_gradient(variable):
    """``variable``, with no gradient flowing back through it (Keras's argument name)."""
    return ElementwiseOp("stop_gradient")(variable) if is_symbolic(variable) else _t(variable)


__all__ = [name for name in dir() if not name.startswith("_") and name not in (
    "np", "Add", "Concatenate", "Maximum", "Minimum", "Multiply", "Subtract", "BinaryOp", "ElementwiseOp", "IndexMapOp",
    "Reduce", "Rescaling", "Reshape", "check_constant", "is_symbolic", "record_with_variable", "sample_axis",
    "batch_loss", "reduce_whole",
    "unsupported")]
