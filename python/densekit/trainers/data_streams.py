"""Generators and PyDatasets for fit / evaluate / predict (keras/src/trainers/data_adapters/
generator_data_adapter.py and py_dataset_adapter.py). A feeder thread makes the batches and
pushes them into the C++ BatchStream, a bounded queue the training loop reads without the GIL:
the next batch is made while the current one trains, and memory stays bounded by the queue."""

import concurrent.futures
import random
import threading
import types

from densekit import _core
from densekit.trainers import data_adapter
from densekit.utils.arrays import check_same_length
from densekit.utils.data_tuples import unpack_x_y_sample_weight as unpack
from densekit.utils import traceback_utils
from densekit.utils.py_dataset import PyDataset

QUEUE_BATCHES = 10  # the stream's capacity for generators (a PyDataset says its max_queue_size)


def is_stream(x):
    """Whether x is data densekit streams: a PyDataset or a Python generator."""
    return isinstance(x, (PyDataset, types.GeneratorType))


def check_arguments(x, y, sample_weight, class_weight, shuffle):
    """Refuses what Keras refuses next to a generator or PyDataset; returns whether fit shuffles
    the batches (Keras warns where it ignores shuffle=True). A batch_size given beside them is
    ignored, as in Keras (keras/src/trainers/data_adapters/__init__.py): the stream makes the
    batches."""
    kind = "PyDataset" if isinstance(x, PyDataset) else "generator"
    for name, value, what in (("y", y, "the targets"), ("sample_weights", sample_weight, "the sample weights")):
        if value is not None:
            raise ValueError(f"When providing `x` as a {kind}, `{name}` should not be passed. Instead, {what} should "
                             f"be included as part of the {kind}.")
    if kind == "generator":
        if class_weight is not None:
            raise ValueError(f"Argument `class_weight` is not supported for Python generator inputs. Received: "
                             f"class_weight={class_weight}")
        if shuffle:
            traceback_utils.warn("`shuffle=True` was passed, but will be ignored since the data `x` was provided as a "
                                 "generator. The generator is expected to yield already-shuffled data.")
    elif shuffle and x.num_batches is None:
        traceback_utils.warn("`shuffle=True` was passed, but will be ignored since the data `x` was provided as an "
                             "infinite PyDataset. The PyDataset is expected to already be shuffled.")
    elif shuffle and getattr(x, "stands_for_tf_dataset", False):
        traceback_utils.warn("`shuffle=True` was passed, but will be ignored since the data `x` was provided as a "
                             f"{type(x).__name__}, which stands for Keras's tf.data.Dataset. The Dataset is expected to "
                             "already be shuffled.")
    else:
        return bool(shuffle) and kind == "PyDataset"
    return False


class Source:
    """The batches of a generator or PyDataset, epoch after epoch. The first batch is made at
    once: it builds an unbuilt model and tells the shapes; the rest come from the feeder.

    fit's training data (`keeps_pass`) is read as Keras's EpochIterator reads it: with
    `steps_per_epoch`, an epoch takes the next batches of the current pass through a PyDataset
    and a pass (reshuffled) starts only when one ends, so a dataset longer than an epoch is read
    whole over several epochs; an epoch the pass ends early is cut short (`ran_short`, Keras's
    warning). evaluate and validation start each pass afresh.

    A PyDataset's on_epoch_begin() is called before each pass, the first included, and the pass
    reads all its batches after it, as Keras's EpochIterator does: the batch read at once is
    read again (a dataset may prepare its epoch, such as a sample order, in that hook)."""

    def __init__(self, data, steps=None, shuffle=False, keeps_pass=False):
        self.data, self.steps, self.shuffle = data, steps, shuffle
        self.is_dataset = isinstance(data, PyDataset)
        self.exhausted = False  # a finite generator ended
        self.empty_passes = 0  # passes that found the generator ended: no batch at all
        self.ran_short = False  # an epoch had fewer batches than steps_per_epoch asked
        self._index = 0  # the next batch of an endless PyDataset
        self._wanted = steps  # the epoch's length asked for, or None for whole passes
        self._pass = []  # what is left of the current pass through a PyDataset
        self._keeps_pass = keeps_pass
        if self.is_dataset:
            n = data.num_batches
            if n is None and steps is None:
                raise ValueError("An endless PyDataset (without __len__) needs `steps_per_epoch` (or `steps`).")
            self.steps = n if steps is None else steps if n is None else min(steps, n)
            self._epoch0 = self._indices()
            self._first = _checked_batch(data[self._epoch0[0]]) if self._epoch0 else None
        else:
            self._first = next(data, None)

    def first_batch(self):
        """The first batch of the first epoch as (x, y, sample_weight), or None if there is none."""
        return None if self._first is None else unpack(self._first)

    def _indices(self):
        n = self.data.num_batches
        if n is None:  # endless: keep counting
            indices = list(range(self._index, self._index + self.steps))
            self._index += self.steps
            return indices
        if not self._pass or not self._keeps_pass:
            self._pass = list(range(n))
            if self.shuffle:
                random.shuffle(self._pass)
        wanted = self._wanted if self._wanted is not None else n
        indices, self._pass = self._pass[:wanted], self._pass[wanted:]
        if len(indices) < wanted:
            self.ran_short = True
        return indices

    def epoch(self, first_epoch):
        """One epoch's raw batches."""
        if self.is_dataset:
            yield from self._dataset_epoch(first_epoch)
            return
        taken = 0
        if first_epoch and self._first is not None:
            yield self._first
            taken = 1
        while self.steps is None or taken < self.steps:
            try:
                item = next(self.data)
            except StopIteration:
                self.exhausted = True
                self.ran_short = self.ran_short or (self.steps is not None and taken < self.steps)
                self.empty_passes += taken == 0
                return
            yield item
            taken += 1

    def _dataset_epoch(self, first_epoch):
        ds = self.data
        ds.on_epoch_begin()
        indices = self._epoch0 if first_epoch else self._indices()
        if ds.workers > 1 or ds.use_multiprocessing:
            pool_type = (concurrent.futures.ProcessPoolExecutor if ds.use_multiprocessing
                         else concurrent.futures.ThreadPoolExecutor)
            with pool_type(max_workers=ds.workers) as pool:
                # At most max_queue_size batches in the making: memory stays bounded.
                pending = [pool.submit(ds.__getitem__, i) for i in indices[:ds.max_queue_size]]
                for i in indices[ds.max_queue_size:]:
                    yield _checked_batch(pending.pop(0).result())
                    pending.append(pool.submit(ds.__getitem__, i))
                for future in pending:
                    yield _checked_batch(future.result())
        else:
            for i in indices:
                yield _checked_batch(ds[i])
        ds.on_epoch_end()


def _checked_batch(batch):
    """A PyDataset's batch, refused in Keras's words when it is None or a tuple of the wrong length
    (keras/src/trainers/data_adapters/py_dataset_adapter.py)."""
    if batch is None or (isinstance(batch, tuple) and len(batch) not in (1, 2, 3)):
        raise ValueError("PyDataset.__getitem__() must return a tuple or a dict. If a tuple, it must be ordered either "
                         "(input,) or (inputs, targets) or (inputs, targets, sample_weights). Received: "
                         f"{str(batch)[:100]} of type {type(batch)}")
    return batch


class Feeder:
    """A thread pushing `passes` epochs of a Source into a BatchStream. A gated feeder starts
    each pass only once the loop has opened it (open_pass(), when its epoch or validation
    begins): the callbacks' on_epoch_begin may change the dataset for the epoch (a curriculum),
    so its batches must not be read before, as Keras reads them."""

    def __init__(self, model, source, passes, with_targets=True, gated=False):
        self.model, self.source, self.with_targets = model, source, with_targets
        capacity = source.data.max_queue_size if source.is_dataset else QUEUE_BATCHES
        self.stream = _core.BatchStream(capacity)
        self.error = self.relay = None  # the producer's exception, and the loop's ValueError text for it
        self._passes = passes
        self._gate = threading.Condition() if gated else None
        self._opened, self._closing = 0, False
        self._thread = threading.Thread(target=self._run, name="densekit-feeder", daemon=True)

    def open_pass(self):
        if self._gate is not None:
            with self._gate:
                self._opened += 1
                self._gate.notify()

    def _pass_opened(self, k):
        """Waits until pass ``k`` is opened; False when the feeder is closing instead."""
        if self._gate is None:
            return True
        with self._gate:
            self._gate.wait_for(lambda: self._opened > k or self._closing)
            return not self._closing

    def start(self):
        self._thread.start()
        return self

    def _push(self, item):
        x, y, sw = unpack(item)
        xs = data_adapter.input_arrays(self.model, x)
        ys = data_adapter.target_arrays(self.model, y) if self.with_targets else []
        weights = data_adapter.sample_weights(sw) if self.with_targets else None
        return self.stream.push(xs, ys, weights)

    def _run(self):
        try:
            for k in range(self._passes):
                if not self._pass_opened(k):
                    return
                for item in self.source.epoch(first_epoch=k == 0):
                    if not self._push(item):
                        return  # the loop stopped: no more batches wanted
                if not self.stream.end_epoch():
                    return
        except BaseException as error:  # handed to the training thread, raised there
            self.error = error
            self.relay = f"{type(error).__name__}: {error}"
            self.stream.fail(self.relay)

    def stop(self):
        """Tells the thread to stop (it ends by itself; join() waits for it)."""
        if self._gate is not None:
            with self._gate:
                self._closing = True
                self._gate.notify()
        self.stream.close()

    def join(self):
        self._thread.join()


def run_feeding(feeders, loop):
    """``loop()`` (the C++ loop reading the feeders' streams), then every feeder stopped and
    joined, whatever happened (all are told to stop before any is waited for, so a second Ctrl-C
    during a wait leaves none waiting). When the loop failed with the ValueError that relayed a
    producer's error, the producer's own exception is raised instead, outside any handler, so it
    keeps its own context (the user's `except ...: raise` in a generator) and shows no relay. Any
    other error of the loop (a callback's own ValueError too) is raised as it is."""
    try:
        result, raised = loop(), None
    except BaseException as error:
        result, raised = None, error
    for feeder in feeders:
        feeder.stop()
    for feeder in feeders:
        feeder.join()
    if raised is None:
        failed = next((feeder for feeder in feeders if feeder.error is not None), None)
    else:
        failed = next((feeder for feeder in feeders if isinstance(raised, ValueError) and feeder.relay is not None
                       and str(raised) == feeder.relay), None)
    if failed is not None:
        raise failed.error.with_traceback(failed.error.__traceback__)
    if raised is not None:
        raise raised
    return result


class ArrayBatches(PyDataset):
    """Validation arrays next to a streamed x, as a dataset of batches. They come converted
    (data_adapter.validation_arrays), as fit takes them next to arrays: a list given as x or y
    is read there as the model reads it (rows of one input, labels), not as one array per input."""

    def __init__(self, arrays, batch_size=32):
        super().__init__()
        self.xs, self.ys, self.sample_weight = arrays
        self.batch_size = batch_size
        # The whole arrays are checked here: cut into batches, a mismatch would show only in
        # the last batch, and with that batch's counts.
        check_same_length(self.xs + self.ys + ([] if self.sample_weight is None else [self.sample_weight]),
                          "validation_data")
        self._rows = len(self.xs[0])

    def __len__(self):
        return -(-self._rows // self.batch_size)

    def __getitem__(self, index):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return ([a[part] for a in self.xs], [a[part] for a in self.ys] if self.ys else None,
                None if self.sample_weight is None else self.sample_weight[part])
