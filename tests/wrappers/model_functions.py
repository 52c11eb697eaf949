"""Model functions the wrapper tests share; a module of its own (not a test file) so that worker
processes of a parallel search can import them by name."""

import densekit as keras


def classifier(X, y, hidden=8, learning_rate=0.05, seed=0, loss="categorical_crossentropy", out_units=None,
               activation="softmax"):
    """Keras's dynamic model: input and output widths from X and the one-hot y. Seeded, so a fit
    is reproducible wherever it runs."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((X.shape[1],)),
        keras.layers.Dense(hidden, activation="relu"),
        keras.layers.Dense(out_units or y.shape[1], activation=activation),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=["accuracy"])
    return model


def regressor(X, y, hidden=8, learning_rate=0.01, seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((X.shape[1],)),
        keras.layers.Dense(hidden, activation="relu"),
        keras.layers.Dense(y.shape[1]),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    return model


def build_model(n_hidden=1, n_neurons=30, learning_rate=3e-3, input_shape=[3]):
    """The hyperparameter-search slides' build_fn (tf.keras 2.x), seeded here for the tests; the
    slides' SGD(lr=...) is spelled learning_rate=, which Keras 3 requires."""
    keras.utils.set_random_seed(0)
    model = keras.models.Sequential()
    model.add(keras.layers.InputLayer(input_shape=input_shape))
    for layer in range(n_hidden):
        model.add(keras.layers.Dense(n_neurons, activation="relu"))
    model.add(keras.layers.Dense(1))
    optimizer = keras.optimizers.SGD(learning_rate=learning_rate)
    model.compile(loss="mse", optimizer=optimizer)
    return model


def classifier_legacy(hidden=8, learning_rate=0.05, n_features=4, n_classes=3):
    """A build_fn for the tf.keras 2.x KerasClassifier: its arguments are sk_params."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((n_features,)),
        keras.layers.Dense(hidden, activation="relu"),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
