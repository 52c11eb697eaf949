"""How fit and evaluate lay out their figures as Keras 3.15.1 does (keras/src/trainers/trainer.py,
keras/src/utils/python_utils.py): History keys all sorted, the validation ones among the others;
evaluate's list with the per-output losses in a loss dict's order; validation arrays batched by
fit's own batch_size argument, else to cover every row in validation_steps batches."""

import numpy as np

import densekit as keras


def test_history_keys_are_sorted_with_the_validation_keys_among_them():
    rng = np.random.default_rng(0)
    x = rng.random((16, 3)).astype(np.float32)
    y = (x > 0.5).astype(np.float32)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy", metrics=["mae"], weighted_metrics=["mae"])
    history = model.fit(x, y, sample_weight=rng.random(16), epochs=1, batch_size=8, verbose=0,
                        validation_split=0.25)
    assert list(history.history) == ["loss", "mae", "val_loss", "val_mae", "val_weighted_mae", "weighted_mae"]


def test_evaluate_lists_the_output_losses_in_the_loss_dicts_order():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(12, 4)).astype(np.float32)
    targets = {"cls": rng.integers(0, 3, 12), "reg": rng.normal(size=(12, 2)).astype(np.float32)}
    inputs = keras.Input((4,))
    model = keras.Model(inputs, {"cls": keras.layers.Dense(3, activation="softmax", name="cls")(inputs),
                                 "reg": keras.layers.Dense(2, name="reg")(inputs)})
    for loss in ({"cls": "sparse_categorical_crossentropy", "reg": "mse"},
                 {"reg": "mse", "cls": "sparse_categorical_crossentropy"}):
        model.compile("sgd", loss=loss, metrics={"reg": ["mae"], "cls": ["accuracy"]})
        logs = model.evaluate(x, targets, verbose=0, return_dict=True)
        listed = model.evaluate(x, targets, verbose=0)
        assert listed[:3] == [logs["loss"]] + [logs[f"{name}_loss"] for name in loss]


def test_validation_steps_without_batch_size_covers_every_row():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(40, 4)).astype(np.float32), rng.normal(size=(40, 1)).astype(np.float32)
    x_val, y_val = rng.normal(size=(100, 4)).astype(np.float32), rng.normal(size=(100, 1)).astype(np.float32)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.0), "mse")  # nothing changes: val_loss is evaluate's figure
    every_row = model.evaluate(x_val, y_val, verbose=0)
    for fit_arguments in ({}, {"steps_per_epoch": 4}):
        history = model.fit(x, y, epochs=1, verbose=0, validation_data=(x_val, y_val), validation_steps=2,
                            **fit_arguments)
        assert history.history["val_loss"][0] == every_row  # batches of ceil(100 / 2) = 50 rows
    history = model.fit(x, y, batch_size=16, epochs=1, verbose=0, validation_data=(x_val, y_val), validation_steps=2)
    assert history.history["val_loss"][0] == model.evaluate(x_val[:32], y_val[:32], verbose=0)  # fit's batch_size


def test_metrics_names_gain_the_output_losses_once_the_model_has_run():
    rng = np.random.default_rng(3)
    x, classes, values = rng.normal(size=(12, 4)), rng.integers(0, 3, 12), rng.normal(size=(12, 2))
    inputs = keras.Input((4,))
    model = keras.Model(inputs, [keras.layers.Dense(3, activation="softmax", name="cls")(inputs),
                                 keras.layers.Dense(2, name="reg")(inputs)])
    model.compile("sgd", loss=["sparse_categorical_crossentropy", "mse"], metrics=[["accuracy"], ["mae"]])
    assert model.metrics_names == ["loss", "compile_metrics"]  # Keras 3.15.1's, before and after a run
    model.evaluate(x, [classes, values], verbose=0)
    assert model.metrics_names == ["loss", "compile_metrics", "cls_loss", "reg_loss"]
    model.compile("sgd", loss=["sparse_categorical_crossentropy", "mse"])  # (no metrics given: they stay, as in Keras)
    assert model.metrics_names == ["loss", "compile_metrics"]
