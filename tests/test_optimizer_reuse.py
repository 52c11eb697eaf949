"""One optimizer object given to several models. Keras builds an optimizer for the variables of
the first model that trains with it, and refuses it (ValueError at the first training step of
fit / train_on_batch) for any other variables; compile, evaluate and predict accept it. densekit
once let the second model train on the first one's moments and step count whenever the two had
as many weights (Keras 3.15, TensorFlow backend, gave the numbers below)."""

import numpy as np
import pytest

import densekit as keras

L = keras.layers
REFUSED = "originally built with"

X = np.random.RandomState(0).rand(32, 3).astype("float32")
Y = (X.sum(1, keepdims=True) > 1.5).astype("float32")
FRESH_ADAM_LOSSES = [4.392012, 0.492547]  # Keras: a fresh Adam(0.1) on make_model(), 2 epochs
SECOND_TWO_EPOCHS = [1.137163, 0.679434]  # Keras: the same model's next 2 epochs, Adam state kept


def make_model():
    return keras.Sequential([keras.Input((3,)), L.Dense(4, activation="tanh", kernel_initializer="ones"),
                             L.Dense(1, kernel_initializer="ones")])


def fit(model, epochs=2):
    return model.fit(X, Y, epochs=epochs, batch_size=8, verbose=0, shuffle=False).history["loss"]


def trained_with(opt):
    model = make_model()
    model.compile(optimizer=opt, loss="mse")
    np.testing.assert_allclose(fit(model), FRESH_ADAM_LOSSES, rtol=1e-4)
    return model


def test_a_second_model_cannot_train_with_an_optimizer_built_for_the_first():
    opt = keras.optimizers.Adam(0.1)
    trained_with(opt)
    other = make_model()
    other.compile(optimizer=opt, loss="mse")  # accepted, as in Keras
    before = other.get_weights()
    with pytest.raises(ValueError, match=REFUSED) as raised:
        fit(other)
    assert "Adam" in str(raised.value)  # says which optimizer to create anew
    with pytest.raises(ValueError, match=REFUSED):
        other.train_on_batch(X, Y)
    assert opt.iterations == 8
    for got, want in zip(other.get_weights(), before):
        np.testing.assert_array_equal(got, want)
    # Evaluating and predicting need no optimizer state (Keras allows both).
    other.evaluate(X, Y, verbose=0)
    other.predict(X, verbose=0)


def test_the_first_model_keeps_its_state_after_another_was_refused_and_after_recompiling():
    opt = keras.optimizers.Adam(0.1)
    model = trained_with(opt)
    other = make_model()
    other.compile(optimizer=opt, loss="mse")
    with pytest.raises(ValueError, match=REFUSED):
        fit(other)
    # Keras keeps the state when the same model is compiled again with the same optimizer.
    model.compile(optimizer=opt, loss="mse")
    assert model.optimizer is opt and opt.iterations == 8
    np.testing.assert_allclose(fit(model), SECOND_TWO_EPOCHS, rtol=1e-4)
    assert opt.iterations == 16


def test_an_optimizer_goes_to_whichever_model_trains_first():
    opt = keras.optimizers.Adam(0.1)
    never_trained = make_model()
    never_trained.compile(optimizer=opt, loss="mse")
    never_trained.evaluate(X, Y, verbose=0)  # builds nothing
    trained_with(opt)  # a fresh Adam's losses: nothing carried over
    with pytest.raises(ValueError, match=REFUSED):
        fit(never_trained)
    with pytest.raises(ValueError, match=REFUSED):
        never_trained.train_on_batch(X, Y)


def test_an_optimizer_built_by_load_weights_belongs_to_that_model(tmp_path):
    source = trained_with(keras.optimizers.Adam(0.1))
    path = str(tmp_path / "trained.weights.h5")
    source.save_weights(path)
    opt = keras.optimizers.Adam(0.1)
    loaded, other = make_model(), make_model()
    loaded.compile(optimizer=opt, loss="mse")
    other.compile(optimizer=opt, loss="mse")
    loaded.load_weights(path)  # the file carries the optimizer state: it builds `opt` for `loaded`
    assert opt.built and opt.iterations == 8
    with pytest.raises(ValueError, match=REFUSED):
        fit(other)
    np.testing.assert_allclose(fit(loaded), SECOND_TWO_EPOCHS, rtol=1e-4)


def test_a_loaded_models_optimizer_trains_it_on_and_no_other(tmp_path):
    path = str(tmp_path / "trained.keras")
    trained_with(keras.optimizers.Adam(0.1)).save(path)
    loaded = keras.models.load_model(path)
    assert loaded.optimizer.iterations == 8
    other = make_model()
    other.compile(optimizer=loaded.optimizer, loss="mse")
    with pytest.raises(ValueError, match=REFUSED):
        fit(other)
    np.testing.assert_allclose(fit(loaded), SECOND_TWO_EPOCHS, rtol=1e-4)
    assert loaded.optimizer.iterations == 16


def test_a_clone_needs_its_own_optimizer():
    model = trained_with(keras.optimizers.Adam(0.1))
    clone = keras.models.clone_model(model)
    clone.set_weights([np.ones_like(w) if w.ndim == 2 else np.zeros_like(w) for w in clone.get_weights()])
    clone.compile(optimizer=model.optimizer, loss="mse")
    with pytest.raises(ValueError, match=REFUSED):
        fit(clone)
    clone.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
    np.testing.assert_allclose(fit(clone), FRESH_ADAM_LOSSES, rtol=1e-4)


def test_replacing_a_layer_of_the_same_size_needs_a_new_optimizer():
    """Keras refuses the new layer's variables; densekit's slots would have applied the removed
    layer's moments to it."""
    opt = keras.optimizers.Adam(0.1)
    model = trained_with(opt)
    model.pop()
    model.add(L.Dense(1, kernel_initializer="ones"))
    model.compile(optimizer=opt, loss="mse")
    with pytest.raises(ValueError, match=REFUSED):
        fit(model)


def test_a_refused_compile_changes_nothing():
    """compile() from a callback during fit is refused (RuntimeError); before, the Python side had
    already taken the new optimizer and loss while C++ kept training with the old ones, so
    model.optimizer was an optimizer that never stepped. Same for an unknown loss name."""
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    y = x[:, :1] * 2
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    adam = model.optimizer
    refused = []

    class Recompile(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            try:
                self.model.compile(keras.optimizers.SGD(0.0), "mae")
            except RuntimeError as error:
                refused.append(str(error))

    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[Recompile()])
    assert len(refused) == 2 and refused[0].startswith("Cannot run compile()")
    assert model.optimizer is adam and model.loss == "mse" and adam.iterations == 4
    with pytest.raises(ValueError):
        model.compile("sgd", "no_such_loss")
    assert model.optimizer is adam and model.loss == "mse"
    assert model.get_compile_config()["loss"] == "mse"
