"""Optimizer arguments against Keras (keras/src/optimizers/): the errors for bad arguments, the
optimizer's state counts in summary() ("Optimizer params", keras/src/utils/summary_utils.py), and
one optimizer compiled into two models. The update rules: test_optimizers.py."""

import numpy as np
import pytest

import densekit as keras

from test_optimizers import D, U, make_data, make_model

# --------------------------------------------------------------------------------------------
# 2. argument errors
# --------------------------------------------------------------------------------------------

def test_integer_learning_rate_raises():
    with pytest.raises(ValueError):
        keras.optimizers.Adam(learning_rate=1)
    with pytest.raises(ValueError):
        keras.optimizers.SGD(learning_rate=1)
    keras.optimizers.Adam(learning_rate=1.0)
    keras.optimizers.Adam(learning_rate=np.float64(0.01))


def test_legacy_lr_argument_raises():
    with pytest.raises(ValueError, match="lr"):
        keras.optimizers.Adam(lr=0.001)
    with pytest.raises(ValueError, match="lr"):
        keras.optimizers.SGD(lr=0.01)


def test_negative_learning_rate_raises():
    with pytest.raises(ValueError):
        keras.optimizers.Adam(learning_rate=-0.001)
    with pytest.raises(ValueError):
        keras.optimizers.SGD(learning_rate=-0.1)


NAN, INF = float("nan"), float("inf")


# JSON carries the config to C++ and holds no NaN or infinity: each is refused by name, not with
# a parse error of the config's text.
@pytest.mark.parametrize("make,argument", [
    (lambda v: keras.optimizers.SGD(v), "learning_rate"), (lambda v: keras.optimizers.SGD(0.1, clipnorm=v), "clipnorm"),
    (lambda v: keras.optimizers.SGD(0.1, momentum=v), "momentum"), (lambda v: keras.optimizers.Adam(epsilon=v), "epsilon"),
    (lambda v: keras.optimizers.Adam(beta_1=v), "beta_1"), (lambda v: keras.optimizers.Adam(weight_decay=v), "weight_decay"),
    (lambda v: keras.optimizers.RMSprop(rho=v), "rho"), (lambda v: keras.optimizers.Adam(global_clipnorm=v), "global_clipnorm")])
@pytest.mark.parametrize("value", [NAN, INF, -INF])
def test_non_finite_arguments_are_refused_by_name(make, argument, value):
    with pytest.raises(ValueError, match=rf"Argument `{argument}` must be .*finite float. Received: {argument}={value}"):
        make(value)


def test_sgd_momentum_validation():
    with pytest.raises(ValueError):
        keras.optimizers.SGD(momentum=0)
    with pytest.raises(ValueError):
        keras.optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError):
        keras.optimizers.SGD(momentum=-0.1)
    keras.optimizers.SGD(momentum=0.0)
    keras.optimizers.SGD(momentum=1.0)


@pytest.mark.parametrize("kwargs", [dict(clipnorm=1.0, clipvalue=1.0), dict(clipnorm=1.0, global_clipnorm=1.0),
                                    dict(clipvalue=1.0, global_clipnorm=1.0),
                                    dict(clipnorm=1.0, clipvalue=1.0, global_clipnorm=1.0)])
def test_only_one_clip_option(kwargs):
    with pytest.raises(ValueError):
        keras.optimizers.Adam(**kwargs)
    with pytest.raises(ValueError):
        keras.optimizers.SGD(learning_rate=0.1, **kwargs)


def test_adamw_weight_decay_none_raises():
    with pytest.raises(ValueError):
        keras.optimizers.AdamW(weight_decay=None)


def test_unknown_optimizer_string_raises_listing_names():
    with pytest.raises(ValueError) as info:
        keras.optimizers.get("adamm")
    msg = str(info.value).lower()
    for name in ["sgd", "adam", "rmsprop", "adagrad", "nadam"]:
        assert name in msg
    model = keras.Sequential([keras.Input((D,)), keras.layers.Dense(U)])
    with pytest.raises(ValueError) as info:
        model.compile(optimizer="no_such_optimizer", loss="mse")
        model.train_on_batch(*make_data()[:2])
    assert "adam" in str(info.value).lower() and "sgd" in str(info.value).lower()


# --------------------------------------------------------------------------------------------
# 3. optimizer state counts and summary
# --------------------------------------------------------------------------------------------

def _size(n_params, step_counts=0):
    # float32 values, and the optimizer's step count, an int64 (8 bytes) in Keras
    size = n_params * 4.0 + 4 * step_counts
    for unit in ["B", "KB", "MB", "GB"]:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} TB"


def _summary_text(model):
    out = []
    model.summary(print_fn=lambda text, *a, **k: out.append(text))
    return "\n".join(out)


def _p(model):
    return sum(int(np.prod(w.shape)) for w in model.get_weights())


COUNT_CASES = [
    ("sgd", lambda: keras.optimizers.SGD(learning_rate=0.01), lambda p: 2),
    ("sgd_momentum", lambda: keras.optimizers.SGD(learning_rate=0.01, momentum=0.9), lambda p: p + 2),
    ("adam", lambda: keras.optimizers.Adam(), lambda p: 2 * p + 2),
    ("adamw", lambda: keras.optimizers.AdamW(), lambda p: 2 * p + 2),
    ("adamax", lambda: keras.optimizers.Adamax(), lambda p: 2 * p + 2),
    ("adadelta", lambda: keras.optimizers.Adadelta(), lambda p: 2 * p + 2),
    ("rmsprop", lambda: keras.optimizers.RMSprop(), lambda p: p + 2),
    ("adagrad", lambda: keras.optimizers.Adagrad(), lambda p: p + 2),
    ("nadam", lambda: keras.optimizers.Nadam(), lambda p: 2 * p + 3),
    ("ftrl", lambda: keras.optimizers.Ftrl(), lambda p: 2 * p + 2),
    ("lion", lambda: keras.optimizers.Lion(), lambda p: p + 2),
    ("lamb", lambda: keras.optimizers.Lamb(), lambda p: 2 * p + 2),
]


@pytest.mark.parametrize("name,factory,count", COUNT_CASES, ids=[c[0] for c in COUNT_CASES])
def test_optimizer_params_in_summary(name, factory, count):
    x, y, w0 = make_data(seed=12)
    model = make_model(factory(), w0)
    assert "Optimizer params" not in _summary_text(model)
    model.train_on_batch(x, y)
    p = _p(model)
    assert p == D * U + U
    n = count(p)
    assert model.optimizer.count_params() == n
    text = _summary_text(model)
    lines = text.splitlines()
    assert f" Optimizer params: {n:,} ({_size(n, 1)})" in lines
    assert f" Total params: {p + n:,} ({_size(p + n, 1)})" in lines
    assert f" Trainable params: {p:,} ({_size(p)})" in lines


def test_summary_optimizer_line_195_params_adam():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.Adam(), loss="mse")
    rng = np.random.default_rng(13)
    x = rng.normal(size=(20, 8)).astype(np.float32)
    y = rng.normal(size=(20, 3)).astype(np.float32)
    before = _summary_text(model).splitlines()
    assert " Total params: 195 (780.00 B)" in before
    assert not any("Optimizer params" in line for line in before)
    model.fit(x, y, epochs=1, verbose=0)
    lines = _summary_text(model).splitlines()
    assert " Optimizer params: 392 (1.54 KB)" in lines  # as Keras 3.15.1 prints them
    assert " Total params: 587 (2.30 KB)" in lines
    assert " Trainable params: 195 (780.00 B)" in lines
    assert lines[-1] == " Optimizer params: 392 (1.54 KB)"


def test_one_optimizer_compiled_into_two_models_of_other_sizes_is_refused():
    """Its slots are sized for the model that built it: the other model once wrote past them."""
    import densekit
    from densekit import layers as L

    rng = np.random.default_rng(0)
    opt = densekit.optimizers.Adam()
    small = densekit.Sequential([densekit.Input((4,)), L.Dense(2)])
    big = densekit.Sequential([densekit.Input((4,)), L.Dense(64), L.Dense(2)])
    small.compile(optimizer=opt, loss="mse")
    big.compile(optimizer=opt, loss="mse")
    x, y = rng.normal(size=(8, 4)).astype("float32"), rng.normal(size=(8, 2)).astype("float32")
    small.fit(x, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="only be used for the variables it was originally built with"):
        big.fit(x, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="originally built with"):
        big.train_on_batch(x, y)


def test_adamw_is_adam_with_keras_positional_order():
    opt = keras.optimizers.AdamW(0.01, 0.1, 0.8, 0.99, 1e-6, True)
    assert isinstance(opt, keras.optimizers.Adam)
    config = opt.get_config()
    assert (config["learning_rate"], config["weight_decay"], config["beta_1"], config["beta_2"], config["epsilon"],
            config["amsgrad"]) == pytest.approx((0.01, 0.1, 0.8, 0.99, 1e-6, True))


def test_arguments_are_attributes_as_in_keras():
    adam = keras.optimizers.Adam(beta_1=0.8, clipnorm=1.0)
    assert (adam.beta_1, adam.beta_2, adam.epsilon, adam.amsgrad) == (0.8, 0.999, 1e-7, False)
    assert (adam.clipnorm, adam.weight_decay, adam.global_clipnorm) == (1.0, None, None)
    sgd = keras.optimizers.SGD(momentum=0.9, nesterov=True)
    assert (sgd.momentum, sgd.nesterov) == (0.9, True)
    assert keras.optimizers.AdamW().weight_decay == 0.004 and keras.optimizers.RMSprop().rho == 0.9
    with pytest.raises(AttributeError, match="'Adam' object has no attribute 'beta_3'"):
        adam.beta_3


# Each optimizer's own arguments (Keras's signatures, keras/src/optimizers/*.py), then the common
# ones in base_optimizer.py's order: weight_decay (AdamW: second), clipnorm, clipvalue,
# global_clipnorm, use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
# gradient_accumulation_steps, name.
OWN_POSITIONAL = {
    "SGD": {"momentum": 0.5, "nesterov": True},
    "RMSprop": {"rho": 0.8, "momentum": 0.1, "epsilon": 1e-6, "centered": True},
    "Adam": {"beta_1": 0.8, "beta_2": 0.9, "epsilon": 1e-6, "amsgrad": True},
    "Adadelta": {"rho": 0.9, "epsilon": 1e-6},
    "Adagrad": {"initial_accumulator_value": 0.2, "epsilon": 1e-6},
    "Adamax": {"beta_1": 0.8, "beta_2": 0.9, "epsilon": 1e-6},
    "Nadam": {"beta_1": 0.8, "beta_2": 0.9, "epsilon": 1e-6},
    "Ftrl": {"learning_rate_power": -0.4, "initial_accumulator_value": 0.2, "l1_regularization_strength": 0.01,
             "l2_regularization_strength": 0.02, "l2_shrinkage_regularization_strength": 0.03, "beta": 0.1},
    "Lion": {"beta_1": 0.8, "beta_2": 0.9},
    "Lamb": {"beta_1": 0.8, "beta_2": 0.9, "epsilon": 1e-6},
    "AdamW": {"weight_decay": 0.001, "beta_1": 0.8, "beta_2": 0.9, "epsilon": 1e-6, "amsgrad": True},
}


@pytest.mark.parametrize("name", sorted(OWN_POSITIONAL))
def test_every_argument_may_be_given_positionally_in_kerass_order(name):
    own = OWN_POSITIONAL[name]
    common = {"weight_decay": 0.001, "clipnorm": 1.5, "clipvalue": None, "global_clipnorm": None, "use_ema": True,
              "ema_momentum": 0.9, "ema_overwrite_frequency": 3, "loss_scale_factor": None,
              "gradient_accumulation_steps": 2, "name": "mine"}
    if name == "AdamW":
        del common["weight_decay"]
    cls = getattr(keras.optimizers, name)
    config = cls(0.02, *own.values(), *common.values()).get_config()
    assert {key: config[key] for key in [*own, *common]} == pytest.approx({**own, **common})
    with pytest.raises(TypeError, match="positional argument"):
        cls(0.02, *own.values(), *common.values(), "one too many")


def _trained_weights(optimizer, change=None):
    x, y, weights = make_data()
    model = make_model(optimizer, weights)
    if change is not None:
        change(optimizer)
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    return model.get_weights()


@pytest.mark.parametrize("attribute, value, make", [
    ("momentum", 0.9, lambda **kw: keras.optimizers.SGD(0.1, **kw)),
    ("clipnorm", 0.01, lambda **kw: keras.optimizers.SGD(0.1, **kw)),
    ("weight_decay", 0.5, lambda **kw: keras.optimizers.SGD(0.1, **kw)),
    ("beta_1", 0.5, lambda **kw: keras.optimizers.Adam(0.01, **kw)),
    ("use_ema", True, lambda **kw: keras.optimizers.Adam(0.01, **kw))])
@pytest.mark.parametrize("when", ["before compile", "after compile"])
def test_a_hyperparameter_set_as_an_attribute_before_training_is_used(attribute, value, make, when):
    """Keras's update reads its hyperparameters from the attributes; they were ignored here
    (read back as set, while training used the constructor's)."""
    expected = _trained_weights(make(**{attribute: value}))
    optimizer = make()
    if when == "before compile":
        setattr(optimizer, attribute, value)
        got = _trained_weights(optimizer)
    else:
        got = _trained_weights(optimizer, lambda o: setattr(o, attribute, value))
    assert getattr(optimizer, attribute) == value and optimizer.get_config()[attribute] == value
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)


def test_a_hyperparameter_set_after_training_or_out_of_range_is_refused():
    optimizer = keras.optimizers.SGD(0.1)
    with pytest.raises(ValueError, match="momentum"):
        optimizer.momentum = 1.5
    assert optimizer.momentum == 0.0
    _trained_weights(optimizer)
    with pytest.raises(ValueError, match="`momentum` cannot change once the optimizer has taken a training step"):
        optimizer.momentum = 0.9
    assert optimizer.momentum == 0.0


def test_integer_and_zero_clipping_and_decay_arguments_are_taken_as_keras_takes_them():
    """Keras writes `clipnorm: 1` in configs, and treats a clipping argument of 0 as no clipping."""
    assert keras.optimizers.Adam(clipnorm=1).clipnorm == 1.0
    assert keras.optimizers.AdamW(weight_decay=0).weight_decay == 0.0
    assert keras.optimizers.deserialize({"class_name": "SGD", "config": {"global_clipnorm": 2}}).global_clipnorm == 2.0
    plain = _trained_weights(keras.optimizers.SGD(0.1))
    for argument in ("clipnorm", "clipvalue", "global_clipnorm"):
        for g, e in zip(_trained_weights(keras.optimizers.SGD(0.1, **{argument: 0.0})), plain):
            np.testing.assert_array_equal(g, e)


def test_a_refused_hyperparameter_change_leaves_the_optimizer_and_its_models_as_they_were(monkeypatch):
    """A model that cannot take the new update (one running fit in another thread refuses a
    compile) undoes the change; an iteration count assigned before training stays."""
    x, y, weights = make_data()
    first, second = make_model(keras.optimizers.SGD(0.1), weights), make_model("sgd", weights)
    optimizer = first.optimizer
    second.compile(optimizer, "mse")
    optimizer.iterations.assign(100)
    core = optimizer._core
    monkeypatch.setattr(second, "_apply_compile", lambda: (_ for _ in ()).throw(RuntimeError("running")))
    with pytest.raises(RuntimeError, match="running"):
        optimizer.momentum = 0.9
    assert optimizer._core is core and optimizer.momentum == 0.0 and optimizer.get_config()["momentum"] == 0.0
    monkeypatch.undo()
    optimizer.momentum = 0.9
    assert int(optimizer.iterations) == 100 and optimizer.get_config()["momentum"] == 0.9
