"""timeseries_dataset_from_array (keras/src/utils/timeseries_dataset_utils.py): sliding windows
over a timeseries array, batched, as a PyDataset that fit, evaluate and predict take (Keras returns
a tf.data.Dataset; densekit has no TensorFlow)."""

import numbers

import numpy as np

from densekit.utils.py_dataset import PyDataset


class TimeseriesDataset(PyDataset):
    """Batches of windows ``data[start + p + k·sampling_rate]`` (k < sequence_length) for each
    start position p, with ``targets[start + p]`` when targets are given."""

    # Keras returns a tf.data.Dataset, whose batches fit does not shuffle (it warns that
    # shuffle=True is ignored): data_streams.check_arguments reads this.
    stands_for_tf_dataset = True

    def __init__(self, data, targets, positions, offsets, start_index, batch_size, shuffler=None):
        super().__init__()
        self._data, self._targets = data, targets
        self._positions, self._offsets = positions, offsets
        self._start, self._batch_size = start_index, batch_size
        self._shuffler = shuffler  # (a shuffled dataset's generator: each pass takes a new order)
        if shuffler is not None:
            shuffler.shuffle(self._positions)

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]
        self.on_epoch_end()

    def on_epoch_end(self):
        """A shuffled dataset reshuffles after each pass, as Keras's (a tf.data shuffle,
        reshuffled at each iteration); the orders follow from the seed."""
        if self._shuffler is not None:
            self._shuffler.shuffle(self._positions)

    def __len__(self):
        if self._batch_size is None:
            return len(self._positions)
        return -(-len(self._positions) // self._batch_size)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"batch {index} of a dataset of {len(self)} batches")
        index %= len(self)
        size = 1 if self._batch_size is None else self._batch_size
        starts = self._start + self._positions[index * size:(index + 1) * size]
        windows = self._data[starts[:, None] + self._offsets]
        if self._batch_size is None:  # one window a step, as Keras's unbatched dataset
            return windows[0] if self._targets is None else (windows[0], self._targets[starts[0]])
        return windows if self._targets is None else (windows, self._targets[starts])


def _whole(name, value, minimum):
    if isinstance(value, float) and value.is_integer():  # (Keras takes 4.0)
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"`{name}` must be an integer of at least {minimum}. Received: {name}={value!r}")
    return int(value)


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1, batch_size=128,
                                  shuffle=False, seed=None, start_index=None, end_index=None, format="tf"):
    """Windows of ``sequence_length`` steps taken every ``sampling_rate`` rows of ``data``, one
    starting every ``sequence_stride`` rows from ``start_index`` (0) up to ``end_index``
    (len(data)); the target of the window starting at row i is ``targets[i]``. Batches of
    ``batch_size`` windows (one window at a time for None), the windows' order shuffled with
    ``seed`` when ``shuffle`` (within Keras's order, not its TensorFlow shuffle's)."""
    data = np.asarray(data)
    n = len(data)
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    if start_index is not None:
        start_index = _whole("start_index", start_index, -2**62)
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: start_index={start_index}")
        if start_index >= n:
            raise ValueError(f"`start_index` must be lower than the length of the data. Received: "
                             f"start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"`end_index` must be higher than `start_index`. Received: start_index={start_index}, "
                             f"and end_index={end_index} ")
        if end_index >= n:
            raise ValueError(f"`end_index` must be lower than the length of the data. Received: end_index={end_index}, "
                             f"for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        _whole(name, value, -2**62)  # an integer (the range is checked next, with Keras's messages)
        if value <= 0:
            raise ValueError(f"`{name}` must be higher than 0. Received: {name}={value}")
        if value >= n:
            raise ValueError(f"`{name}` must be lower than the length of the data. Received: {name}={value}, for "
                             f"data of length {n}")
    sequence_length = _whole("sequence_length", sequence_length, 1)
    if batch_size is not None:
        batch_size = _whole("batch_size", batch_size, 1)
    start = int(start_index or 0)
    end = n if end_index is None else _whole("end_index", end_index, -2**62)  # (0 is an empty dataset, as in Keras)
    count = end - start - (sequence_length - 1) * int(sampling_rate)
    if targets is not None:
        targets = np.asarray(targets)
        count = min(count, len(targets))
        if count > 0 and start + count > len(targets):
            raise ValueError(f"`targets` has {len(targets)} rows, but the windows from `start_index`={start} need "
                             f"{start + count}: the target of the window starting at row i is targets[i].")
    positions = np.arange(0, max(count, 0), int(sequence_stride))
    shuffler = np.random.RandomState(np.random.randint(1e6) if seed is None else seed) if shuffle else None
    offsets = np.arange(sequence_length) * int(sampling_rate)
    return TimeseriesDataset(data, targets, positions, offsets, start, batch_size, shuffler)
