"""optimizer.exclude_from_weight_decay (keras/src/optimizers/base_optimizer.py): weights named
by a pattern or listed get no decoupled weight decay, checked against a float64 reference of
Adam plus decay applied to the other weights only; and Keras's refusal once built."""

import numpy as np
import pytest

import densekit as keras
from test_optimizers import RefOptimizer, assert_moved, assert_weights, make_data, make_model, mse_grads

LR, DECAY = 0.05, 0.5


def reference(w0, x, y, steps, decayed):
    """AdamW as Keras applies it: the gradient at the current weights, then w ← w − w·wd·lr for
    the decayed weights, then Adam's update."""
    adam = RefOptimizer("adam", LR)
    params = [np.array(w, dtype=np.float64) for w in w0]
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    for _ in range(steps):
        grads = mse_grads(params, x64, y64)
        params = [w - w * DECAY * LR if decay else w for w, decay in zip(params, decayed)]
        params = adam.step(params, grads)
    return params


def train(exclude, before_compile=True, steps=3, seed=9):
    x, y, w0 = make_data(seed=seed)
    optimizer = keras.optimizers.AdamW(learning_rate=LR, weight_decay=DECAY)
    if before_compile:
        exclude(optimizer, None)
    model = make_model(optimizer, w0)
    if not before_compile:
        exclude(optimizer, model)
    for _ in range(steps):
        model.train_on_batch(x, y)
    return model, x, y, w0


@pytest.mark.parametrize("before_compile", [True, False], ids=["before_compile", "after_compile"])
def test_var_names_exclude_every_weight_whose_name_matches(before_compile):
    model, x, y, w0 = train(lambda o, m: o.exclude_from_weight_decay(var_names=["bias"]), before_compile)
    expected = reference(w0, x, y, 3, decayed=[True, False])
    assert_moved(expected, w0)
    assert_weights(model.get_weights(), expected)
    # the same steps with every weight decayed land elsewhere: the exclusion changed something
    assert np.abs(reference(w0, x, y, 3, decayed=[True, True])[1] - expected[1]).max() > 1e-3


def test_var_list_and_regular_expressions():
    model, x, y, w0 = train(lambda o, m: o.exclude_from_weight_decay(var_list=[m.trainable_weights[0]]),
                            before_compile=False)
    assert_weights(model.get_weights(), reference(w0, x, y, 3, decayed=[False, True]))
    model, x, y, w0 = train(lambda o, m: o.exclude_from_weight_decay(var_names=["/ker", "nothing"]))
    assert_weights(model.get_weights(), reference(w0, x, y, 3, decayed=[False, True]))
    # TensorFlow's variable names hold the layer's: a layer's name excludes its weights
    model, x, y, w0 = train(lambda o, m: o.exclude_from_weight_decay(var_names=[m.layers[0].name]),
                            before_compile=False)
    assert_weights(model.get_weights(), reference(w0, x, y, 3, decayed=[False, False]))
    model, x, y, w0 = train(lambda o, m: o.exclude_from_weight_decay(var_list=[o.iterations]), before_compile=False)
    assert_weights(model.get_weights(), reference(w0, x, y, 3, decayed=[True, True]))  # not a weight: no exclusion
    model, x, y, w0 = train(lambda o, m: o.exclude_from_weight_decay(var_names=["bias"]) or
                            o.exclude_from_weight_decay())  # a second call replaces the first
    assert_weights(model.get_weights(), reference(w0, x, y, 3, decayed=[True, True]))


def test_refused_once_built_as_in_keras():
    model, *_ = train(lambda o, m: None)
    with pytest.raises(ValueError, match=r"`exclude_from_weight_decay\(\)` can only be configured before the "
                                         r"optimizer is built\."):
        model.optimizer.exclude_from_weight_decay(var_names=["bias"])


def test_a_functional_models_weight_names_do_not_start_with_the_models_name():
    """TensorFlow names a functional model's variables dense/kernel:0 and a Sequential's
    sequential/dense/kernel:0: the model's name excludes every weight of a Sequential only."""
    x, y, w0 = make_data(seed=10)
    inputs = keras.Input((x.shape[1],))
    for var_names, decayed in ((["mine"], [True, True]), (["^dense"], [False, False])):
        keras.backend.clear_session()
        optimizer = keras.optimizers.AdamW(learning_rate=LR, weight_decay=DECAY)
        optimizer.exclude_from_weight_decay(var_names=var_names)
        model = keras.Model(inputs, keras.layers.Dense(y.shape[1], name="dense")(inputs), name="mine")
        model.set_weights(w0)
        model.compile(optimizer, "mse")
        for _ in range(3):
            model.train_on_batch(x, y)
        assert_weights(model.get_weights(), reference(w0, x, y, 3, decayed=decayed))
