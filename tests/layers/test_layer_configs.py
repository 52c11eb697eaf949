"""Layer configs: every Python layer builds its C++ twin from its Keras config through the same
C++ registry that reads model files, so what a layer is given is what its config says."""

import json

import pytest

import densekit as keras
from densekit import _core, layers

EVERY_LAYER = [
    lambda: layers.Dense(3, activation="relu", use_bias=False, kernel_regularizer="l2"),
    lambda: layers.Dropout(0.25, seed=7),
    lambda: layers.Flatten(),
    lambda: layers.Activation("gelu"),
    lambda: layers.ReLU(max_value=6.0, negative_slope=0.1),
    lambda: layers.LeakyReLU(0.2),
    lambda: layers.ELU(0.5),
    lambda: layers.Softmax(),
    lambda: layers.PReLU(shared_axes=[1]),
    lambda: layers.Add(),
    lambda: layers.Concatenate(axis=1),
    lambda: layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0]),
    lambda: layers.BatchNormalization(momentum=0.9, gamma_constraint="non_neg"),
    lambda: layers.LayerNormalization(axis=[-1], epsilon=1e-5),
    lambda: layers.GaussianNoise(0.1, seed=3),
    lambda: layers.GaussianDropout(0.3),
    lambda: layers.Rescaling(1 / 255, offset=-0.5),
    lambda: layers.Reshape((2, 2)),
]


@pytest.mark.parametrize("make", EVERY_LAYER)
def test_config_round_trips_through_the_registry(make):
    layer = make()
    config = layer.get_config()
    rebuilt = _core.layer_from_config_json(type(layer).__name__, json.dumps(config))
    assert json.loads(_core.layer_config_json(rebuilt)) == config
    assert type(layer).from_config(config).get_config() == config


def test_trainable_false_is_in_the_config_of_every_layer():
    assert layers.Dropout(0.5, trainable=False).get_config()["trainable"] is False
    assert layers.Flatten(trainable=False).get_config()["trainable"] is False


def test_unknown_class_lists_every_registered_layer():
    with pytest.raises(ValueError) as info:
        _core.layer_from_config_json("Conv2D", "{}")
    message = str(info.value)
    for name in ["Dense", "Dropout", "ReLU", "Softmax", "Add", "Minimum", "Concatenate", "Normalization",
                 "LayerNormalization", "Rescaling", "Reshape", "InputLayer", "ElementwiseOp", "BinaryOp", "Reduce"]:
        assert name in message
    assert message.endswith("ElementwiseOp, BinaryOp, Reduce, IndexMapOp, WeightOp, AddLoss, RandomDraw and LossOp.")  # ops last


@pytest.mark.parametrize("class_name,config,pattern", [
    ("Dense", {"units": 2.5}, "'units' must be an integer"),
    ("Dense", {"units": 2**70}, "'units' must be an integer"),
    ("Concatenate", {"axis": 2**40}, "'axis' must be an integer"),
    ("Softmax", {"axis": [2**40]}, "out of range"),
    ("Reshape", {"target_shape": [2**64 - 1]}, "must be ints"),
    ("Reshape", {"target_shape": [1.5]}, "must be ints"),
    ("WeightOp", {"op": "matmul", "shape": [0, 3]}, "must be positive"),
    ("WeightOp", {"op": "power", "shape": [3]}, "Unknown WeightOp op"),
    ("WeightOp", {"op": "add", "shape": [2**70]}, "must be"),
    ("AddLoss", {"reduction": "max"}, "\"mean\" or \"sum\""),
    ("RandomDraw", {"distribution": "cauchy"}, "\"normal\" or \"uniform\""),
])
def test_numbers_out_of_range_or_of_the_wrong_kind(class_name, config, pattern):
    with pytest.raises(ValueError, match=pattern):
        _core.layer_from_config_json(class_name, json.dumps(config))


@pytest.mark.parametrize("make,key", [
    (lambda: layers.Rescaling(float("nan")), "scale"),
    (lambda: layers.ELU(float("inf")), "alpha"),
    (lambda: layers.BatchNormalization(epsilon=float("nan")), "epsilon"),
    (lambda: layers.AddLoss(scale=float("inf")), "scale"),
    (lambda: layers.RandomDraw(a=float("nan")), "a"),
])
def test_non_finite_hyperparameters_are_refused(make, key):
    with pytest.raises(ValueError, match=f"`{key}` must be a finite number"):
        make()


def test_a_large_reshape_target_is_not_truncated():
    previous = keras.config.set_limits(max_values_per_sample=2**36)  # above the default 2^28
    try:
        x = keras.Input(shape=(2**18, 2**17))
        assert layers.Reshape((2**35, 1))(x).shape == (None, 2**35, 1)
    finally:
        keras.config.set_limits(**previous)


@pytest.mark.parametrize("op,weight_shape,input_shape", [
    ("matmul", [4, 2], [3]), ("matmul", [3], [3]), ("add", [2], [3]), ("multiply", [3, 1], [3]),
])
def test_a_weight_op_refuses_inputs_it_cannot_combine_with(op, weight_shape, input_shape):
    layer = _core.layer_from_config_json("WeightOp", json.dumps({"name": "w", "op": op, "shape": weight_shape}))
    with pytest.raises(ValueError, match="weight"):
        _core.build_layer(layer, [input_shape], ["x"])
