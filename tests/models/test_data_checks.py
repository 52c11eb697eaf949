"""The data fit / evaluate / predict / calling a model receive is checked once, in C++
(cpp/src/training/data_checks.cpp); Python converts and matches it to the inputs and outputs."""

import re

import numpy as np
import pytest

import densekit as keras
from densekit import layers


def model(inputs=1):
    ins = [keras.Input((3,), name=f"in{k}") for k in range(inputs)]
    h = ins[0] if inputs == 1 else layers.concatenate(ins)
    m = keras.Model(ins if inputs > 1 else ins[0], layers.Dense(1)(h))
    m.compile("sgd", "mse")
    return m


EMPTY = "The data is empty: x has 0 samples"
CARDINALITY = "Data cardinality is ambiguous"


@pytest.mark.parametrize("call", [
    lambda m, x, y: m.fit(x, y, verbose=0),
    lambda m, x, y: m.fit(x, y, steps_per_epoch=2, verbose=0),
    lambda m, x, y: m.evaluate(x, y, verbose=0),
    lambda m, x, y: m.predict(x, verbose=0),
    lambda m, x, y: m(x, training=True),
    lambda m, x, y: m.train_on_batch(x, y),
    lambda m, x, y: m.test_on_batch(x, y),
], ids=["fit", "fit_steps", "evaluate", "predict", "call_training", "train_on_batch", "test_on_batch"])
def test_empty_data_is_refused_where_keras_fails_or_does_nothing(call):
    with pytest.raises(ValueError, match=EMPTY):
        call(model(), np.zeros((0, 3), "float32"), np.zeros((0, 1), "float32"))


def test_an_empty_batch_gives_empty_outputs_as_in_keras():
    # Keras 3.15.1: predict_on_batch, model(x) and eager layer calls return (0, ...) arrays.
    m, empty = model(), np.zeros((0, 3), "float32")
    for out in (m.predict_on_batch(empty), m(empty), keras.layers.Dense(2)(empty), keras.layers.ReLU()(empty)):
        assert out.dtype == np.float32 and out.shape[0] == 0
    assert m(empty).shape == (0, 1) and keras.layers.Dense(2)(empty).shape == (0, 2)
    with pytest.raises(ValueError, match="incompatible"):
        m.predict_on_batch(np.zeros((0, 4), "float32"))  # its shape is still checked


def test_lengths_that_differ_are_refused():
    m = model()
    x, y = np.zeros((10, 3), "float32"), np.zeros((10, 1), "float32")
    with pytest.raises(ValueError, match=CARDINALITY + ": x has 10 samples but y has 8"):
        m.fit(x, y[:8], verbose=0)
    with pytest.raises(ValueError, match=CARDINALITY):
        m.evaluate(x[:9], y, verbose=0)
    with pytest.raises(ValueError, match=CARDINALITY):
        m.fit(x, y, validation_data=(x, y[:7]), verbose=0)
    with pytest.raises(ValueError, match=CARDINALITY):  # before splitting at one place
        m.fit(x, y[:8], validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="`sample_weight` must have one value per sample: expected 10 values, received 4"):
        m.fit(x, y, sample_weight=np.ones(4), verbose=0)
    two = model(inputs=2)
    with pytest.raises(ValueError, match=CARDINALITY + ": the input arrays have 10 and 6 samples"):
        two.predict([x, x[:6]], verbose=0)


def test_non_finite_values_are_named():
    m = model()
    x, y = np.zeros((4, 3), "float32"), np.zeros((4, 1), "float32")
    x[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"The input x contains NaN \(first at row 2, column 1\)"):
        m.predict(x, verbose=0)
    y[3, 0] = np.inf
    with pytest.raises(ValueError, match="The target y contains infinity"):
        m.fit(np.zeros((4, 3)), y, verbose=0)
    with pytest.raises(ValueError, match="sample_weight contains NaN"):
        m.fit(np.zeros((4, 3)), np.zeros((4, 1)), sample_weight=np.array([1, np.nan, 1, 1]), verbose=0)


@pytest.mark.parametrize("threads", [1, 2])
def test_non_finite_values_are_found_anywhere_in_large_data(threads):
    """Large data is scanned in blocks of 65536 values (cpp/src/finite_scan.cpp), on the pool's
    threads from 16 blocks on: a value is found in the first block, on either side of a block's
    edge, in the block of the second thread and in the last, partial block."""
    m = keras.Sequential([keras.Input((1000,)), layers.Dense(1)])
    m.compile("sgd", "mse")
    before = keras.config.get_num_threads()
    keras.config.set_num_threads(threads)
    try:
        x = np.zeros((1100, 1000), "float32")  # 1.1 million values: 17 blocks
        m.predict(x[:2], verbose=0)
        for flat, bad in [(0, np.nan), (65535, np.inf), (65536, -np.inf), (600_000, np.nan), (1_099_999, np.inf)]:
            x.reshape(-1)[flat] = bad
            what = "NaN" if np.isnan(bad) else "infinity"
            with pytest.raises(ValueError, match=rf"The input x contains {what} \(first at row {flat // 1000}, "
                                                 rf"column {flat % 1000}\)"):
                m.predict(x, verbose=0)
            x.reshape(-1)[flat] = 0.0
        assert m.predict(x, verbose=0).shape == (1100, 1)
    finally:
        keras.config.set_num_threads(before)


@pytest.mark.parametrize("bad", [
    np.ones((4, 3), np.complex64),
    np.array([["2024-01-01"] * 3] * 4, dtype="datetime64[D]"),
    np.ones((4, 3), "timedelta64[s]"),
    np.array([["1", "2", "3"]] * 4),
    np.zeros((4, 3), dtype=[("a", "f4")]).view(np.void),
], ids=["complex", "datetime", "timedelta", "str", "void"])
def test_arrays_that_do_not_hold_real_numbers_are_refused_naming_the_dtype(bad):
    m = model()
    with pytest.raises(TypeError, match=re.escape(f"dtype {bad.dtype}")):
        m.predict(bad, verbose=0)
    with pytest.raises(TypeError, match="must hold real numbers"):
        m.fit(np.zeros((4, 3)), bad[:, :1], verbose=0)


def test_object_arrays_of_numbers_are_taken_and_others_refused():
    m = model()
    numbers = np.ones((4, 3)).astype(object)
    np.testing.assert_array_equal(m.predict(numbers, verbose=0), m.predict(np.ones((4, 3)), verbose=0))
    with pytest.raises(TypeError, match="dtype object holding other values"):
        m.predict(np.array([[1.0, "a", 2.0]] * 4, dtype=object), verbose=0)


def unaligned(values):
    """values in a float32 array whose data start one byte past a float's alignment: C-ordered,
    native byte order, yet not aligned (numpy.frombuffer at an offset gives such arrays)."""
    values = np.asarray(values, np.float32)
    raw = np.zeros(values.nbytes + 1, np.uint8)
    out = np.ndarray(values.shape, np.float32, buffer=raw.data, offset=1)
    out[...] = values
    assert not out.flags.aligned and out.flags.c_contiguous
    return out


@pytest.mark.parametrize("call", [
    lambda m, x, y: m.fit(x, y, epochs=2, batch_size=4, verbose=0).history["loss"],
    lambda m, x, y: m.fit(x, y, sample_weight=x[:, 0] + 2, validation_data=(x, y), epochs=2, batch_size=4,
                          verbose=0).history["val_loss"],
    lambda m, x, y: m.evaluate(x, y, verbose=0),
    lambda m, x, y: m.predict(x, verbose=0),
    lambda m, x, y: m.predict(x[:1], verbose=0),
    lambda m, x, y: m.predict_on_batch(x),
    lambda m, x, y: m(x),
    lambda m, x, y: m.train_on_batch(x, y),
    lambda m, x, y: m.test_on_batch(x, y),
], ids=["fit", "fit_weighted_validated", "evaluate", "predict", "predict_one_row", "predict_on_batch", "call", "train_on_batch", "test_on_batch"])
def test_unaligned_arrays_give_what_their_aligned_copies_give(call):
    """C++ reads floats only at aligned addresses (anything else is undefined behaviour, which the
    sanitizer job would report): an unaligned array is copied first, with the same results."""
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(10, 3)).astype("float32"), rng.normal(size=(10, 1)).astype("float32")
    results = []
    for xs, ys in ((x, y), (unaligned(x), unaligned(y))):
        keras.utils.set_random_seed(3)
        results.append(call(model(), xs, ys))
    np.testing.assert_array_equal(np.asarray(results[1]), np.asarray(results[0]))


def test_unaligned_weights_are_set_as_their_aligned_copies():
    m = model()
    weights = [np.full((3, 1), 0.5, np.float32), np.array([0.25], np.float32)]
    m.set_weights([unaligned(w) for w in weights])
    for got, want in zip(m.get_weights(), weights):
        np.testing.assert_array_equal(got, want)
    m.layers[-1].set_weights([unaligned(w) for w in weights])
    np.testing.assert_array_equal(m.predict(np.ones((1, 3), np.float32), verbose=0), [[1.75]])


def test_unaligned_arrays_in_losses_metrics_and_activations():
    rng = np.random.default_rng(6)
    y, p = rng.random((6, 4)).astype("float32"), rng.random((6, 4)).astype("float32")
    for fn in (keras.losses.mean_squared_error, keras.losses.categorical_crossentropy, keras.activations.softmax):
        args = (y, p) if fn is not keras.activations.softmax else (p,)
        np.testing.assert_array_equal(np.asarray(fn(*[unaligned(a) for a in args])), np.asarray(fn(*args)))
    results = []
    for ys, ps in ((y, p), (unaligned(y), unaligned(p))):
        metric = keras.metrics.MeanAbsoluteError()
        metric.update_state(ys, ps, sample_weight=unaligned(ys[:, 0]) if ys is not y else y[:, 0])
        results.append(float(metric.result()))
    assert results[0] == results[1]


SCALAR_CALLS = [
    lambda m: m.fit(np.array(5.0), np.ones(1), verbose=0),
    lambda m: m.evaluate(np.array(5.0), np.ones(1), verbose=0),
    lambda m: m.predict(np.array(5.0), verbose=0),
    lambda m: m.predict(np.array(5.0, np.float32), verbose=0),  # what predict's C++ shortcut reads as is
    lambda m: m.predict(5.0, verbose=0),
    lambda m: m.predict_on_batch(np.array(5.0, np.float32)),
    lambda m: m(np.array(5.0, np.float32)),
    lambda m: m(np.array(5.0), training=True),
    lambda m: m.train_on_batch(np.array(5.0), np.ones(1)),
    lambda m: m.test_on_batch(np.array(5.0), np.ones(1)),
]
SCALAR_IDS = ["fit", "evaluate", "predict", "predict_float32", "predict_float", "predict_on_batch", "call",
              "call_training", "train_on_batch", "test_on_batch"]


@pytest.mark.parametrize("width", [1, 3])
@pytest.mark.parametrize("call", SCALAR_CALLS, ids=SCALAR_IDS)
def test_a_scalar_x_is_refused_naming_its_shape(call, width):
    """A 0-d x has no batch axis (Keras raises): it was made a vector of one value, reported as
    shape (1,), and for a model of one feature predicted as one sample."""
    m = keras.Sequential([keras.Input((width,)), layers.Dense(1)])
    m.compile("sgd", "mse")
    with pytest.raises(ValueError, match=re.escape(f"expected shape=(None, {width}), found shape=()")):
        call(m)


@pytest.mark.parametrize("call", SCALAR_CALLS[:3], ids=SCALAR_IDS[:3])
def test_a_scalar_x_is_refused_by_a_model_it_would_build(call):
    m = keras.Sequential([layers.Dense(1)])
    m.compile("sgd", "mse")
    with pytest.raises(ValueError, match=re.escape("The model received a scalar (an array of shape ())")):
        call(m)


@pytest.mark.parametrize("y", [np.float32(1.0), np.array(1.0), 1.0], ids=["numpy scalar", "0-d array", "float"])
def test_a_scalar_y_is_refused(y):
    """A 0-d y has no batch axis either: it was taken as one target for a one-row x (Keras fails
    with an IndexError)."""
    m = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    m.compile("sgd", "mse")
    x = np.ones((1, 3), np.float32)
    for call in (lambda: m.fit(x, y, verbose=0), lambda: m.evaluate(x, y, verbose=0), lambda: m.train_on_batch(x, y)):
        with pytest.raises(ValueError, match=re.escape("`y` is a scalar (an array of shape ()): pass one target a")):
            call()
    two = keras.Model(m.inputs, [m.outputs[0], layers.Dense(2, name="other")(m.inputs[0])])
    two.compile("sgd", "mse")
    with pytest.raises(ValueError, match="The target of output 'other' is a scalar"):
        two.fit(x, [np.ones((1, 1)), y], verbose=0)


@pytest.mark.parametrize("dtype, values", [
    ("Int64", [1, None, 3, 4]), ("Float64", [1.5, None, 3.0, 4.0]), ("boolean", [True, None, False, True]),
])
def test_a_missing_value_in_a_nullable_pandas_column_is_refused_as_nan(dtype, values):
    """pd.NA has no float value; it was refused as "an array of dtype object holding other
    values". As NaN, it is named with its row and column, as a float column's NaN is."""
    pd = pytest.importorskip("pandas")
    m = model()
    df = pd.DataFrame({"a": 1.0, "b": pd.array(values, dtype=dtype), "c": 2.0}, index=range(4))
    with pytest.raises(ValueError, match=re.escape("The input x contains NaN (first at row 1, column 1)")):
        m.predict(df, verbose=0)
    with pytest.raises(ValueError, match=re.escape("The input x contains NaN (first at row 1, column 1)")):
        m.fit(df, np.zeros(4), verbose=0)
    targets = pd.DataFrame({"t": pd.array(values, dtype=dtype)})
    with pytest.raises(ValueError, match=re.escape("The target y contains NaN (first at row 1, column 0)")):
        m.evaluate(np.zeros((4, 3)), targets, verbose=0)
    with pytest.raises(ValueError, match=re.escape("The target y contains NaN (first at row 1, column 0)")):
        m.evaluate(np.zeros((4, 3)), targets["t"], verbose=0)
    filled = df.fillna({"b": values[0]})  # without the missing value, the nullable column is taken as numbers
    np.testing.assert_array_equal(m.predict(filled, verbose=0), m.predict(filled.to_numpy("float32"), verbose=0))


def test_pd_na_in_an_object_array_is_refused_as_nan():
    pd = pytest.importorskip("pandas")
    m = model()
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, pd.NA]], dtype=object)
    with pytest.raises(ValueError, match=re.escape("The input x contains NaN (first at row 1, column 2)")):
        m.predict(x, verbose=0)
    with pytest.raises(TypeError, match="dtype object holding other values"):
        m.predict(np.array([[1.0, pd.NA, "a"]], dtype=object), verbose=0)


def test_a_list_of_numpy_scalars_is_one_sample_weight_a_sample():
    """NumPy's scalars have a shape, (): only a list of arrays is per-output weights."""
    m = model()
    x, y = np.ones((8, 3)), np.arange(8.0).reshape(8, 1)
    weights = [0.5, 1.0, 2.0, 0.0, 1.0, 3.0, 1.0, 1.0]
    expected = m.evaluate(x, y, sample_weight=weights, verbose=0)
    for given in (list(np.array(weights)), [np.float32(w) for w in weights], tuple(np.array(weights))):
        assert m.evaluate(x, y, sample_weight=given, verbose=0) == expected
    with pytest.raises(ValueError, match="per-output sample weights are not supported"):
        m.evaluate(x, y, sample_weight=[np.ones(8), np.ones(8)], verbose=0)


@pytest.mark.parametrize("call", ["fit", "evaluate", "train_on_batch", "test_on_batch"])
def test_targets_with_no_values_a_sample_are_refused(call):
    """A target of shape (8, 0) reached a division by its width in C++ (SIGFPE)."""
    m = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    m.compile("sgd", "mse")
    x = np.ones((8, 3), "float32")
    for y in (np.zeros((8, 0), "float32"), np.zeros((8, 2, 0), "float32")):
        with pytest.raises(ValueError, match="needs at least one value a sample"):
            getattr(m, call)(x, y, **({} if call.endswith("batch") else {"verbose": 0}))


def test_empty_validation_data_means_no_validation_pass_as_in_keras():
    """Keras trains and logs no val_* values; the check of empty data named x here."""
    x, y = np.ones((8, 3), "float32"), np.ones((8, 1), "float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    assert list(model.fit(x, y, validation_data=(x[:0], y[:0]), verbose=0).history) == ["loss"]
    with pytest.raises(ValueError, match=r"arrays of `validation_data` have different numbers of samples \(\[0, 3\]\)"):
        model.fit(x, y, validation_data=(x[:0], y[:3]), verbose=0)
    with pytest.raises(ValueError, match="The data is empty"):
        model.fit(x[:0], y[:0], verbose=0)
