"""Bad data given to the entry points that take data: fit, evaluate, predict, train_on_batch,
test_on_batch, predict_on_batch and calling the model (the data checks: cpp/src/training/
data_checks.cpp, python/densekit/trainers/data_adapter.py)."""

import numpy as np

from bad_input_table import Table, assert_rows, classifier, labels, regressor, two_in_two_out, x, y

table = Table()
add, ok = table.add, table.ok

CALLS = {
    "fit": lambda m, x, y, **kw: m.fit(x, y, epochs=1, verbose=0, **kw),
    "evaluate": lambda m, x, y, **kw: m.evaluate(x, y, verbose=0, **kw),
    "train_on_batch": lambda m, x, y, **kw: m.train_on_batch(x, y, **kw),
    "test_on_batch": lambda m, x, y, **kw: m.test_on_batch(x, y, **kw),
    "predict": lambda m, x, y, **kw: m.predict(x, verbose=0, **kw),
    "predict_on_batch": lambda m, x, y, **kw: m.predict_on_batch(x),
    "call": lambda m, x, y, **kw: m(x),
}
SUPERVISED = ("fit", "evaluate", "train_on_batch", "test_on_batch")

INCOMPATIBLE = "is incompatible with the layer"
REAL_NUMBERS = "must hold real numbers"
CARDINALITY = "Data cardinality is ambiguous"


def _x_case(entry, bad_x, model=regressor, y_of=lambda n: y(n)):
    call = CALLS[entry]

    def run(tmp):
        x_value = bad_x() if callable(bad_x) else bad_x
        sized = hasattr(x_value, "__len__") and getattr(x_value, "ndim", 1) > 0  # a 0-d array has no len()
        n = len(x_value) if sized and not isinstance(x_value, (str, dict)) else 8
        return call(model(), x_value, y_of(n))
    return run


def _nan_x():
    value = x()
    value[3, 2] = np.nan
    return value


def _inf_x():
    value = x()
    value[5, 0] = -np.inf
    return value


def _x_ok(entry, good_x, rows):
    """Valid in Keras: the call succeeds (and a prediction has one row per sample)."""
    call = CALLS[entry]

    def run(tmp):
        result = call(regressor(), good_x(), y(rows))
        if entry in ("predict", "predict_on_batch", "call"):
            assert_rows(result, rows)
    return run


# --- x: every data entry point × every kind of bad x ------------------------------------------------
for entry in CALLS:
    add(entry, "wrong_rank", "x_1d", _x_case(entry, lambda: x()[:, 0]), ValueError, "expected shape=(None, 3), found shape=(8,)")
    # A 0-d x: a scalar, no batch axis (it was taken as a vector of one value: one sample, for a
    # model of one feature).
    add(entry, "wrong_rank", "x_scalar", _x_case(entry, lambda: np.array(1.0)), ValueError, "found shape=()")
    add(entry, "wrong_rank", "x_scalar_1_feature",
        _x_case(entry, lambda: np.array(1.0), model=lambda: regressor(width=1)), ValueError,
        "expected shape=(None, 1), found shape=()")
    add(entry, "wrong_rank", "x_3d", _x_case(entry, lambda: x(8, 6).reshape(8, 3, 2)), ValueError, "found shape=(8, 3, 2)")
    add(entry, "wrong_width", "x_4_wide", _x_case(entry, lambda: x(8, 4)), ValueError, INCOMPATIBLE)
    add(entry, "wrong_dtype", "x_complex", _x_case(entry, lambda: x().astype(np.complex64)), TypeError, "dtype complex64")
    add(entry, "wrong_dtype", "x_strings", _x_case(entry, lambda: x().astype(str)), TypeError, REAL_NUMBERS)
    add(entry, "wrong_dtype", "x_datetime", _x_case(entry, lambda: np.zeros((8, 3), "datetime64[D]")), TypeError,
        "dtype datetime64[D]")
    add(entry, "nonfinite", "x_nan", _x_case(entry, _nan_x), ValueError, "contains NaN (first at row 3, column 2)")
    add(entry, "nonfinite", "x_inf", _x_case(entry, _inf_x), ValueError, "contains infinity")
    if entry in ("predict_on_batch", "call"):  # an empty batch in, empty outputs out, as in Keras
        ok(entry, "empty", "x_0_rows", _x_ok(entry, lambda: x(0), 0))
    else:
        add(entry, "empty", "x_0_rows", _x_case(entry, lambda: x(0)), ValueError, "The data is empty")
    add(entry, "wrong_type", "x_none", _x_case(entry, None), ValueError, "`x`")
    add(entry, "wrong_type", "x_string", _x_case(entry, "abc"), TypeError, REAL_NUMBERS)
    add(entry, "wrong_type", "x_ragged_list", _x_case(entry, [[1.0, 2.0, 3.0], [1.0, 2.0]]), ValueError, "inhomogeneous")
    add(entry, "dict_keys", "x_unknown_input_name",
        _x_case(entry, lambda: {"a": x(), "c": x(8, 2)}, model=two_in_two_out, y_of=lambda n: {"out1": y(n), "out2": y(n, 2)}),
        ValueError, "'c'")
    add(entry, "mismatched_lengths", "x_inputs_differ",
        _x_case(entry, lambda: {"a": x(8), "b": x(6, 2)}, model=two_in_two_out, y_of=lambda n: {"out1": y(8), "out2": y(8, 2)}),
        ValueError, CARDINALITY)
    ok(entry, "one_row", "x_1_row", _x_ok(entry, lambda: x(1), 1))
    # Keras squeezes a trailing axis of 1 (keras/src/models/functional.py, _adjust_input_rank)
    ok(entry, "wrong_rank", "x_trailing_axis_of_1", _x_ok(entry, lambda: x().reshape(8, 3, 1), 8))


# --- y (and sample_weight): the entry points that take targets ---------------------------------------
def _y_case(entry, bad_y, model=regressor, **kw):
    call = CALLS[entry]
    return lambda tmp: call(model(), x(), bad_y() if callable(bad_y) else bad_y, **kw)


def _y_nan():
    value = y()
    value[6, 0] = np.nan
    return value


for entry in SUPERVISED:
    add(entry, "wrong_width", "y_2_wide", _y_case(entry, lambda: y(8, 2)), ValueError, "must have the same shape")
    add(entry, "wrong_rank", "y_3d", _y_case(entry, lambda: y(8, 2).reshape(8, 1, 2)), ValueError, "shape")
    add(entry, "wrong_dtype", "y_strings", _y_case(entry, lambda: y().astype(str)), TypeError, REAL_NUMBERS)
    add(entry, "wrong_dtype", "y_complex", _y_case(entry, lambda: y().astype(np.complex128)), TypeError, "dtype complex128")
    add(entry, "nonfinite", "y_nan", _y_case(entry, _y_nan), ValueError, "The target y contains NaN")
    add(entry, "empty", "y_0_rows", _y_case(entry, lambda: y(0)), ValueError, "x has 8 samples but y has 0")
    add(entry, "mismatched_lengths", "y_7_rows", _y_case(entry, lambda: y(7)), ValueError, "x has 8 samples but y has 7")
    add(entry, "wrong_type", "y_missing", _y_case(entry, None), ValueError, "Target data `y` is missing")
    add(entry, "wrong_type", "y_string", _y_case(entry, "abc"), TypeError, REAL_NUMBERS)
    add(entry, "labels", "sparse_label_too_large", _y_case(entry, lambda: np.where(labels() == 2, 3, labels()), classifier),
        ValueError, "3")
    add(entry, "labels", "sparse_label_negative", _y_case(entry, lambda: np.where(labels() == 2, -1, labels()), classifier),
        ValueError, "-1")
    add(entry, "labels", "sparse_label_fractional", _y_case(entry, lambda: labels() + 0.5, classifier), ValueError, "0.5")
    add(entry, "labels", "sparse_label_nan", _y_case(entry, lambda: np.where(labels() == 1, np.nan, labels()), classifier),
        ValueError, "NaN")
    add(entry, "dict_keys", "y_unknown_output_name",
        lambda tmp, call=CALLS[entry]: call(two_in_two_out(), {"a": x(), "b": x(8, 2)}, {"out1": y(), "out3": y(8, 2)}),
        ValueError, "out3")
    add(entry, "mismatched_lengths", "sample_weight_4_values", _y_case(entry, y, sample_weight=np.ones(4)), ValueError,
        "expected 8 values, received 4")
    add(entry, "nonfinite", "sample_weight_nan", _y_case(entry, y, sample_weight=np.array([1, 1, np.nan, 1, 1, 1, 1, 1])),
        ValueError, "sample_weight contains NaN")
    add(entry, "wrong_dtype", "sample_weight_strings", _y_case(entry, y, sample_weight=np.array(["a"] * 8)), TypeError,
        REAL_NUMBERS)
    # NumPy scalars (np.float64 has a shape, ()) are one weight a sample, as Python floats are.
    ok(entry, "wrong_type", "sample_weight_list_of_numpy_scalars", _y_case(entry, y, sample_weight=list(np.ones(8))))
    add(entry, "wrong_rank", "sample_weight_2d", _y_case(entry, y, sample_weight=np.ones((8, 2))), ValueError,
        "sample_weight")


# --- fit's own arguments ------------------------------------------------------------------------------
def _fit(**kw):
    return lambda tmp: regressor().fit(x(), y(), verbose=0, **kw)


def _fit_classifier(**kw):
    return lambda tmp: classifier().fit(x(), labels(), verbose=0, **kw)


for detail, value, exc, match in [
    ("zero", 0, ValueError, "batch_size"), ("negative", -3, ValueError, "batch_size"),
    ("fractional", 2.5, ValueError, "batch_size"), ("nan", float("nan"), ValueError, "batch_size"),
    ("string", "8", ValueError, "batch_size"),
]:
    add("fit", "hyperparameter", f"batch_size_{detail}", _fit(batch_size=value), exc, match)
    add("evaluate", "hyperparameter", f"batch_size_{detail}",
        lambda tmp, v=value: regressor().evaluate(x(), y(), batch_size=v, verbose=0), exc, match)
    add("predict", "hyperparameter", f"batch_size_{detail}",
        lambda tmp, v=value: regressor().predict(x(), batch_size=v, verbose=0), exc, match)
ok("fit", "hyperparameter", "batch_size_huge", _fit(batch_size=10**12))
ok("predict", "hyperparameter", "batch_size_huge",
   lambda tmp: assert_rows(regressor().predict(x(), batch_size=10**12, verbose=0), 8))

for detail, value in [("above_1", 1.5), ("negative", -0.1), ("nan", float("nan")), ("one", 1.0)]:
    add("fit", "hyperparameter", f"validation_split_{detail}", _fit(validation_split=value), ValueError,
        "validation_split")
for detail, value in [("string", "0.5"), ("list", [0.5])]:  # ("0.5" < 1 was a bare TypeError)
    add("fit", "hyperparameter", f"validation_split_{detail}", _fit(validation_split=value), TypeError,
        "validation_split")
add("fit", "one_row", "validation_split_of_1_row", lambda tmp: regressor().fit(x(1), y(1), validation_split=0.5, verbose=0),
    ValueError, "validation_split")
ok("fit", "one_row", "batch_of_1", _fit(batch_size=1))
for detail, value in [("fractional", 2.5), ("string", "2"), ("nan", float("nan")), ("negative", -1)]:
    add("fit", "hyperparameter", f"epochs_{detail}", _fit(epochs=value), ValueError, "epochs")
for detail, value in [("zero", 0), ("negative", -2), ("fractional", 1.5)]:
    add("fit", "hyperparameter", f"steps_per_epoch_{detail}", _fit(steps_per_epoch=value), ValueError, "steps_per_epoch")
add("fit", "wrong_width", "validation_data_x_4_wide", _fit(validation_data=(x(4, 4), y(4))), ValueError, INCOMPATIBLE)
add("fit", "mismatched_lengths", "validation_data_lengths", _fit(validation_data=(x(4), y(3))), ValueError, CARDINALITY)
add("fit", "wrong_type", "validation_data_4_tuple", _fit(validation_data=(x(4), y(4), np.ones(4), np.ones(4))), ValueError,
    "validation_data")
add("fit", "nonfinite", "validation_data_nan", _fit(validation_data=(_nan_x(), y())), ValueError, "contains NaN")
ok("fit", "labels", "class_weight_unused_class", _fit_classifier(class_weight={0: 1.0, 5: 2.0}))  # Keras 3 ignores it
# Keras looks labels up with class_weight.get(int(label)): keys no label rounds to are ignored
ok("fit", "labels", "class_weight_negative_class", _fit_classifier(class_weight={-1: 2.0}))
ok("fit", "wrong_type", "class_weight_string_key", _fit_classifier(class_weight={"a": 2.0}))
add("fit", "nonfinite", "class_weight_nan_value", _fit_classifier(class_weight={0: float("nan"), 1: 1.0, 2: 1.0}),
    ValueError, "class_weight")
add("fit", "wrong_type", "callbacks_not_callbacks", _fit(callbacks=[5]), TypeError, "callback")
add("fit", "wrong_type", "class_weight_list", _fit_classifier(class_weight=[1.0, 2.0, 3.0]), ValueError, "class_weight")
add("fit", "wrong_type", "sample_weight_and_class_weight_dict_y",
    lambda tmp: two_in_two_out().fit({"a": x(), "b": x(8, 2)}, {"out1": y(), "out2": y(8, 2)}, class_weight={0: 1.0},
                                     verbose=0),
    ValueError, "class_weight")
add("fit", "dict_keys", "unknown_keyword", _fit(bogus=1), TypeError, "bogus")
add("evaluate", "dict_keys", "unknown_keyword", lambda tmp: regressor().evaluate(x(), y(), verbose=0, bogus=1), TypeError,
    "bogus")
add("predict", "dict_keys", "unknown_keyword", lambda tmp: regressor().predict(x(), verbose=0, bogus=1), TypeError, "bogus")
add("predict", "hyperparameter", "steps_zero", lambda tmp: regressor().predict(x(), steps=0, verbose=0), ValueError, "steps")
add("evaluate", "hyperparameter", "steps_negative", lambda tmp: regressor().evaluate(x(), y(), steps=-1, verbose=0),
    ValueError, "steps")
add("fit", "wrong_type", "uncompiled", lambda tmp: regressor(compile=False).fit(x(), y(), verbose=0), ValueError, "compile")
add("evaluate", "wrong_type", "uncompiled", lambda tmp: regressor(compile=False).evaluate(x(), y(), verbose=0),
    ValueError, "compile")
add("train_on_batch", "wrong_type", "uncompiled", lambda tmp: regressor(compile=False).train_on_batch(x(), y()),
    ValueError, "compile")

CASES = table.cases
