"""Regression tests for what a review of the session's additions found: shared layers whose
build depends on the input shape, the integer types' casts, gradients reaching a cross-entropy
op's target, array-only ops' dtypes and edge cases, the debugging caps and validation_steps."""

import numpy as np
import pytest

import densekit as keras
from densekit import layers as L, ops


@pytest.mark.parametrize("make", [lambda: L.Flatten(data_format="channels_first"), lambda: L.UnitNormalization()],
                         ids=["flatten", "unit_normalization"])
def test_a_layer_built_for_one_shape_refuses_another_instead_of_reading_out_of_bounds(make):
    layer = make()
    a, b = keras.Input((2, 3)), keras.Input((40, 50))
    layer(a)
    with pytest.raises(ValueError, match="cannot be reused on"):
        layer(b)


def test_integer_inputs_hold_what_kerass_cast_makes_of_a_float():
    # Keras 3.15.1 (TensorFlow) for x cast to each type.
    x = np.array([[0.5, 2.0, -1.5, 300.0, -129.7, 70000.0]], np.float32)
    expected = {
        "bool": [1, 1, 1, 1, 1, 1],
        "uint8": [0, 2, 255, 44, 127, 112],
        "int8": [0, 2, -1, 44, 127, 112],
        "int16": [0, 2, -1, 300, -129, 4464],
        "uint16": [0, 2, 65535, 300, 65407, 4464],
        "int32": [0, 2, -1, 300, -129, 70000],
    }
    for dtype, values in expected.items():
        inputs = keras.Input((6,), dtype=dtype)
        model = keras.Model(inputs, L.Identity()(inputs))
        np.testing.assert_array_equal(model.predict(x, verbose=0), [values], err_msg=dtype)


def test_a_cross_entropy_op_sends_gradient_to_a_computed_target(gradcheck):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((3,))
    target = ops.softmax(L.Dense(3, name="teacher")(inputs))
    output = ops.softmax(L.Dense(3, name="student")(inputs))
    model = keras.Model(inputs, ops.expand_dims(ops.categorical_crossentropy(target, output), -1))
    model.compile(loss="mse")
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(4, 3)), np.zeros((4, 1))

    def softmax(v):
        e = np.exp(v - v.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)

    def forward(w, xs):
        t = softmax(xs[0] @ w["teacher"][0] + w["teacher"][1])
        p = softmax(xs[0] @ w["student"][0] + w["student"][1])
        return [-(t * np.log(np.clip(p / p.sum(-1, keepdims=True), 1e-7, 1 - 1e-7))).sum(-1, keepdims=True)]

    gradcheck(model, [x], [y], forward)


def test_a_built_in_loss_refuses_a_target_computed_by_layers_with_weights():
    inputs = keras.Input((3,))
    target = L.Dense(3, name="teacher")(inputs)
    with pytest.raises(NotImplementedError, match="computed by layer 'teacher'.*no gradient to y_true"):
        keras.losses.mean_squared_error(target, L.Dense(3)(inputs))
    # through stop_gradient, or from the inputs alone, it is taken
    keras.losses.mean_squared_error(ops.stop_gradient(target), L.Dense(3)(inputs))
    keras.losses.mean_squared_error(inputs * 2.0, L.Dense(3)(inputs))


def test_array_ops_edge_cases_match_keras():
    assert ops.arange(0, 1, 0.25).dtype == np.float32 and ops.arange(3).dtype == np.int32
    assert ops.linspace(0, 1.5, 3).dtype == np.float32 and ops.arange(np.int64(4)).dtype == np.int64
    assert ops.erf(0.5).shape == () and ops.erf(np.zeros(0)).shape == (0,)
    assert ops.erf(np.array([0.5])).dtype == np.float64 and ops.erf(1).dtype == np.float32
    values, positions = ops.top_k(np.array([0, 5, 3], np.uint8), 2)
    assert values.tolist() == [5, 3] and positions.tolist() == [1, 2]
    _, positions = ops.top_k(np.array([[1.0, 3.0, 3.0, 2.0]]), 3)
    assert positions.tolist() == [[1, 2, 3]]  # the earlier position first among equal values
    predictions = np.array([[0.1, 0.5, 0.4]])
    assert ops.in_top_k(np.array([1]), predictions, 0).tolist() == [False]
    assert ops.in_top_k(np.array([0]), predictions, 5).tolist() == [True]


def test_caps_of_zero_are_no_caps_and_validation_steps_cut_array_validation(monkeypatch):
    keras.config.set_max_epochs(0)
    assert keras.config.max_epochs() is None
    keras.utils.set_random_seed(2)
    model = keras.Sequential([keras.Input((2,)), L.Dense(1)])
    model.compile("sgd", "mse")
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(16, 2)).astype(np.float32), rng.normal(size=(16, 1)).astype(np.float32)
    vx, vy = rng.normal(size=(20, 2)).astype(np.float32), rng.normal(size=(20, 1)).astype(np.float32)
    history = model.fit(x, y, batch_size=16, epochs=1, validation_data=(vx, vy), validation_steps=1,
                        validation_batch_size=5, shuffle=False, verbose=0)
    first_batch = model.evaluate(vx[:5], vy[:5], verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(first_batch, rel=1e-6)
    with pytest.raises(ValueError, match="validation_steps"):
        model.fit(x, y, validation_data=(vx, vy), validation_steps=0, verbose=0)


def test_rms_scaling_keeps_kerass_config_and_weights():
    with pytest.warns(UserWarning):
        layer = L.LayerNormalization(rms_scaling=True, center=True, scale=False)
    layer(np.ones((2, 4), np.float32))
    config = layer.get_config()
    assert (config["center"], config["scale"], config["rms_scaling"]) == (True, False, True)
    assert [w.path.split("/")[-1] for w in layer.weights] == ["gamma"]  # gamma always, never beta


def test_mask_zero_is_refused_naming_what_masks_would_do():
    with pytest.raises(ValueError, match="GlobalAveragePooling1D"):
        L.Embedding(10, 3, mask_zero=True)


# --- a second read, of the per-position outputs and what followed ---------------------------------

def _sequence_model(loss="categorical_crossentropy", metrics=()):
    inputs = keras.Input((5, 3))
    model = keras.Model(inputs, L.Dense(4, activation="softmax")(inputs))
    model.compile("sgd", loss, metrics=list(metrics))
    return model


def test_targets_of_another_shape_are_refused_for_a_sequence_output():
    model = _sequence_model()
    x = np.ones((6, 5, 3), np.float32)
    for y in (np.zeros((6, 4, 5)), np.zeros((6, 10, 2)), np.zeros((6, 20))):
        with pytest.raises(ValueError, match=r"target.shape=\(None, .*output.shape=\(None, 5, 4\)"):
            model.evaluate(x, y, verbose=0)
    model.evaluate(x, np.eye(4)[np.zeros((6, 5), int)], verbose=0)  # as the output
    sparse = _sequence_model("sparse_categorical_crossentropy")
    sparse.evaluate(x, np.zeros((6, 5)), verbose=0)  # labels: the output without its last axis
    sparse.evaluate(x, np.zeros((6, 5, 1)), verbose=0)


def test_class_weight_and_column_scores_are_refused_for_a_sequence_output():
    x, y = np.ones((6, 5, 3), np.float32), np.eye(4)[np.zeros((6, 5), int)]
    with pytest.raises(ValueError, match="`class_weight` is only supported for outputs of one class vector"):
        _sequence_model().train_on_batch(x, y, class_weight={0: 1.0, 1: 2.0})
    for metric in (keras.metrics.R2Score(), keras.metrics.F1Score(), keras.metrics.AUC(multi_label=True)):
        with pytest.raises(ValueError, match="expects 2D inputs"):
            _sequence_model(metrics=[metric]).evaluate(x, y, verbose=0)


def test_targets_computed_without_a_gradient_path_are_taken_by_the_built_in_losses():
    inputs = keras.Input((3,))
    teacher = L.Dense(3, name="teacher")(inputs)
    student = ops.softmax(L.Dense(3)(inputs))
    ops.sparse_categorical_crossentropy(ops.argmax(teacher, -1), student)  # integer labels: no gradient
    keras.losses.categorical_crossentropy(ops.round(ops.sigmoid(teacher)), student)
    frozen = L.Dense(3, trainable=False)
    keras.losses.categorical_crossentropy(ops.softmax(frozen(inputs)), student)  # nothing to train


def test_out_of_range_integer_casts_and_in_top_k_ids_as_tensorflow():
    # Keras 3.15.1 (TensorFlow, x86) for these values.
    x = np.array([[0.5, -0.5, 3e9, -3e9, 70000.0, 1e30]], np.float32)
    expected = {"int32": [0, 0, -2147483648, -2147483648, 70000, -2147483648], "int16": [0, 0, 0, 0, 4464, 0],
                "uint8": [0, 0, 0, 0, 112, 0], "int64": [0, 0, 3e9, -3e9, 70000, -2.0 ** 63],
                "uint32": [0, 0, 3e9, 1294967296, 70000, 0]}
    for dtype, values in expected.items():
        inputs = keras.Input((6,), dtype=dtype)
        got = keras.Model(inputs, L.Identity()(inputs)).predict(x, verbose=0)
        np.testing.assert_array_equal(got, np.array([values], np.float32), err_msg=dtype)
        assert not np.signbit(got[0, 1])  # -0.5 is 0, not -0
    assert ops.in_top_k(np.array([-1, 5]), np.array([[0.1, 0.9], [0.3, 0.2]]), 2).tolist() == [False, False]


def test_timeseries_edges_as_keras():
    data = np.arange(20, dtype=np.float32).reshape(20, 1)
    assert len(keras.utils.timeseries_dataset_from_array(data, None, 3, end_index=0)) == 0  # empty, as Keras's
    assert keras.utils.timeseries_dataset_from_array(data, None, 4.0)[0].shape == (17, 4, 1)
    with pytest.raises(ValueError, match="`targets` has 10 rows"):
        keras.utils.timeseries_dataset_from_array(data, np.arange(10), 3, start_index=5)
    with pytest.raises(ValueError, match="sequence_stride"):
        keras.utils.timeseries_dataset_from_array(data, None, 3, sequence_stride=1.5)
