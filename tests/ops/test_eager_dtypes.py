"""Ops on arrays with Keras 3.15.1's results (measured there): dtypes (a Python number is weak,
float-valued functions make integers float32, integer sums stay int32), integer division and
division without NaN in float32, the stable cross-entropy of logits, round's decimals."""

import numpy as np
import pytest

from densekit import ops
import densekit as keras

F = np.array([1.0, 2.0, 3.0], np.float32)
I = np.array([1, 2, 3], np.int32)


@pytest.mark.parametrize("result, dtype", [
    (lambda: ops.add(F, 2), np.float32), (lambda: ops.multiply(F, 2), np.float32),
    (lambda: ops.divide(F, 2), np.float32), (lambda: ops.maximum(F, 2), np.float32),
    (lambda: ops.add(I, 1.5), np.float32), (lambda: ops.divide(I, I), np.float32),
    (lambda: ops.sqrt(I), np.float32), (lambda: ops.tanh(I), np.float32), (lambda: ops.mean(I), np.float32),
    (lambda: ops.var(I), np.float32), (lambda: ops.std(I), np.float32),
    (lambda: ops.sum(I), np.int32), (lambda: ops.sum(I > 1), np.int32), (lambda: ops.add(I, 2), np.int32),
    # Python numbers alone: ints are int32 where they fit, a float makes float32
    (lambda: ops.add(1.5, 2), np.float32), (lambda: ops.maximum(1.5, 2), np.float32), (lambda: ops.add(1, 2), np.int32),
    (lambda: ops.convert_to_tensor(2), np.int32), (lambda: ops.convert_to_tensor([1, 2]), np.int32),
    (lambda: ops.convert_to_tensor(2**40), np.int64), (lambda: ops.add(np.int64(2), 1), np.int64),
    (lambda: ops.power(2, 3), np.int32), (lambda: ops.add(True, 2), np.int32),
    (lambda: ops.multiply(np.array([True, False]), 3), np.int32),
])
def test_kerass_result_dtypes(result, dtype):
    assert np.asarray(result()).dtype == dtype


def test_values_that_follow_from_the_dtypes():
    added = ops.add(np.array([250], np.uint8), 10)  # weak 10: the sum wraps in uint8, as Keras's
    assert added.dtype == np.uint8 and added.tolist() == [4]
    # A Python int outside the array's range wraps into it first, as Keras (TensorFlow) converts
    # it; numpy 2 alone raises OverflowError.
    for number, wrapped in ((300, [38, 45]), (-1, [249, 0]), (True, [251, 2])):
        added = ops.add(np.array([250, 1], np.uint8), number)
        assert added.dtype == np.uint8 and added.tolist() == wrapped
    assert ops.multiply(np.array([100], np.int8), 3).tolist() == [44]
    assert ops.subtract(5, np.array([1], np.uint8)).tolist() == [4]
    # A negative exponent is not wrapped (5 ** 255 in uint8 was 205): refused for every integer
    # dtype, as numpy does for signed ones and Keras (TensorFlow) for all.
    for dtype in (np.uint8, np.uint32, np.int16):
        with pytest.raises(ValueError, match="negative integer powers"):
            ops.power(np.array([5, 200, 1], dtype), -1)
    assert ops.power(np.array([5], np.uint8), 2).tolist() == [25]
    assert ops.power(2, np.array([3], np.uint8)).tolist() == [8]
    product = ops.matmul(np.array([[100, 100, 100]], np.int8), np.ones((3, 1), np.int8))
    assert product.dtype == np.int32 and product.tolist() == [[300]]
    quotient = ops.divide_no_nan(np.array([1, 2, 3]), np.array([0, 4, 2]))
    assert quotient.dtype == np.float32 and quotient.tolist() == [0.0, 0.5, 1.5]


def test_binary_crossentropy_of_logits_is_not_capped():
    logits = np.array([100.0, -100.0, 0.5, 20.0], np.float32)
    target = np.array([0.0, 1.0, 1.0, 0.0], np.float32)
    np.testing.assert_allclose(ops.binary_crossentropy(target, logits, from_logits=True),
                               [100.0, 100.0, 0.474077, 20.0], rtol=1e-6)


def test_round_takes_decimals_on_arrays_and_in_a_model():
    x = np.array([[1.234, 2.456, -0.55]], np.float32)
    np.testing.assert_allclose(ops.round(x, 1), [[1.2, 2.5, -0.6]], rtol=1e-6)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, ops.round(inputs, 1))
    np.testing.assert_allclose(model.predict(x, verbose=0), [[1.2, 2.5, -0.6]], rtol=1e-6)


# (op, x1, x2, the dtype Keras 3.15.1 on TensorFlow gave): floor_divide keeps a Python number
# weak, mod converts it first (int32, float32), arctan2 / hypot / logaddexp compute integers in
# float32 (hypot: int64 in float64), and a float beside integers keeps its width. NumPy alone
# gave float64 for most of the float rows and int32 for floor_divide's integer ones.
_F32, _F16 = np.float32([1.5, -2.5]), np.float16([1.5, -2.5])
_I8, _U8, _I32, _I64 = np.int8([7, -7]), np.uint8([7, 200]), np.int32([7, -7]), np.int64([7, -7])
KERAS_DTYPES = [
    ("mod", _F32, 3, "float32"), ("mod", 3, 2.5, "float32"), ("mod", _I8, 3, "int32"), ("mod", _F16, _I32, "float16"),
    ("mod", _F32, _I64, "float32"), ("mod", _I8, _U8, "int16"),
    ("floor_divide", _F32, 3, "float32"), ("floor_divide", _I8, 3, "int8"), ("floor_divide", _U8, -1, "uint8"),
    ("floor_divide", 3, _I8, "int8"), ("floor_divide", 3, 2.5, "float32"), ("floor_divide", _F16, _I32, "float16"),
    ("arctan2", _F32, 3, "float32"), ("arctan2", _I8, 3, "float32"), ("arctan2", 3, 3, "float32"),
    ("arctan2", _I64, _I64, "float32"), ("arctan2", _F16, 3, "float16"), ("arctan2", _I8, _U8, "float32"),
    ("hypot", 3, 3, "float32"), ("hypot", _I32, _I32, "float32"), ("hypot", _F32, _I64, "float32"),
    ("logaddexp", _I8, 3, "float32"), ("logaddexp", _I64, 3, "float32"), ("logaddexp", 3, 2.5, "float32"),
]


@pytest.mark.parametrize("op, x1, x2, dtype", KERAS_DTYPES)
def test_two_operand_functions_compute_in_kerass_dtype(op, x1, x2, dtype):
    result = np.asarray(getattr(ops, op)(x1, x2))
    assert result.dtype == dtype
    # The value: NumPy's function of the operands cast to an integer result's dtype first (-1 as
    # uint8 is 255), or computed in float64 for a float result.
    computed_in = np.float64 if np.dtype(dtype).kind == "f" else dtype
    reference = getattr(np, op)(*[np.asarray(x).astype(computed_in) for x in (x1, x2)])
    np.testing.assert_allclose(result.astype(np.float64), reference, rtol=1e-3)
