"""add_loss in a traced call (the guide's ActivityRegularizationLayer and the VAE's KL term) and
random draws inside a traced call (its Sampling layer): AddLoss and RandomDraw nodes of the C++
graph, checked against float64 NumPy."""

import numpy as np
import pytest

import densekit as keras
from densekit import layers, ops


class ActivityRegularizationLayer(keras.layers.Layer):
    def __init__(self, rate=1e-2):
        super().__init__()
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * ops.mean(inputs))
        return inputs


class SquaredSum(keras.layers.Layer):  # sum over the batch, minus a constant, and two terms at once
    def call(self, inputs):
        self.add_loss(0.1 * ops.sum(ops.square(inputs)) - 1.0 + 0.5 * ops.mean(inputs))
        return inputs


class Sampling(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch = ops.shape(z_mean)[0]
        dim = ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


class Encoder(layers.Layer):
    def __init__(self, latent_dim=32, intermediate_dim=64, name="encoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
        self.dense_mean = layers.Dense(latent_dim)
        self.dense_log_var = layers.Dense(latent_dim)
        self.sampling = Sampling()

    def call(self, inputs):
        x = self.dense_proj(inputs)
        z_mean = self.dense_mean(x)
        z_log_var = self.dense_log_var(x)
        z = self.sampling((z_mean, z_log_var))
        return z_mean, z_log_var, z


class Decoder(layers.Layer):
    def __init__(self, original_dim, intermediate_dim=64, name="decoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
        self.dense_output = layers.Dense(original_dim, activation="sigmoid")

    def call(self, inputs):
        return self.dense_output(self.dense_proj(inputs))


class VariationalAutoEncoder(keras.Model):
    def __init__(self, original_dim, intermediate_dim=64, latent_dim=32, name="autoencoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.original_dim = original_dim
        self.encoder = Encoder(latent_dim=latent_dim, intermediate_dim=intermediate_dim)
        self.decoder = Decoder(original_dim, intermediate_dim=intermediate_dim)

    def call(self, inputs):
        z_mean, z_log_var, z = self.encoder(inputs)
        reconstructed = self.decoder(z)
        kl_loss = -0.5 * ops.mean(z_log_var - ops.square(z_mean) - ops.exp(z_log_var) + 1)
        self.add_loss(kl_loss)
        return reconstructed


def _functional(regularizer, rate=None):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8,))
    hidden = layers.Dense(4, name="hidden")(inputs)
    reg = regularizer() if rate is None else regularizer(rate)
    return keras.Model(inputs, layers.Dense(1, name="out")(reg(hidden))), keras.Model(inputs, hidden)


def _data(n=48):
    rng = np.random.default_rng(1)
    return rng.normal(size=(n, 8)).astype("float32"), rng.normal(size=(n, 1)).astype("float32")


# ops.convert_to_tensor(0.5) is a number as an array: it scales the term as 0.5 does.
@pytest.mark.parametrize("rate", [0.5, ops.convert_to_tensor(0.5)], ids=["number", "zero_dimensional_array"])
def test_activity_regularization_adds_its_term_to_the_reported_loss(rate):
    model, hidden = _functional(ActivityRegularizationLayer, rate)
    assert "AddLoss" in [type(layer).__name__ for layer in model.layers]
    x, y = _data()
    model.compile("sgd", "mse")
    h = hidden.predict(x, verbose=0).astype(np.float64)
    p = model.predict(x, verbose=0).astype(np.float64)
    expected = np.mean((p - y) ** 2) + 0.5 * h.mean()
    assert model.evaluate(x, y, batch_size=len(x), verbose=0) == pytest.approx(expected, rel=1e-5)


def test_sums_constants_and_several_terms_are_kept():
    model, hidden = _functional(SquaredSum)
    x, y = _data()
    model.compile("sgd", "mse")
    h = hidden.predict(x, verbose=0).astype(np.float64)
    p = model.predict(x, verbose=0).astype(np.float64)
    expected = np.mean((p - y) ** 2) + 0.1 * np.sum(h ** 2) - 1.0 + 0.5 * h.mean()
    assert model.evaluate(x, y, batch_size=len(x), verbose=0) == pytest.approx(expected, rel=1e-5)


def test_a_value_reduced_over_the_batch_is_refused_beside_tensors():
    # a tensor of values (x - ops.mean(x)) is refused with the message that says why
    inputs = keras.Input((3,))
    with pytest.raises(TypeError, match="can only be passed to add_loss"):
        inputs - ops.mean(inputs)
    with pytest.raises(ValueError, match="cannot be a value reduced over the whole batch"):
        keras.Model(inputs, ops.sum(inputs))


def test_the_added_term_has_its_gradient():
    # Only the added term depends on the hidden layer's bias through a path the output ignores:
    # mse is flat in it when the output layer's kernel is zero, so one SGD step moves the bias by
    # exactly rate / units (the gradient of rate · mean(h)).
    model, _ = _functional(ActivityRegularizationLayer, 0.5)
    out = model.get_layer("out")
    out.set_weights([np.zeros((4, 1), "float32"), np.zeros(1, "float32")])
    model.compile(keras.optimizers.SGD(1.0), "mse")
    x, y = _data()
    bias_before = model.get_layer("hidden").get_weights()[1].copy()
    model.train_on_batch(x, y)
    np.testing.assert_allclose(bias_before - model.get_layer("hidden").get_weights()[1], 0.5 / 4, rtol=1e-6)


def test_add_loss_refuses_a_per_sample_tensor():
    class PerSample(keras.layers.Layer):
        def call(self, inputs):
            self.add_loss(ops.square(inputs))
            return inputs

    with pytest.raises(ValueError, match="a loss is one number"):
        PerSample()(keras.Input((3,)))


def test_eager_add_loss_keeps_numbers_in_losses():
    layer = ActivityRegularizationLayer(0.1)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    layer(x)
    assert len(layer.losses) == 1 and float(layer.losses[0]) == pytest.approx(0.1 * x.mean())
    layer(x)  # each call replaces the last call's losses
    assert len(layer.losses) == 1


def test_random_draws_in_a_traced_call_are_fresh_normal_values_every_call():
    class Noise(keras.layers.Layer):
        def call(self, inputs):
            return inputs * 0.0 + 2.0 * keras.random.normal(shape=(ops.shape(inputs)[0], 4)) * 1.0

    keras.utils.set_random_seed(3)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, Noise()(inputs))
    x = np.zeros((4000, 4), "float32")
    first, second = model.predict(x, verbose=0), model.predict(x, verbose=0)
    assert not np.array_equal(first, second)
    assert abs(first.mean()) < 0.1 and first.std() == pytest.approx(2.0, rel=0.05)


def test_the_guides_vae_trains_with_its_kl_term():
    keras.utils.set_random_seed(4)
    x = np.random.default_rng(5).uniform(size=(256, 16)).astype("float32")
    vae = VariationalAutoEncoder(16, 16, 4)
    vae.compile(keras.optimizers.Adam(learning_rate=1e-2), loss=keras.losses.MeanSquaredError())
    losses = vae.fit(x, x, epochs=8, batch_size=32, verbose=0).history["loss"]
    assert losses[-1] < losses[0]
    # The reported loss is the reconstruction error plus the KL term, which is never negative.
    kl = [layer for layer in vae._network.layers if type(layer).__name__ == "AddLoss"]
    assert len(kl) == 1 and kl[0].scale == pytest.approx(-0.5)
    assert vae.evaluate(x, x, verbose=0) > 0.0


class LogisticEndpoint(keras.layers.Layer):
    """The guide's endpoint layer, unchanged: a built-in loss called on symbolic tensors."""

    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    def call(self, targets, logits, sample_weights=None):
        loss = self.loss_fn(targets, logits, sample_weights)
        self.add_loss(loss)
        return ops.softmax(logits)


def _endpoint_model():
    inputs = keras.Input(shape=(3,), name="inputs")
    targets = keras.Input(shape=(10,), name="targets")
    logits = keras.layers.Dense(10)(inputs)
    sample_weights = keras.Input(shape=(1,), name="sample_weights")
    preds = LogisticEndpoint(name="predictions")(targets, logits, sample_weights)
    return keras.Model(inputs=[inputs, targets, sample_weights], outputs=preds)


def _endpoint_data(n=8, seed=0):
    rng = np.random.default_rng(seed)
    return {"inputs": rng.random((n, 3)), "targets": rng.random((n, 10)), "sample_weights": rng.random((n, 1))}


def _bce_from_logits(t, z):
    return np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))


def test_the_guides_logistic_endpoint_trains_without_a_compiled_loss():
    model = _endpoint_model()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5))  # no loss argument
    data = _endpoint_data()
    kernel, bias = (w.astype(np.float64) for w in model.get_weights())
    x, t, w = (data[k].astype(np.float32).astype(np.float64) for k in ("inputs", "targets", "sample_weights"))
    z = x @ kernel + bias
    expected = np.mean(np.mean(_bce_from_logits(t, z), axis=-1) * w[:, 0])  # sum_over_batch_size
    logs = model.evaluate(data, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], expected, rtol=1e-5)
    # one SGD step: d loss / d z = w (sigmoid(z) - t) / (n * 10)
    dz = w * (1.0 / (1.0 + np.exp(-z)) - t) / (len(x) * 10)
    model.train_on_batch(data)
    np.testing.assert_allclose(model.get_weights()[0], kernel - 0.5 * x.T @ dz, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.get_weights()[1], bias - 0.5 * dz.sum(axis=0), rtol=1e-5, atol=1e-6)
    history = model.fit(data, epochs=3, verbose=0)
    assert history.history["loss"][-1] < logs["loss"]
    probabilities = model.predict(data, verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5)


def test_a_model_without_a_loss_saves_and_loads_with_its_loss_op(tmp_path):
    model = _endpoint_model()
    model.compile(optimizer="adam")
    data = _endpoint_data(seed=1)
    model.fit(data, epochs=1, verbose=0)
    path = str(tmp_path / "endpoint.dk")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.evaluate(data, verbose=0) == pytest.approx(model.evaluate(data, verbose=0), rel=1e-6)


def test_without_a_loss_or_losses_of_its_own_fit_still_asks_for_a_loss():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    model.compile(optimizer="adam")
    with pytest.raises(ValueError, match="No loss to compute"):
        model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)


def test_metrics_without_a_loss_still_need_targets():
    model = _endpoint_model()
    model.compile(optimizer="adam", metrics=["mae"])
    with pytest.raises(ValueError, match="Target data `y` is missing|metrics need targets"):
        model.fit(_endpoint_data(), epochs=1, verbose=0)


def test_built_in_losses_on_symbolic_tensors_follow_their_reduction():
    """sum and sum_over_batch_size; sparse labels, checked against their range; against NumPy."""
    class Endpoint(keras.layers.Layer):
        def __init__(self, loss, **kwargs):
            super().__init__(**kwargs)
            self.loss_fn = loss

        def call(self, targets, logits):
            self.add_loss(self.loss_fn(targets, logits))
            return logits

    rng = np.random.default_rng(2)
    x, labels = rng.normal(size=(6, 4)).astype("float32"), rng.integers(0, 3, size=(6, 1)).astype("float32")
    for loss, reduce in [(keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum"), np.sum),
                         (keras.losses.SparseCategoricalCrossentropy(from_logits=True), np.mean)]:
        inputs, targets = keras.Input((4,)), keras.Input((1,))
        dense = keras.layers.Dense(3)
        model = keras.Model([inputs, targets], Endpoint(loss)(targets, dense(inputs)))
        model.compile(optimizer="sgd")
        z = x.astype(np.float64) @ dense.get_weights()[0] + dense.get_weights()[1]
        log_softmax = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
        expected = reduce(-log_softmax[np.arange(6), labels[:, 0].astype(int)])
        np.testing.assert_allclose(model.evaluate([x, labels], verbose=0), expected, rtol=1e-5)
    with pytest.raises(ValueError, match="label|range|class"):
        model.evaluate([x, labels + 5], verbose=0)


class _Penalty(keras.layers.Layer):
    def call(self, x):
        self.add_loss(keras.ops.mean(keras.ops.square(x)))
        return x


class _SideLoss(keras.Model):  # a subclassed model whose call adds a loss from a side branch
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.d1 = keras.layers.Dense(3, kernel_initializer="ones")
        self.side = keras.layers.Dense(3, kernel_initializer="ones")
        self.d2 = keras.layers.Dense(2, kernel_initializer="ones")

    def call(self, x):
        h = self.d1(x)
        self.add_loss(keras.ops.mean(keras.ops.square(self.side(h))))
        return self.d2(h)


def _functional_with_penalty():
    ii = keras.Input((3,))
    hidden = keras.layers.Dense(3, kernel_initializer="ones")(ii)
    return keras.Model(ii, keras.layers.Dense(2, kernel_initializer="ones")(_Penalty()(hidden)))


@pytest.mark.parametrize("make, expected", [(_functional_with_penalty, 81.0 + 9.0), (_SideLoss, 81.0 + 81.0)])
def test_a_nested_models_added_losses_count_in_the_model_that_calls_it(make, expected):
    """Values from Keras 3.15.1: the MSE of outputs 9 is 81, the penalties 9 and 81. The model
    that called the nested one dropped them (81.0)."""
    x, y = np.ones((4, 3), np.float32), np.zeros((4, 2), np.float32)
    inner = make()
    i = keras.Input((3,))
    outer = keras.Model(i, inner(i))
    outer.compile("sgd", "mse")
    assert outer.evaluate(x, y, verbose=0) == pytest.approx(expected)


def test_a_model_built_on_its_data_may_add_its_only_loss():
    """trainer_test.py's test_internal_only_loss: a Sequential without an Input, compiled with no
    loss, whose layer adds one; fit said 'No loss to compute' before the model was built."""
    class SumLoss(keras.layers.Layer):
        def call(self, x):
            self.add_loss(keras.ops.sum(x))
            return x

    model = keras.Sequential([keras.layers.Dense(2), SumLoss(), keras.layers.Dense(1)])
    model.compile(optimizer="adam")
    history = model.fit(np.ones((16, 2)), np.zeros((16, 1)), batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    plain = keras.Sequential([keras.layers.Dense(2)])
    plain.compile(optimizer="adam")
    with pytest.raises(ValueError, match="No loss to compute"):
        plain.fit(np.ones((4, 2)), np.zeros((4, 2)), verbose=0)
