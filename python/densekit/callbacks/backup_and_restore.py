"""BackupAndRestore: an interrupted fit resumes from its last backup."""

import json
import os
import shutil

from densekit import distribution, saving
from densekit.callbacks.callback import Callback
from densekit.callbacks.save_frequency import BatchSaveFrequency


class BackupAndRestore(BatchSaveFrequency, Callback):
    """Backs up the training state (weights, optimizer state and the epoch reached) in
    ``backup_dir`` at the end of every epoch (or every ``save_freq`` batches). A fit that
    starts while a backup exists restores it and continues from the saved epoch. A fit that
    completes deletes the backup (``delete_checkpoint=True``); one that was interrupted (an
    exception, Ctrl-C) leaves it for the next run."""

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True):
        super().__init__()
        self._init_save_frequency(save_freq)
        self.delete_checkpoint = delete_checkpoint
        self._current_epoch = 0
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        self.backup_dir = os.fspath(backup_dir)
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._training_metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._prev_weights_path = os.path.join(self.backup_dir, "_latest.weights.h5")
        self._prev_training_metadata_path = os.path.join(self.backup_dir, "_training_metadata.json")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)):
            raise ValueError(f"Invalid value for argument `save_freq`. Received: save_freq={save_freq}. "
                             "Expected either 'epoch' or an integer value.")

    def _implements(self, hook):
        if hook == "on_train_batch_end":
            return self.save_freq != "epoch"
        return super()._implements(hook)

    def on_train_begin(self, logs=None):
        try:
            self._load_model()
        except (OSError, ValueError):
            # The latest backup is unreadable (a crash while writing it): fall back to the previous.
            if not os.path.exists(self._prev_weights_path):
                raise
            shutil.copy(self._prev_weights_path, self._weights_path)
            os.remove(self._prev_weights_path)
            if os.path.exists(self._prev_training_metadata_path):
                shutil.copy(self._prev_training_metadata_path, self._training_metadata_path)
                os.remove(self._prev_training_metadata_path)
            elif os.path.exists(self._training_metadata_path):
                os.remove(self._training_metadata_path)
            self._load_model()

    def _load_model(self):
        if not self.model.built:
            raise ValueError("To use the BackupAndRestore callback, you model must be built before you call `fit()`. "
                             f"Model {self.model} is unbuilt. You can build it beforehand by calling it on a batch of "
                             "data.")
        if os.path.exists(self._weights_path):
            self.model.load_weights(self._weights_path)
        if os.path.exists(self._training_metadata_path):
            with open(self._training_metadata_path, "r") as f:
                training_metadata = json.loads(f.read())
            self.model._initial_epoch = training_metadata["epoch"]

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save_model()

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model()

    def _save_model(self):
        if not distribution.writes_files():  # data-parallel training: process 0 keeps the backup
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        if os.path.exists(self._weights_path):
            shutil.copy(self._weights_path, self._prev_weights_path)
        if os.path.exists(self._training_metadata_path):
            shutil.copy(self._training_metadata_path, self._prev_training_metadata_path)
        # densekit's own format under Keras's file name: the backup is read back only by this
        # callback, and the native file keeps all of the optimizer's state (Keras's layout has
        # no place for, e.g., Nadam's momentum product) and needs no h5py.
        saving.save_weights(self.model, self._weights_path, overwrite=True, warn=False, native=True)
        with open(self._training_metadata_path, "w") as f:
            f.write(json.dumps({"epoch": self._current_epoch, "batch": self._last_batch_seen}))

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and distribution.writes_files() and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
