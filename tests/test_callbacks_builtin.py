"""The built-in callbacks (keras/src/callbacks/): EarlyStopping, ModelCheckpoint, CSVLogger,
TerminateOnNaN, History, SwapEMAWeights and BackupAndRestore, with their printed messages."""

import csv
import json
import os
import zipfile

import numpy as np
import pytest

import densekit as keras
from densekit import layers

from callback_helpers import data, scripted, small_model
from file_helpers import requires_h5py

class WeightsPerEpoch(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


def early_stopping_run(values, capsys=None, epochs=None, **kwargs):
    x, y = data(40)
    model = small_model()
    per_epoch = WeightsPerEpoch()
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", **kwargs)
    history = model.fit(x, y, epochs=epochs or len(values), verbose=0,
                        callbacks=[scripted("val_loss", values), per_epoch, stopper])
    return model, history, per_epoch.weights, stopper


def assert_weights_equal(a, b):
    assert len(a) == len(b)
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p, q)


def test_early_stopping_stops_after_patience_epochs_without_improvement(capsys):
    model, history, weights, stopper = early_stopping_run([1.0, 0.8, 0.9, 0.85, 0.81, 0.7, 0.6], patience=3,
                                                          verbose=1)
    assert history.epoch == [0, 1, 2, 3, 4]
    assert stopper.stopped_epoch == 4 and stopper.best == 0.8 and stopper.best_epoch == 1
    assert capsys.readouterr().out == "Epoch 5: early stopping\n"
    assert_weights_equal(model.get_weights(), weights[-1])  # restore_best_weights=False


def test_early_stopping_patience_zero_never_stops_on_epoch_zero():
    _, history, _, _ = early_stopping_run([1.0, 2.0, 3.0], patience=0)
    assert history.epoch == [0, 1]


def test_early_stopping_restores_best_weights_when_stopping(capsys):
    model, history, weights, stopper = early_stopping_run([1.0, 0.5, 0.9, 0.8, 0.7], patience=2, verbose=1,
                                                          restore_best_weights=True)
    assert history.epoch == [0, 1, 2, 3]
    assert capsys.readouterr().out == ("Epoch 4: early stopping\n"
                                       "Restoring model weights from the end of the best epoch: 2.\n")
    assert_weights_equal(model.get_weights(), weights[1])


def test_early_stopping_restores_best_weights_even_when_training_completes(capsys):
    model, history, weights, stopper = early_stopping_run([1.0, 0.5, 0.9, 0.8], patience=5, verbose=1,
                                                          restore_best_weights=True)
    assert history.epoch == [0, 1, 2, 3] and stopper.stopped_epoch == 0
    assert capsys.readouterr().out == "Restoring model weights from the end of the best epoch: 2.\n"
    assert_weights_equal(model.get_weights(), weights[1])
    assert not np.array_equal(model.get_weights()[0], weights[-1][0])


def test_early_stopping_min_delta_and_mode_max():
    # improvements smaller than min_delta do not count
    _, history, _, stopper = early_stopping_run([1.0, 0.95, 0.92, 0.91, 0.5], patience=2, min_delta=0.1)
    assert history.epoch == [0, 1, 2] and stopper.best == 1.0
    _, history, _, _ = early_stopping_run([0.1, 0.2, 0.3, 0.3, 0.3, 0.3], patience=2, mode="max")
    assert history.epoch == [0, 1, 2, 3, 4]


def test_early_stopping_baseline():
    # never better than the baseline: the wait is not reset by improvements, so it stops after
    # `patience` non-improving epochs counted from the start, restoring the best one seen
    model, history, weights, stopper = early_stopping_run([0.9, 0.8, 0.85, 0.7], patience=2, baseline=0.5,
                                                          restore_best_weights=True)
    assert history.epoch == [0, 1, 2] and stopper.wait == 3
    assert stopper.best == 0.8 and stopper.best_epoch == 1
    assert_weights_equal(model.get_weights(), weights[1])
    # beating the baseline resets the wait
    _, history, _, _ = early_stopping_run([0.9, 0.4, 0.45, 0.3, 0.35, 0.36, 0.37], patience=2, baseline=0.5)
    assert history.epoch == [0, 1, 2, 3, 4, 5]


def test_early_stopping_start_from_epoch():
    _, history, _, stopper = early_stopping_run([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], patience=1, start_from_epoch=3)
    assert history.epoch == [0, 1, 2, 3, 4] and stopper.best == 4.0
    model, history, weights, stopper = early_stopping_run([0.1, 2.0, 3.0, 4.0, 5.0], patience=10, start_from_epoch=2,
                                                          restore_best_weights=True)
    assert stopper.best_epoch == 2  # epoch 0's better value was never monitored
    assert_weights_equal(model.get_weights(), weights[2])


def test_early_stopping_is_reusable_and_warns_on_missing_monitor():
    x, y = data(40)
    model = small_model()
    stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=0)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[scripted("loss", [1.0, 2.0]), stopper])
    assert stopper.stopped_epoch == 1
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[scripted("loss", [5.0, 4.0, 3.0]), stopper])
    assert history.epoch == [0, 1, 2] and stopper.stopped_epoch == 0 and stopper.best == 3.0
    with pytest.warns(UserWarning, match="Early stopping conditioned on metric `val_loss` which is not available. "
                                         "Available metrics are: accuracy,loss"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.EarlyStopping()])


def test_early_stopping_on_real_training(breast_cancer):
    x_train, x_test, y_train, y_test = breast_cancer
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((30,)), layers.Dense(16, activation="relu"),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    per_epoch = WeightsPerEpoch()
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    history = model.fit(x_train, y_train, epochs=200, batch_size=32, verbose=0, validation_data=(x_test, y_test),
                        callbacks=[per_epoch, stopper])
    assert len(history.epoch) < 200
    best = int(np.argmin(history.history["val_loss"]))
    assert stopper.best_epoch == best and len(history.epoch) == best + 4
    assert_weights_equal(model.get_weights(), per_epoch.weights[best])
    assert model.evaluate(x_test, y_test, verbose=0)[0] == pytest.approx(history.history["val_loss"][best], rel=1e-6)


# --------------------------------------------------------------------------------------------
# ModelCheckpoint
# --------------------------------------------------------------------------------------------

@requires_h5py
def test_model_checkpoint_best_only_writes_on_improvement_and_reloads(tmp_path, capsys):
    x, y = data(60)
    model = small_model()
    path = str(tmp_path / "ckpt" / "m-{epoch:02d}-{val_loss:.2f}.keras")
    values = [0.9, 0.7, 0.8, 0.6, 0.65]
    cb = keras.callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=True, verbose=1)
    per_epoch = WeightsPerEpoch()
    model.fit(x, y, epochs=5, verbose=0, validation_data=(x, y),
              callbacks=[scripted("val_loss", values), per_epoch, cb])
    assert sorted(os.listdir(tmp_path / "ckpt")) == ["m-01-0.90.keras", "m-02-0.70.keras", "m-04-0.60.keras"]
    out = capsys.readouterr().out
    p = lambda name: str(tmp_path / "ckpt" / name)  # noqa: E731
    assert out == (f"\nEpoch 1: val_loss improved from None to 0.90000, saving model to {p('m-01-0.90.keras')}\n"
                   f"\nEpoch 1: finished saving model to {p('m-01-0.90.keras')}\n"
                   f"\nEpoch 2: val_loss improved from 0.90000 to 0.70000, saving model to {p('m-02-0.70.keras')}\n"
                   f"\nEpoch 2: finished saving model to {p('m-02-0.70.keras')}\n"
                   "\nEpoch 3: val_loss did not improve from 0.70000\n"
                   f"\nEpoch 4: val_loss improved from 0.70000 to 0.60000, saving model to {p('m-04-0.60.keras')}\n"
                   f"\nEpoch 4: finished saving model to {p('m-04-0.60.keras')}\n"
                   "\nEpoch 5: val_loss did not improve from 0.60000\n")
    loaded = keras.models.load_model(p("m-04-0.60.keras"))
    assert_weights_equal(loaded.get_weights(), per_epoch.weights[3])


@requires_h5py
def test_model_checkpoint_file_reloads_to_the_logged_val_loss(tmp_path):
    x, y = data(80)
    model = small_model()
    path = str(tmp_path / "best.keras")
    history = model.fit(x[:60], y[:60], epochs=6, verbose=0, validation_data=(x[60:], y[60:]),
                        callbacks=[keras.callbacks.ModelCheckpoint(path, save_best_only=True)])
    loaded = keras.models.load_model(path)
    best = min(history.history["val_loss"])
    assert loaded.evaluate(x[60:], y[60:], verbose=0)[0] == pytest.approx(best, rel=1e-6)
    with zipfile.ZipFile(path) as archive:  # a .keras path gets a Keras 3 archive
        assert json.loads(archive.read("config.json"))["class_name"] == "Sequential"


@requires_h5py
def test_model_checkpoint_every_epoch_weights_only_and_initial_threshold(tmp_path, capsys):
    x, y = data(40)
    model = small_model()
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "w{epoch}.weights.h5"), save_weights_only=True, verbose=1,
                                         monitor="loss")
    per_epoch = WeightsPerEpoch()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[per_epoch, cb])
    assert sorted(os.listdir(tmp_path)) == ["w1.weights.h5", "w2.weights.h5"]
    out = capsys.readouterr().out
    assert out.startswith(f"\nEpoch 1: saving model to {tmp_path / 'w1.weights.h5'}\n")
    other = small_model()
    other.load_weights(str(tmp_path / "w1.weights.h5"))
    assert_weights_equal(other.get_weights(), per_epoch.weights[0])
    # nothing beats the initial threshold: nothing is written
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "t.keras"), monitor="loss", save_best_only=True,
                                         initial_value_threshold=0.0)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[cb])
    assert not (tmp_path / "t.keras").exists()
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "acc.keras"), monitor="accuracy", save_best_only=True,
                                         mode="max", verbose=1)
    model.fit(x, y, epochs=3, verbose=0, callbacks=[scripted("accuracy", [0.5, 0.4, 0.6]), cb])
    assert "accuracy did not improve from 0.50000" in capsys.readouterr().out


@requires_h5py
def test_model_checkpoint_batch_frequency_and_batch_template(tmp_path):
    x, y = data(50)
    model = small_model()
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "e{epoch}-b{batch}.keras"), save_freq=3)
    model.fit(x, y, batch_size=10, epochs=2, verbose=0, callbacks=[cb])  # 5 batches per epoch: saves after 3, 6, 9
    assert sorted(os.listdir(tmp_path)) == ["e1-b3.keras", "e2-b1.keras", "e2-b4.keras"]


@requires_h5py
def test_model_checkpoint_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="the filepath provided must end in `.weights.h5`"):
        keras.callbacks.ModelCheckpoint("w.keras", save_weights_only=True)
    with pytest.raises(ValueError, match="The filepath provided must end in `.keras`"):
        keras.callbacks.ModelCheckpoint("model.dk")
    with pytest.raises(ValueError, match="Unrecognized save_freq: batch"):
        keras.callbacks.ModelCheckpoint("m.keras", save_freq="batch")
    x, y = data(20)
    model = small_model()
    with pytest.raises(KeyError, match=r'Failed to format this callback filepath: ".*m-\{val_auc\}.keras". Reason: '):
        model.fit(x, y, epochs=1, verbose=0,
                  callbacks=[keras.callbacks.ModelCheckpoint(str(tmp_path / "m-{val_auc}.keras"))])
    with pytest.warns(UserWarning, match="Can save best model only with val_loss available."):
        model.fit(x, y, epochs=1, verbose=0,
                  callbacks=[keras.callbacks.ModelCheckpoint(str(tmp_path / "w.keras"), save_best_only=True)])
    assert (tmp_path / "w.keras").exists()
    (tmp_path / "dir.keras").mkdir()
    with pytest.raises(IOError, match="Please specify a non-directory filepath for ModelCheckpoint"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.ModelCheckpoint(str(tmp_path / "dir.keras"))])


def test_model_checkpoint_best_only_with_an_array_monitor_saves_every_epoch(tmp_path):
    x, y = data(20)
    model = small_model()
    arrays = scripted("val_loss", [np.array([1.0, 2.0]), np.array([3.0, 2.0])])
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "m{epoch}.h5"), save_best_only=True)
    with pytest.warns(UserWarning) as record:
        model.fit(x, y, epochs=2, verbose=0, callbacks=[arrays, cb])
    assert [str(w.message) for w in record if "scalar" in str(w.message)] == [
        "Can save best model only when `monitor` is a scalar value. Received: [1. 2.]. Falling back to "
        "`save_best_only=False`.",
        "Can save best model only when `monitor` is a scalar value. Received: [3. 2.]. Falling back to "
        "`save_best_only=False`."]
    assert sorted(os.listdir(tmp_path)) == ["m1.h5", "m2.h5"]  # even the worse second epoch
    assert cb.best is None


@pytest.mark.parametrize("save_freq", [True, False])
def test_model_checkpoint_save_freq_bool_saves_every_batch_as_in_keras(tmp_path, save_freq):
    x, y = data(40)
    model = small_model()
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "e{epoch}-b{batch}.h5"), save_freq=save_freq)
    model.fit(x, y, batch_size=20, epochs=2, verbose=0, callbacks=[cb])
    assert sorted(os.listdir(tmp_path)) == ["e1-b1.h5", "e1-b2.h5", "e2-b1.h5", "e2-b2.h5"]


# --------------------------------------------------------------------------------------------
# CSVLogger, TerminateOnNaN, History, ProgbarLogger
# --------------------------------------------------------------------------------------------

def test_csv_logger_matches_keras_format(tmp_path):
    x, y = data(40)
    model = small_model()
    path = tmp_path / "log.csv"
    history = model.fit(x, y, epochs=3, verbose=0, validation_data=(x, y), callbacks=[keras.callbacks.CSVLogger(path)])
    rows = path.read_text().splitlines()
    assert rows[0] == "epoch,accuracy,loss,val_accuracy,val_loss"
    assert len(rows) == 4
    for epoch, row in enumerate(rows[1:]):
        fields = row.split(",")
        assert fields[0] == str(epoch)
        assert fields[1:] == [repr(history.history[k][epoch]) for k in ("accuracy", "loss", "val_accuracy", "val_loss")]
    assert path.read_bytes().count(b"\r\n") == 4  # the csv module's excel dialect


def test_csv_logger_adds_val_columns_with_na_and_appends(tmp_path):
    x, y = data(40)
    model = small_model()
    path = tmp_path / "log.csv"
    model.fit(x, y, epochs=4, verbose=0, validation_data=(x, y), validation_freq=2,
              callbacks=[keras.callbacks.CSVLogger(str(path), separator=";")])
    rows = [r.split(";") for r in path.read_text().splitlines()]
    assert rows[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert [r[3:] for r in rows[1:]][0] == ["NA", "NA"] and rows[3][3:] == ["NA", "NA"]
    assert "NA" not in rows[2] and "NA" not in rows[4]
    model.fit(x, y, epochs=2, verbose=0, callbacks=[keras.callbacks.CSVLogger(str(path), separator=";", append=True)])
    rows = path.read_text().splitlines()
    assert len(rows) == 7 and rows[5].startswith("0;") and rows[5].endswith(";NA;NA")
    # without validation at all, Keras still writes val_ columns (all NA)
    fresh = tmp_path / "fresh.csv"
    model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.CSVLogger(str(fresh))])
    with open(fresh, newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"] and table[1][3:] == ["NA", "NA"]


def test_terminate_on_nan_stops_on_the_batch_that_produced_it(capsys):
    x = np.ones((60, 1), "float32")
    y = np.zeros((60, 1), "float32")
    y[25] = 1e30  # (1e30)² overflows float32: batch 2 (rows 20-29) makes the loss infinite
    model = keras.Sequential([keras.Input((1,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    losses = []
    record = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: losses.append(logs["loss"]))
    history = model.fit(x, y, batch_size=10, epochs=3, shuffle=False, verbose=0,
                        callbacks=[record, keras.callbacks.TerminateOnNaN()])
    assert len(losses) == 3 and np.isfinite(losses[:2]).all() and not np.isfinite(losses[2])
    assert capsys.readouterr().out == "Batch 2: Invalid loss, terminating training\n"
    assert history.epoch == [0] and model.optimizer.iterations == 3
    model = keras.Sequential([keras.Input((1,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 2. Loss value: inf. Terminating "
                                           "training immediately."):
        model.fit(x, y, batch_size=10, epochs=1, shuffle=False, verbose=0,
                  callbacks=[keras.callbacks.TerminateOnNaN(raise_error=True)])


def test_history_is_new_per_fit_and_on_the_model():
    x, y = data(40)
    model = small_model()
    h1 = model.fit(x, y, epochs=2, verbose=0)
    h2 = model.fit(x, y, epochs=3, initial_epoch=1, verbose=0)
    assert h1 is not h2 and model.history is h2
    assert h2.epoch == [1, 2] and len(h2.history["loss"]) == 2
    assert h2.params == {"verbose": 0, "epochs": 3, "steps": 2}


def flat(weights):
    return np.concatenate([w.ravel() for w in weights])


def test_swap_ema_weights_validates_with_the_averages_and_trains_on():
    x, y = data(60)
    model = small_model(optimizer=keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5))
    seen = {}

    class Peek(keras.callbacks.Callback):
        def on_test_begin(self, logs=None):  # after SwapEMAWeights swapped
            seen["model"] = flat(self.model.get_weights())
            seen["slot"] = self.model.optimizer._core.slot(0)  # SGD: the EMA averages are slot 0

        def on_epoch_end(self, epoch, logs=None):  # after the swap back
            seen["after"] = flat(self.model.get_weights())
            seen["slot_after"] = self.model.optimizer._core.slot(0)

    history = model.fit(x, y, batch_size=10, epochs=1, verbose=0, validation_data=(x, y),
                        callbacks=[keras.callbacks.SwapEMAWeights(), Peek()])
    # during validation the model holds the averages; the raw weights wait in the optimizer
    np.testing.assert_array_equal(seen["after"], seen["slot"])
    np.testing.assert_array_equal(seen["model"], seen["slot_after"])
    assert not np.array_equal(seen["model"], seen["after"])
    # the logged val_loss is the averaged weights' loss
    check = small_model()
    sizes = [w.size for w in check.get_weights()]
    parts = np.split(seen["model"], np.cumsum(sizes)[:-1])
    check.set_weights([p.reshape(w.shape) for p, w in zip(parts, check.get_weights())])
    assert check.evaluate(x, y, verbose=0)[0] == pytest.approx(history.history["val_loss"][0], rel=1e-6)
    plain = small_model(optimizer="sgd")
    with pytest.raises(ValueError, match="SwapEMAWeights must be used when `use_ema=True`"):
        plain.evaluate(x, y, verbose=0, callbacks=[keras.callbacks.SwapEMAWeights()])


# --------------------------------------------------------------------------------------------
# BackupAndRestore
# --------------------------------------------------------------------------------------------

class InterruptAt(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("Interrupting!")


def test_backup_and_restore_resumes_an_interrupted_fit_at_the_right_epoch(tmp_path):
    x, y = data(40)
    model = small_model()
    backup = tmp_path / "backup"
    per_epoch = WeightsPerEpoch()
    with pytest.raises(RuntimeError, match="Interrupting!"):
        model.fit(x, y, epochs=10, batch_size=10, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(str(backup)), per_epoch, InterruptAt(4)])
    assert json.loads((backup / "training_metadata.json").read_text()) == {"epoch": 4, "batch": 0}
    iterations = model.optimizer.iterations
    # a fresh process would rebuild the model: its weights and optimizer come from the backup
    again = small_model()
    again.fit(x[:1], y[:1], epochs=1, verbose=0)  # build the optimizer, then let the backup overwrite it
    seen = []
    peek = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: seen.append(again.get_weights()) if epoch == 4 else None)
    history = again.fit(x, y, epochs=10, batch_size=10, verbose=0,
                        callbacks=[peek, keras.callbacks.BackupAndRestore(str(backup))])
    assert history.epoch == [4, 5, 6, 7, 8, 9] and len(history.history["loss"]) == 6
    assert_weights_equal(seen[0], per_epoch.weights[3])
    assert again.optimizer.iterations == iterations + 6 * 4
    assert not backup.exists()  # deleted after a completed fit
    # the next fit starts from epoch 0 again
    assert again.fit(x, y, epochs=2, verbose=0).epoch == [0, 1]


def test_backup_and_restore_options(tmp_path):
    x, y = data(40)
    model = small_model()
    keep = tmp_path / "keep"
    model.fit(x, y, epochs=2, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(str(keep), delete_checkpoint=False)])
    assert json.loads((keep / "training_metadata.json").read_text()) == {"epoch": 2, "batch": 0}
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(str(keep))])
    assert history.epoch == [2]
    by_batch = tmp_path / "batches"
    with pytest.raises(RuntimeError):
        model.fit(x, y, epochs=3, batch_size=10, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(str(by_batch), save_freq=3), InterruptAt(2)])
    # saved after batches 3 and 6 (the second in epoch 1, whose index is then the epoch to redo)
    assert json.loads((by_batch / "training_metadata.json").read_text()) == {"epoch": 1, "batch": 1}
    with pytest.raises(ValueError, match="Empty `backup_dir` argument passed"):
        keras.callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="Invalid value for argument `save_freq`. Received: save_freq=batch"):
        keras.callbacks.BackupAndRestore(str(tmp_path), save_freq="batch")


def test_backup_and_restore_signature_is_keras_s():
    # the third positional argument is double_checkpoint, the fourth delete_checkpoint
    cb = keras.callbacks.BackupAndRestore("b", "epoch", True, False)
    assert (cb.save_freq, cb.double_checkpoint, cb.delete_checkpoint) == ("epoch", True, False)
    cb = keras.callbacks.BackupAndRestore("b", "epoch", False)
    assert (cb.double_checkpoint, cb.delete_checkpoint) == (False, True)
    assert keras.callbacks.BackupAndRestore("b").double_checkpoint is False
    # a bool is an integer to Keras: True and False save after every batch
    for save_freq in (True, False):
        assert keras.callbacks.BackupAndRestore("b", save_freq=save_freq).save_freq is save_freq


@pytest.mark.parametrize("save_freq", [True, False])
def test_backup_and_restore_save_freq_bool_backs_up_every_batch(tmp_path, save_freq):
    x, y = data(40)
    backup = tmp_path / "b"
    seen = []
    peek = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(json.loads((backup / "training_metadata.json").read_text())))
    small_model().fit(x, y, batch_size=20, epochs=2, verbose=0, callbacks=[
        keras.callbacks.BackupAndRestore(str(backup), save_freq=save_freq), peek])
    assert seen == [{"epoch": 0, "batch": 0}, {"epoch": 0, "batch": 1}, {"epoch": 1, "batch": 0},
                    {"epoch": 1, "batch": 1}]


def interrupted_backup(tmp_path, **kwargs):
    """A backup left by a fit interrupted before epoch index 3, and the weights after each epoch."""
    x, y = data(40)
    backup = tmp_path / "b"
    per_epoch = WeightsPerEpoch()
    with pytest.raises(RuntimeError):
        small_model().fit(x, y, epochs=5, verbose=0, callbacks=[
            keras.callbacks.BackupAndRestore(str(backup), **kwargs), per_epoch, InterruptAt(3)])
    return backup, per_epoch.weights


def backup_files(backup):
    return {p.name: p.read_bytes() for p in sorted(backup.iterdir())}


def test_backup_and_restore_keeps_one_backup_unless_double_checkpoint(tmp_path):
    backup, _ = interrupted_backup(tmp_path / "single")
    assert sorted(backup_files(backup)) == ["latest.weights.h5", "training_metadata.json"]
    backup, _ = interrupted_backup(tmp_path / "double", double_checkpoint=True)
    assert sorted(backup_files(backup)) == ["latest.weights.h5", "latest.weights.h5.bkp", "training_metadata.json",
                                            "training_metadata.json.bkp"]
    assert json.loads((backup / "training_metadata.json.bkp").read_text()) == {"epoch": 2, "batch": 0}


@pytest.mark.parametrize("damaged", ["latest.weights.h5", "training_metadata.json"])
def test_backup_and_restore_falls_back_to_the_previous_backup(tmp_path, damaged):
    x, y = data(40)
    backup, weights = interrupted_backup(tmp_path, double_checkpoint=True)
    (backup / damaged).write_bytes(b"{trunc")  # unreadable, e.g. a disk error
    model = small_model()
    seen = []
    history = model.fit(x, y, epochs=5, verbose=0, callbacks=[
        keras.callbacks.BackupAndRestore(str(backup), double_checkpoint=True, delete_checkpoint=False),
        keras.callbacks.LambdaCallback(on_train_begin=lambda logs: seen.append(model.get_weights()))])
    assert history.epoch == [2, 3, 4]  # the previous backup, taken after epoch index 1
    assert_weights_equal(seen[0], weights[1])
    assert json.loads((backup / "training_metadata.json").read_text()) == {"epoch": 5, "batch": 0}


def test_backup_and_restore_a_model_that_does_not_fit_changes_no_backup(tmp_path):
    # a fit started by mistake with another architecture: its error, and every backup file as
    # it was, so that the right model then resumes from the newest backup
    x, y = data(40)
    backup, weights = interrupted_backup(tmp_path, double_checkpoint=True)
    before = backup_files(backup)
    other = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dense(1)])
    other.compile("adam", "mse")
    with pytest.raises(OSError, match="latest.weights.h5"):
        other.fit(x, y, epochs=5, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(str(backup))])
    assert backup_files(backup) == before
    # so also when the newest is unreadable and the previous does not fit either
    (backup / "latest.weights.h5").write_bytes(b"trunc")
    before = backup_files(backup)
    with pytest.raises(OSError, match="truncated or empty file"):
        other.fit(x, y, epochs=5, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(str(backup))])
    assert backup_files(backup) == before
    # and without a previous backup the unreadable newest is an error, left as it is
    (backup / "latest.weights.h5.bkp").unlink()
    with pytest.raises(OSError, match="truncated or empty file"):
        small_model().fit(x, y, epochs=5, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(str(backup))])
    assert (backup / "latest.weights.h5").read_bytes() == b"trunc"
    # an intact backup: the right model resumes where the interrupted fit stopped
    backup, weights = interrupted_backup(tmp_path / "again")
    with pytest.raises(OSError):
        other.fit(x, y, epochs=5, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(str(backup))])
    model = small_model()
    seen = []
    history = model.fit(x, y, epochs=5, verbose=0, callbacks=[
        keras.callbacks.BackupAndRestore(str(backup)),
        keras.callbacks.LambdaCallback(on_train_begin=lambda logs: seen.append(model.get_weights()))])
    assert history.epoch == [3, 4]
    assert_weights_equal(seen[0], weights[2])


def test_backup_and_restore_needs_a_built_model(tmp_path):
    # fit builds a model from the data before any callback runs; called directly on an unbuilt
    # model the callback explains itself
    model = keras.Sequential([layers.Dense(1)])
    cb = keras.callbacks.BackupAndRestore(str(tmp_path / "b"))
    cb.set_model(model)
    with pytest.raises(ValueError, match="To use the BackupAndRestore callback, you model must be built"):
        cb.on_train_begin()
    model.compile(loss="mse")
    history = model.fit(np.ones((4, 3), "float32"), np.ones((4, 1), "float32"), verbose=0, callbacks=[cb])
    assert history.epoch == [0]


def test_swap_ema_weights_on_epoch_end_for_checkpoints(tmp_path):
    x, y = data(60)

    class Averages(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.averages = []

        def on_epoch_end(self, epoch, logs=None):
            self.averages.append(self.model.optimizer._core.slot(0))  # SGD: slot 0 holds the EMA

    def run(callbacks):
        keras.utils.set_random_seed(9)
        model = small_model(optimizer=keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5))
        per_epoch = WeightsPerEpoch()
        model.fit(x, y, batch_size=10, epochs=3, verbose=0, shuffle=False, callbacks=callbacks + [per_epoch])
        return model, per_epoch.weights

    averages = Averages()
    plain, _ = run([averages])
    swapped, seen = run([keras.callbacks.SwapEMAWeights(swap_on_epoch=True)])
    # callbacks after it see the EMA weights at each epoch end
    for epoch in range(3):
        np.testing.assert_array_equal(flat(seen[epoch]), averages.averages[epoch])
    # training is unchanged by the swaps, and fit still ends with the EMA weights
    assert_weights_equal(swapped.get_weights(), plain.get_weights())
    np.testing.assert_array_equal(flat(plain.get_weights()), averages.averages[-1])
