"""TensorBoard callback: the event files are read back with TensorBoard's own reader, and every tag,
step and value is checked against what fit, evaluate and the model report."""

import io
import json
import math
import sys
import warnings

import numpy as np
import pytest

import densekit as keras
from densekit import layers
from densekit.callbacks import CallbackList, tensorboard_events

from callback_helpers import data, small_model

pytest.importorskip("tensorboardX", reason='TensorBoard needs tensorboardX (pip install "densekit[tensorboard]")')
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator",
                                        reason="reading event files needs tensorboard")

X, Y = data(80)
VAL = (X[:20], Y[:20])
BATCH = 16
STEPS = math.ceil(len(X) / BATCH)  # 5 batches per epoch


def read(run_dir):
    """TensorBoard's view of one run directory (every event kept)."""
    acc = event_accumulator.EventAccumulator(str(run_dir), size_guidance={
        event_accumulator.SCALARS: 0, event_accumulator.HISTOGRAMS: 0, event_accumulator.TENSORS: 0,
        event_accumulator.IMAGES: 0})
    acc.Reload()
    return acc


def scalars(acc, tag):
    return [(e.step, e.value) for e in acc.Scalars(tag)]


def f32(values):
    return [float(np.float32(v)) for v in values]


class BatchLogs(keras.callbacks.Callback):
    """The running logs fit hands to on_train_batch_end, numbered from 1 across epochs."""

    def __init__(self):
        super().__init__()
        self.logs = []

    def on_train_batch_end(self, batch, logs=None):
        self.logs.append(dict(logs))


def test_epoch_scalars_have_keras_tags_steps_and_the_history_values(tmp_path):
    model = small_model()
    history = model.fit(X, Y, batch_size=BATCH, epochs=3, validation_data=VAL, verbose=0,
                        callbacks=[keras.callbacks.TensorBoard(tmp_path)])
    train, val = read(tmp_path / "train"), read(tmp_path / "validation")

    assert sorted(train.Tags()["scalars"]) == ["epoch_accuracy", "epoch_learning_rate", "epoch_loss"]
    for name in ("loss", "accuracy"):
        assert scalars(train, f"epoch_{name}") == list(zip([0, 1, 2], f32(history.history[name])))
    assert scalars(train, "epoch_learning_rate") == list(zip([0, 1, 2], f32([0.001] * 3)))
    assert train.Tags()["histograms"] == [] and train.Tags()["images"] == []

    assert sorted(val.Tags()["scalars"]) == ["epoch_accuracy", "epoch_loss", "evaluation_accuracy_vs_iterations",
                                             "evaluation_loss_vs_iterations"]
    iterations = [STEPS, 2 * STEPS, 3 * STEPS]  # the optimizer's step count after each epoch
    for name in ("loss", "accuracy"):
        assert scalars(val, f"epoch_{name}") == list(zip([0, 1, 2], f32(history.history[f"val_{name}"])))
        assert scalars(val, f"evaluation_{name}_vs_iterations") == list(zip(iterations,
                                                                             f32(history.history[f"val_{name}"])))


def test_epoch_learning_rate_follows_a_schedule_and_reduce_lr_on_plateau(tmp_path):
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    model = small_model(optimizer=keras.optimizers.SGD(schedule))
    model.fit(X, Y, batch_size=BATCH, epochs=2, verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path / "s")])
    # the rate of the step after each epoch, as optimizer.learning_rate reports it
    assert scalars(read(tmp_path / "s" / "train"), "epoch_learning_rate") == [
        (0, float(np.float32(0.1 * 0.5 ** STEPS))), (1, float(np.float32(0.1 * 0.5 ** (2 * STEPS))))]

    model = small_model(optimizer=keras.optimizers.SGD(0.1))
    # epoch 0 improves on the initial inf, then no epoch improves by 10: the rate halves at the end of epoch 1,
    # before TensorBoard (after it in the list) reads it
    plateau = keras.callbacks.ReduceLROnPlateau("loss", factor=0.5, patience=0, min_delta=10.0)
    model.fit(X, Y, batch_size=BATCH, epochs=3, verbose=0,
              callbacks=[plateau, keras.callbacks.TensorBoard(tmp_path / "p")])
    assert scalars(read(tmp_path / "p" / "train"), "epoch_learning_rate") == list(zip([0, 1, 2],
                                                                                     f32([0.1, 0.05, 0.025])))


def test_write_graph_writes_the_keras_json_that_the_graph_dashboard_draws(tmp_path):
    keras_util = pytest.importorskip("tensorboard.plugins.graph.keras_util")
    tensor_util = pytest.importorskip("tensorboard.util.tensor_util")
    model = small_model()
    model.fit(X, Y, batch_size=BATCH, epochs=1, verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path)])
    train = read(tmp_path / "train")
    assert train.Tags()["tensors"] == ["keras"]
    assert train.SummaryMetadata("keras").plugin_data.plugin_name == "graph_keras_model"
    (event,) = train.Tensors("keras")
    assert event.step == 0
    config = json.loads(tensor_util.make_ndarray(event.tensor_proto).item())
    assert config == json.loads(model.to_json())
    graph = keras_util.keras_model_to_graph_def(config)
    name = model.name
    assert [(n.name, list(n.input)) for n in graph.node] == [
        (f"{name}/input_layer", []), (f"{name}/dense", [f"{name}/input_layer"]), (f"{name}/dense_1", [f"{name}/dense"])]

    no_graph = keras.callbacks.TensorBoard(tmp_path / "nograph", write_graph=False)
    model.fit(X, Y, epochs=1, verbose=0, callbacks=[no_graph])
    assert read(tmp_path / "nograph" / "train").Tags()["tensors"] == []


def test_update_freq_writes_batch_scalars_every_n_batches_at_the_global_batch_number(tmp_path):
    model, seen = small_model(), BatchLogs()
    history = model.fit(X, Y, batch_size=BATCH, epochs=2, validation_data=VAL, verbose=0,
                        callbacks=[keras.callbacks.TensorBoard(tmp_path, update_freq=2), seen])
    train = read(tmp_path / "train")
    assert sorted(train.Tags()["scalars"]) == ["batch_accuracy", "batch_loss", "epoch_accuracy",
                                               "epoch_learning_rate", "epoch_loss"]
    steps = [2, 4, 6, 8, 10]  # 10 batches in 2 epochs of 5: the count runs on across epochs, from 1
    for name in ("loss", "accuracy"):
        assert scalars(train, f"batch_{name}") == [(s, float(np.float32(seen.logs[s - 1][name]))) for s in steps]
    # batch 10 ends epoch 1: its running value is the epoch's
    assert scalars(train, "batch_loss")[-1][1] == f32(history.history["loss"])[1]
    # epoch scalars are written whatever the batch count (5 is not a multiple of 2)
    assert [s for s, _ in scalars(train, "epoch_loss")] == [0, 1]
    assert [s for s, _ in scalars(read(tmp_path / "validation"), "epoch_loss")] == [0, 1]


def test_update_freq_asks_for_batch_calls_only_when_it_writes_them(tmp_path):
    def hooks(**kwargs):
        cbl = CallbackList([keras.callbacks.TensorBoard(tmp_path, **kwargs)])
        return cbl.batch_end_interval("on_train_batch_end"), cbl.implements("on_train_batch_begin")

    assert hooks() == (None, False)  # "epoch": the C++ loop never calls into Python between batches
    assert hooks(write_steps_per_second=True) == (None, False)
    assert hooks(update_freq=3) == (0.0, False)  # every batch, to count them
    assert hooks(update_freq="batch", write_steps_per_second=True) == (0.0, True)

    class Subclass(keras.callbacks.TensorBoard):
        def on_train_batch_end(self, batch, logs=None):
            pass

    assert CallbackList([Subclass(tmp_path)]).batch_end_interval("on_train_batch_end") == 0.0


def test_update_freq_batch_and_write_steps_per_second(tmp_path):
    model = small_model()
    model.fit(X, Y, batch_size=BATCH, epochs=2, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(tmp_path, update_freq="batch", write_steps_per_second=True)])
    train = read(tmp_path / "train")
    assert sorted(train.Tags()["scalars"]) == ["batch_accuracy", "batch_loss", "batch_steps_per_second",
                                               "epoch_accuracy", "epoch_learning_rate", "epoch_loss",
                                               "epoch_steps_per_second"]
    assert [s for s, _ in scalars(train, "batch_loss")] == list(range(1, 2 * STEPS + 1))
    assert [s for s, _ in scalars(train, "batch_steps_per_second")] == list(range(1, 2 * STEPS + 1))
    assert all(v > 0 for _, v in scalars(train, "batch_steps_per_second"))
    assert [s for s, _ in scalars(train, "epoch_steps_per_second")] == [0, 1]
    assert all(v > 0 for _, v in scalars(train, "epoch_steps_per_second"))
    assert not (tmp_path / "validation").exists()  # no validation, no validation run


def test_histogram_freq_writes_each_weight_under_its_path(tmp_path):
    model = small_model()
    model.fit(X, Y, batch_size=BATCH, epochs=3, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(tmp_path, histogram_freq=2)])
    train = read(tmp_path / "train")
    # Keras's weight paths: a Sequential's layers are built in its scope
    tags = [f"sequential/{p}/histogram" for p in ("dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias")]
    assert train.Tags()["histograms"] == tags
    weights = {w.path: np.asarray(w) for layer in model.layers for w in layer.weights}
    for tag in tags:
        events = train.Histograms(tag)
        assert [e.step for e in events] == [0, 2]  # epochs 0 and 2 of 3
        last = events[-1].histogram_value  # written after the last update: the model's weights now
        w = weights[tag[: -len("/histogram")]]
        assert last.num == w.size and sum(last.bucket) == w.size
        assert last.min == float(w.min()) and last.max == float(w.max())
        assert last.sum == pytest.approx(float(w.astype(np.float64).sum()), abs=1e-6)
    assert train.Tags()["images"] == []


def test_write_images_draws_kernels_and_biases(tmp_path):
    pytest.importorskip("PIL")
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8, name="wide"), layers.Dense(2, name="tall"),
                              layers.Dense(1, activation="sigmoid", name="out")])
    model.compile("adam", "binary_crossentropy")
    model.fit(X, Y, epochs=1, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(tmp_path, histogram_freq=1, write_images=True)])
    train = read(tmp_path / "train")
    # out/bias has one value: like Keras, nothing to draw
    assert train.Tags()["images"] == [f"sequential/{p}/image" for p in
                                      ("wide/kernel", "wide/bias", "tall/kernel", "tall/bias", "out/kernel")]
    sizes = {tag[len("sequential/"):]: (e.width, e.height) for tag in train.Tags()["images"] for e in train.Images(tag)}
    # (width, height): the kernel (4, 8) as is; the kernel (8, 2) transposed, its longer side across; biases,
    # and the kernel (2, 1) squeezed to (2,) as Keras does, as columns
    assert sizes == {"wide/kernel/image": (8, 4), "wide/bias/image": (1, 8), "tall/kernel/image": (8, 2),
                     "tall/bias/image": (1, 2), "out/kernel/image": (1, 2)}
    # gray levels: the weights clipped to [0, 1] (negative weights black, not wrapped around), times 255
    from PIL import Image
    (event,) = train.Images("sequential/tall/kernel/image")
    pixels = np.asarray(Image.open(io.BytesIO(event.encoded_image_string)))
    kernel = np.asarray(model.get_layer("tall").kernel).T
    assert (kernel < 0).any() and (kernel > 0).any()
    assert pixels.shape == kernel.shape + (3,)  # gray, stored as RGB by tensorboardX
    for channel in range(3):
        np.testing.assert_array_equal(pixels[:, :, channel], (np.clip(kernel, 0, 1) * 255).astype(np.uint8))


def test_a_weight_holding_nan_skips_its_histogram_with_a_warning(tmp_path):
    model = small_model()
    model.get_layer("dense").bias.assign(np.full(8, np.nan, dtype="float32"))
    tensorboard = keras.callbacks.TensorBoard(tmp_path, histogram_freq=1)
    tensorboard.set_model(model)
    with pytest.warns(RuntimeWarning, match="sequential/dense/bias holds NaN or Inf"):
        tensorboard.on_epoch_end(0, {"loss": 1.0})
    tensorboard.on_train_end()
    assert read(tmp_path / "train").Tags()["histograms"] == [
        "sequential/dense/kernel/histogram", "sequential/dense_1/kernel/histogram", "sequential/dense_1/bias/histogram"]


def test_evaluate_after_fit_adds_its_values_at_the_final_iteration(tmp_path):
    model = small_model()
    tensorboard = keras.callbacks.TensorBoard(tmp_path)
    history = model.fit(X, Y, batch_size=BATCH, epochs=2, validation_data=VAL, verbose=0, callbacks=[tensorboard])
    loss, accuracy = model.evaluate(X, Y, verbose=0, callbacks=[tensorboard])
    model.predict(X, verbose=0, callbacks=[tensorboard])
    val = read(tmp_path / "validation")
    assert len(list((tmp_path / "validation").iterdir())) == 2  # fit's file intact, evaluate's beside it
    assert scalars(val, "evaluation_loss_vs_iterations") == list(zip([STEPS, 2 * STEPS, 2 * STEPS],
                                                                     f32(history.history["val_loss"] + [loss])))
    assert scalars(val, "evaluation_accuracy_vs_iterations")[-1] == (2 * STEPS, float(np.float32(accuracy)))
    assert scalars(val, "epoch_loss") == list(zip([0, 1], f32(history.history["val_loss"])))

    fresh = tmp_path / "evaluate_only"  # evaluate with no fit before it works too
    loss = model.evaluate(X, Y, verbose=0, callbacks=[keras.callbacks.TensorBoard(fresh)])[0]
    assert scalars(read(fresh / "validation"), "evaluation_loss_vs_iterations") == [(2 * STEPS,
                                                                                     float(np.float32(loss)))]
    assert not (fresh / "train").exists()


def test_a_second_fit_with_the_same_callback_writes_a_second_file(tmp_path):
    model = small_model()
    tensorboard = keras.callbacks.TensorBoard(tmp_path)
    first = model.fit(X, Y, epochs=1, verbose=0, callbacks=[tensorboard]).history["loss"]
    second = model.fit(X, Y, epochs=2, initial_epoch=1, verbose=0, callbacks=[tensorboard]).history["loss"]
    assert len(list((tmp_path / "train").iterdir())) == 2
    assert scalars(read(tmp_path / "train"), "epoch_loss") == list(zip([0, 1], f32(first + second)))


@pytest.mark.parametrize("flush_seconds, visible", [(0.0, [[0], [0, 1]]), (3600.0, [[], []])])
def test_epoch_ends_flush_at_most_once_per_flush_interval(tmp_path, monkeypatch, flush_seconds, visible):
    monkeypatch.setattr(tensorboard_events, "FLUSH_SECONDS", flush_seconds)
    seen = []

    def peek(epoch, logs):  # what a running TensorBoard would read now
        train = read(tmp_path / "train")
        seen.append([s for s, _ in scalars(train, "epoch_loss")] if "epoch_loss" in train.Tags()["scalars"] else [])

    model = small_model()
    model.fit(X, Y, epochs=2, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(tmp_path), keras.callbacks.LambdaCallback(on_epoch_end=peek)])
    assert seen == visible
    assert [s for s, _ in scalars(read(tmp_path / "train"), "epoch_loss")] == [0, 1]  # all there once fit ends


def test_missing_tensorboardx_raises_a_clear_import_error_when_constructed(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=r'pip install "densekit\[tensorboard\]"'):
        keras.callbacks.TensorBoard(tmp_path)


def test_missing_pillow_is_named_only_for_write_images(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="pip install pillow"):
        keras.callbacks.TensorBoard(tmp_path, write_images=True)
    keras.callbacks.TensorBoard(tmp_path)


def test_arguments_densekit_cannot_act_on_warn_and_bad_values_raise(tmp_path):
    for profile_batch in (5, (2, 4), "2,4"):
        with pytest.warns(UserWarning, match="profile_batch.*ignored"):
            keras.callbacks.TensorBoard(tmp_path, profile_batch=profile_batch)
    for profile_batch in (-1, (5, 2), "a", (1, 2, 3), 1.5):
        with pytest.raises(ValueError, match="profile_batch must be a non-negative integer"):
            keras.callbacks.TensorBoard(tmp_path, profile_batch=profile_batch)
    with pytest.warns(UserWarning, match="embeddings_freq.*ignored"):
        keras.callbacks.TensorBoard(tmp_path, embeddings_freq=1, embeddings_metadata="meta.tsv")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Embedding(5, 3, name="words"), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((4, 2)), np.ones((4, 1))
    with pytest.warns(UserWarning, match="embeddings_freq.*ignored"):
        board = keras.callbacks.TensorBoard(tmp_path, embeddings_freq=1, embeddings_metadata={"words": "meta.tsv"})
    model.fit(x, y, verbose=0, callbacks=[board])  # the model's Embedding layer: accepted
    with pytest.warns(UserWarning, match="embeddings_freq.*ignored"):
        board = keras.callbacks.TensorBoard(tmp_path, embeddings_freq=1, embeddings_metadata={"embedding": "meta.tsv"})
    with pytest.raises(ValueError, match="Unrecognized `Embedding` layer names.*'embedding'"):
        model.fit(x, y, verbose=0, callbacks=[board])
    for update_freq in (0, -2, "sometimes", 1.5, True):
        with pytest.raises(ValueError, match="update_freq"):
            keras.callbacks.TensorBoard(tmp_path, update_freq=update_freq)
    with pytest.raises(ValueError, match="histogram_freq"):
        keras.callbacks.TensorBoard(tmp_path, histogram_freq=-1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        keras.callbacks.TensorBoard(tmp_path / "defaults")  # Keras's defaults: no warning, and no file yet
    assert not (tmp_path / "defaults").exists()


def test_subclassed_model_trains_without_a_graph(tmp_path):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(4, activation="relu")
            self.out = layers.Dense(1, activation="sigmoid")

        def call(self, x):
            return self.out(self.hidden(x))

    model = Net()
    model.compile("adam", "binary_crossentropy")
    history = model.fit(X, Y, epochs=1, verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path, histogram_freq=1)])
    train = read(tmp_path / "train")
    assert train.Tags()["tensors"] == []  # as in Keras: no layer graph for a subclassed model
    assert scalars(train, "epoch_loss") == [(0, f32(history.history["loss"])[0])]
    assert len(train.Tags()["histograms"]) == 4


def test_a_metric_with_one_value_per_class_is_refused_by_name(tmp_path):
    # Keras's tf.summary.scalar refuses it too; the message says which value and why.
    x, y = data()
    model = keras.Sequential([keras.Input((x.shape[1],)), layers.Dense(2, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy", metrics=[keras.metrics.F1Score()])
    with pytest.raises(ValueError, match="TensorBoard logs scalars, but 'epoch_f1_score' holds 2 values"):
        model.fit(x, keras.utils.to_categorical(y, 2), epochs=1, verbose=0,
                  callbacks=[keras.callbacks.TensorBoard(str(tmp_path))])


def test_a_diverging_loss_is_logged_without_tensorboardxs_nan_message(tmp_path, caplog):
    """Keras's TensorBoard writes a NaN loss silently; tensorboardX's summary.scalar logged "NaN
    or Inf found in input tensor." for it (shown on stderr by logging's last-resort handler)."""
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile(keras.optimizers.SGD(learning_rate=1e30), "mse")
    x = np.full((8, 2), 1e10, "float32")
    with caplog.at_level("WARNING"):
        history = model.fit(x, x[:, :1], epochs=2, verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path)])
    assert not np.isfinite(history.history["loss"][-1])
    assert "NaN or Inf" not in caplog.text
    logged = [value for _, value in scalars(read(tmp_path / "train"), "epoch_loss")]
    assert len(logged) == 2 and not np.isfinite(logged[-1])
