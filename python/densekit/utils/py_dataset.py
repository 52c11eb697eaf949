"""keras.utils.PyDataset (keras/src/trainers/data_adapters/py_dataset_adapter.py): a dataset
of batches made on demand, for data that does not fit in memory. Subclasses implement
``__getitem__(index)`` returning ``(x, y)`` or ``(x, y, sample_weight)`` for one batch and
``__len__`` (the batches per epoch; leave it out for an endless dataset)."""


class PyDataset:
    """Base class of on-demand datasets. ``workers`` batches are made at once (by threads, or by
    processes with ``use_multiprocessing=True``), at most ``max_queue_size`` ahead of training."""

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        for name, value in (("workers", workers), ("max_queue_size", max_queue_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
        self._workers = workers
        self._use_multiprocessing = bool(use_multiprocessing)
        self._max_queue_size = max_queue_size

    # Subclasses that forget super().__init__() still get Keras's defaults.
    @property
    def workers(self):
        return getattr(self, "_workers", 1)

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        return getattr(self, "_use_multiprocessing", False)

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        return getattr(self, "_max_queue_size", 10)

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index), returning one batch.")

    @property
    def num_batches(self):
        """The batches per epoch: len(self), or None for an endless dataset."""
        try:
            return len(self)
        except (NotImplementedError, TypeError):
            return None

    def on_epoch_begin(self):
        """Called before each epoch's batches are made."""

    def on_epoch_end(self):
        """Called after each epoch's batches were made (to reshuffle, for instance)."""


Sequence = PyDataset  # the name Keras 2 used
