"""fit / evaluate / predict on Python generators and keras.utils.PyDataset: batches stream into
the C++ loop through a bounded queue filled by a feeder thread (trainers/data_streams.py)."""

import threading
import time

import numpy as np
import pytest

import densekit as keras
from densekit.trainers import data_streams

ROWS, BATCH = 96, 16


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(ROWS, 4)).astype("float32")
    return x, (x.sum(axis=1) > 0).astype("float32")


def model():
    keras.utils.set_random_seed(1)
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                          keras.layers.Dense(1, activation="sigmoid")])
    m.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return m


def batches(x, y):
    """The batches fit(x, y, batch_size=BATCH, shuffle=False) trains on, in order."""
    return [(x[i:i + BATCH], y[i:i + BATCH]) for i in range(0, len(x), BATCH)]


class Batches(keras.utils.PyDataset):
    def __init__(self, x, y, **kwargs):
        super().__init__(**kwargs)
        self.items = batches(x, y)
        self.requested, self.epochs_ended = [], 0

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        self.requested.append(index)
        return self.items[index]

    def on_epoch_end(self):
        self.epochs_ended += 1


def endless(x, y):
    while True:
        yield from batches(x, y)


def same_weights(a, b):
    return all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights()))


def test_generator_trains_exactly_as_the_same_arrays():
    x, y = data()
    reference = model()
    expected = reference.fit(x, y, batch_size=BATCH, epochs=3, shuffle=False, verbose=0).history
    streamed = model()
    with pytest.warns(UserWarning, match="`shuffle=True` was passed, but will be ignored"):
        history = streamed.fit(endless(x, y), steps_per_epoch=ROWS // BATCH, epochs=3, verbose=0).history
    assert history == expected
    assert same_weights(streamed, reference)


@pytest.mark.parametrize("workers", [1, 3])
def test_py_dataset_trains_exactly_as_the_same_arrays(workers):
    x, y = data()
    reference = model()
    expected = reference.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0,
                             validation_data=(x[:40], y[:40])).history
    dataset = Batches(x, y, workers=workers)
    streamed = model()
    history = streamed.fit(dataset, epochs=2, shuffle=False, verbose=0, validation_data=(x[:40], y[:40])).history
    assert history == expected and same_weights(streamed, reference)
    # (batch 0 read once more at the start: it builds the model before the first pass)
    assert dataset.epochs_ended == 2 and sorted(dataset.requested) == sorted(list(range(6)) * 2 + [0])


def test_py_dataset_shuffles_its_batches_reproducibly():
    x, y = data()
    orders = []
    for _ in range(2):
        keras.utils.set_random_seed(3)
        dataset = Batches(x, y)
        model().fit(dataset, epochs=2, verbose=0)
        orders.append(dataset.requested[1:])  # (after the first pass's first batch, read to build the model)
    assert orders[0] == orders[1] and orders[0] != list(range(6)) * 2
    assert sorted(orders[0][:6]) == list(range(6)) and sorted(orders[0][6:]) == list(range(6))


def test_validation_generator_evaluate_and_predict_match_arrays():
    x, y = data()
    m = model()
    history = m.fit(Batches(x, y), epochs=1, shuffle=False, verbose=0,
                    validation_data=(b for b in batches(x[:48], y[:48])), validation_steps=3).history
    evaluated = m.evaluate(x[:48], y[:48], batch_size=BATCH, verbose=0, return_dict=True)
    assert history["val_loss"][0] == evaluated["loss"] and history["val_accuracy"][0] == evaluated["accuracy"]
    assert m.evaluate(Batches(x, y), verbose=0) == m.evaluate(x, y, batch_size=BATCH, verbose=0)
    np.testing.assert_array_equal(m.predict(Batches(x, y), verbose=0), m.predict(x, verbose=0))
    np.testing.assert_array_equal(m.predict((b[0] for b in batches(x, y)), verbose=0), m.predict(x, verbose=0))


def test_a_finite_generator_runs_out_with_keras_warning():
    x, y = data()
    m = model()
    with pytest.warns(UserWarning, match="Your input ran out of data; interrupting training"):
        history = m.fit((b for b in batches(x, y)), epochs=3, shuffle=False, verbose=0)
    assert len(history.epoch) == 1


def test_a_generator_that_runs_out_within_the_last_epoch_warns():
    # Keras warns when an epoch gets fewer batches than steps_per_epoch, the last one too (its
    # bar still counts the steps asked for).
    x, y = data()
    steps = ROWS // BATCH  # 6 batches: epochs of 5 leave the second 1
    m = model()
    with pytest.warns(UserWarning, match="Your input ran out of data; interrupting training"):
        history = m.fit((b for b in batches(x, y)), epochs=2, steps_per_epoch=steps - 1, shuffle=False, verbose=0)
    assert history.epoch == [0, 1] and m.optimizer.iterations == steps


def test_the_queue_bounds_how_far_the_producer_runs_ahead():
    x, y = data()
    made = [0]

    def counted():
        while True:
            made[0] += 1
            yield x[:BATCH], y[:BATCH]

    ahead = []

    class Watch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            ahead.append(made[0] - (batch + 1))

    model().fit(counted(), steps_per_epoch=60, epochs=1, shuffle=False, verbose=0, callbacks=[Watch()])
    # The queue holds QUEUE_BATCHES; the feeder may hold one more in hand and the loop one.
    assert max(ahead) <= data_streams.QUEUE_BATCHES + 2


def test_stopping_early_ends_the_feeder_thread():
    x, y = data()
    before = threading.active_count()

    class StopAt(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.model.stop_training = batch == 4

    history = model().fit(endless(x, y), steps_per_epoch=1000, epochs=5, shuffle=False, verbose=0,
                          callbacks=[StopAt()])
    assert len(history.epoch) == 1 and threading.active_count() == before


def test_a_producer_error_is_raised_as_itself():
    def broken():
        yield data()[0][:BATCH], data()[1][:BATCH]
        raise KeyError("no such record")

    with pytest.raises(KeyError, match="no such record"):
        model().fit(broken(), steps_per_epoch=5, epochs=1, shuffle=False, verbose=0)


def test_bad_batches_and_arguments_are_refused():
    x, y = data()
    with pytest.raises(ValueError, match="When providing `x` as a generator, `y` should not be passed"):
        model().fit(endless(x, y), y, steps_per_epoch=2, shuffle=False, verbose=0)
    with pytest.raises(ValueError, match="`class_weight` is not supported for Python generator inputs"):
        model().fit(endless(x, y), steps_per_epoch=2, shuffle=False, class_weight={0: 1, 1: 2}, verbose=0)
    # batch_size next to a stream is ignored, as Keras ignores it (it was refused)
    assert (model().fit(Batches(x, y), batch_size=8, shuffle=False, verbose=0).history ==
            model().fit(Batches(x, y), shuffle=False, verbose=0).history)
    assert model().predict(Batches(x, y), batch_size=8, verbose=0).shape == (len(x), 1)
    wrong = ((np.zeros((4, 5), "float32"), np.zeros(4, "float32")) for _ in range(3))
    with pytest.raises(ValueError, match="expected shape"):
        model().fit(wrong, steps_per_epoch=3, shuffle=False, verbose=0)
    uneven = ((x[:BATCH], y[:BATCH - 1]) for _ in range(2))
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        model().fit(uneven, steps_per_epoch=2, shuffle=False, verbose=0)
    nan = (b for b in [(x[:BATCH], y[:BATCH]), (np.full((BATCH, 4), np.nan, "float32"), y[:BATCH])])
    with pytest.raises(ValueError, match="NaN"):
        model().fit(nan, steps_per_epoch=2, shuffle=False, verbose=0)
    with pytest.raises(ValueError, match="An endless PyDataset"):
        class Endless(keras.utils.PyDataset):
            def __getitem__(self, index):
                return x[:BATCH], y[:BATCH]
        model().fit(Endless(), shuffle=False, verbose=0)
    with pytest.raises(ValueError, match="`workers` must be a positive integer"):
        Batches(x, y, workers=0)


def test_class_weight_with_a_py_dataset():
    x, y = data()
    reference = model()
    reference.fit(x, y, batch_size=BATCH, shuffle=False, class_weight={0: 1.0, 1: 3.0}, verbose=0)
    streamed = model()
    streamed.fit(Batches(x, y), shuffle=False, class_weight={0: 1.0, 1: 3.0}, verbose=0)
    assert same_weights(streamed, reference)


def test_py_dataset_with_worker_processes():
    x, y = data()
    reference = model()
    reference.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    streamed = model()
    streamed.fit(Batches(x, y, workers=2, use_multiprocessing=True, max_queue_size=3), epochs=2, shuffle=False,
                 verbose=0)
    assert same_weights(streamed, reference)


def test_validation_lists_next_to_a_stream_are_read_as_next_to_arrays():
    """validation_data of Python lists (rows of x, labels as y) is what it is next to arrays:
    lists were taken as one array per input, rows counted by the first row's length and cut by
    columns, labels indexed as arrays."""
    x, y = data()
    half = ROWS // 2
    for vx, vy in [(x[:half].tolist(), y[:half].tolist()), (x[:half], [int(v) for v in y[:half]])]:
        reference = model().fit(x, y, batch_size=BATCH, shuffle=False, verbose=0, validation_data=(vx, vy),
                                validation_batch_size=2).history
        streamed = model().fit(Batches(x, y), shuffle=False, verbose=0, validation_data=(vx, vy),
                               validation_batch_size=2).history
        assert streamed == reference
    weights = list(np.linspace(0.5, 2.0, half))
    reference = model().fit(x, y, batch_size=BATCH, shuffle=False, verbose=0,
                            validation_data=(x[:half].tolist(), y[:half].tolist(), weights)).history
    streamed = model().fit(Batches(x, y), shuffle=False, verbose=0,
                           validation_data=(x[:half].tolist(), y[:half].tolist(), weights)).history
    assert streamed == reference
    with pytest.raises(ValueError, match=r"Data cardinality is ambiguous: the arrays of `validation_data` have "
                                         r"different numbers of samples \(\[47, 48\]\)"):
        model().fit(Batches(x, y), shuffle=False, verbose=0, validation_data=(x[:half], y[:half - 1]))
    with pytest.raises(ValueError, match=r"expected shape=\(None, 4\), found shape=\(48, 3\)"):
        model().fit(Batches(x, y), shuffle=False, verbose=0, validation_data=(x[:half, :3].tolist(), y[:half]))


def test_a_pydataset_longer_than_steps_per_epoch_is_read_on_across_epochs():
    # Keras's EpochIterator keeps its pass through the dataset from one epoch to the next when
    # steps_per_epoch is given: a 6-batch dataset at 2 steps an epoch is read whole every 3 epochs.
    x, y = data()
    ds = Batches(x, y)
    m = model()
    m.fit(ds, epochs=4, steps_per_epoch=2, shuffle=False, verbose=0)
    assert ds.requested == [0, 0, 1, 2, 3, 4, 5, 0, 1]  # (the first read builds the model)
    reference = model()
    for k in [0, 1, 2, 3, 4, 5, 0, 1]:
        reference.train_on_batch(*batches(x, y)[k])
    assert same_weights(m, reference)
    # shuffled: every pass is a permutation of all the batches
    ds = Batches(x, y)
    keras.utils.set_random_seed(2)
    model().fit(ds, epochs=6, steps_per_epoch=3, verbose=0)
    assert sorted(ds.requested[1:7]) == sorted(ds.requested[7:13]) == list(range(6))


def test_an_epoch_the_pass_ends_early_is_cut_short_with_kerass_warning():
    x, y = data()
    ds = Batches(x, y)
    with pytest.warns(UserWarning, match="Your input ran out of data"):
        history = model().fit(ds, epochs=3, steps_per_epoch=4, shuffle=False, verbose=0)
    assert ds.requested == [0, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3] and len(history.epoch) == 3
    # evaluate and validation start every pass afresh
    ds = Batches(x, y)
    model().fit(Batches(x, y), epochs=2, shuffle=False, verbose=0, validation_data=ds, validation_steps=2)
    assert ds.requested == [0, 0, 1, 0, 1]


class Broken(keras.utils.PyDataset):
    def __init__(self, bad, **kwargs):
        super().__init__(**kwargs)
        self.items, self.bad = batches(*data()), bad

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return None if index == self.bad else self.items[index]


@pytest.mark.parametrize("bad, workers", [(0, 1), (3, 1), (3, 2)])
def test_a_batch_of_none_is_refused_in_kerass_words(bad, workers):
    with pytest.raises(ValueError, match=r"PyDataset.__getitem__\(\) must return a tuple or a dict.*Received: None"):
        model().fit(Broken(bad, workers=workers), epochs=1, shuffle=False, verbose=0)


class Curriculum(keras.utils.PyDataset):
    """Targets equal to the phase a callback sets as each epoch begins."""

    def __init__(self):
        super().__init__()
        self.phase = 0.0

    def __len__(self):
        return 3

    def __getitem__(self, index):
        return np.ones((4, 2), "float32"), np.full((4, 1), self.phase, "float32")


def test_an_epoch_reads_its_batches_after_its_on_epoch_begin_callbacks():
    """A callback's on_epoch_begin may change the dataset for the epoch (a curriculum): Keras
    reads the epoch's batches after it, training and validation alike. The feeder read every
    epoch ahead while the first began (losses [0, 0, 0] here, where Keras gives [0, 1, 4])."""
    train, validation = Curriculum(), Curriculum()

    class Phase(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 0:
                time.sleep(0.2)  # time for a feeder running ahead to read the next epochs
            train.phase = validation.phase = float(epoch)

    net = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="zeros")])
    net.compile(keras.optimizers.SGD(learning_rate=0.0), "mse")
    history = net.fit(train, validation_data=validation, epochs=3, verbose=0, callbacks=[Phase()])
    assert history.history["loss"] == [0.0, 1.0, 4.0]
    assert history.history["val_loss"] == [0.0, 1.0, 4.0]
