"""ModelCheckpoint (keras/src/callbacks/model_checkpoint.py): saves the model (or its weights)
while training, as ``model.save`` / ``save_weights`` would: a `.keras` path gets a Keras 3
archive and a `.weights.h5` path Keras's weights layout (both need h5py, checked when the
callback is made, not after the first epoch); a `.h5` path gets densekit's format, silently:
the path is the user's choice for every epoch, so one warning per save would be noise."""

import os
import warnings

import numpy as np

from densekit import distribution, saving
from densekit.saving import keras_layout
from densekit.callbacks.monitor_callback import MonitorCallback
from densekit.callbacks.save_frequency import BatchSaveFrequency
from densekit.utils import io_utils


class ModelCheckpoint(BatchSaveFrequency, MonitorCallback):
    """Saves after every epoch (``save_freq="epoch"``) or every ``save_freq`` batches, to
    ``filepath.format(epoch=epoch + 1, **logs)``; with ``save_best_only`` only when ``monitor``
    improved on the best so far (starting from ``initial_value_threshold``)."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self._init_save_frequency(save_freq)
        self._current_epoch = 0
        # A bool is an int here as in Keras: True and False both save after every batch.
        if self.save_freq != "epoch" and not isinstance(self.save_freq, int):
            raise ValueError(f"Unrecognized save_freq: {self.save_freq}. "
                             "Expected save_freq are 'epoch' or integer values")
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided must "
                                 f"end in `.weights.h5` (Keras weights format). Received: filepath={self.filepath}")
        elif not any(self.filepath.endswith(ext) for ext in (".keras", ".h5")):
            raise ValueError(f"The filepath provided must end in `.keras` (Keras model format). Received: "
                             f"filepath={self.filepath}")
        if self.filepath.endswith((".keras", ".weights.h5")):
            keras_layout.import_h5py()  # an ImportError naming densekit[keras] now, not after an epoch

    def _implements(self, hook):
        if hook == "on_train_batch_end":
            return self.save_freq != "epoch"  # per-batch calls only when saving every N batches
        return super()._implements(hook)

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(epoch=self._current_epoch, batch=batch, logs=logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch=epoch, batch=None, logs=logs)

    def _should_save_model(self, epoch, batch, logs, filepath):
        logs = logs or {}
        if not self.save_best_only:
            if self.verbose > 0:
                io_utils.print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=2)
            return True
        if np.ndim(current) > 0:
            warnings.warn(f"Can save best model only when `monitor` is a scalar value. Received: {current}. "
                          "Falling back to `save_best_only=False`.", stacklevel=2)
            return True
        if self.monitor_op is None:  # saving by batch before the first epoch ended
            self._set_monitor_op()
        best_str = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                io_utils.print_msg(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_str} to {current:.5f}, "
                                   f"saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            io_utils.print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_str}")
        return False

    def _save_model(self, epoch, batch, logs):
        filepath = self._get_file_path(epoch, batch, logs)
        if os.path.isdir(filepath):
            raise IOError("Please specify a non-directory filepath for ModelCheckpoint. Filepath used is an existing "
                          f"directory: {filepath}")
        save = self._should_save_model(epoch, batch, logs, filepath)
        # Data-parallel training: a batch's logs are each process's own, so process 0's decision,
        # path and best value hold everywhere (saving is collective: distribution.shared_write).
        filepath, save, self.best = distribution.agreed((filepath, save, self.best))
        if not save:
            return
        dirname = os.path.dirname(filepath)
        if dirname and not os.path.exists(dirname):
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            saving.save_weights(self.model, filepath, overwrite=True, warn=False)
        else:
            saving.save_model(self.model, filepath, overwrite=True, warn=False)
        if self.verbose > 0:
            io_utils.print_msg(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _get_file_path(self, epoch, batch, logs):
        logs = logs or {}
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}') from e
