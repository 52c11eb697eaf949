"""BackupAndRestore: an interrupted fit resumes from its last backup."""

import json
import os
import shutil

from densekit import distribution, saving
from densekit.callbacks.callback import Callback
from densekit.callbacks.save_frequency import BatchSaveFrequency


class BackupAndRestore(BatchSaveFrequency, Callback):
    """Backs up the training state (weights, optimizer state and the epoch reached) in
    ``backup_dir`` at the end of every epoch (or every ``save_freq`` batches; as in Keras, a
    bool counts as an integer, so True and False save after every batch). A fit that starts
    while a backup exists restores it and continues from the saved epoch. A fit that completes
    deletes the backup (``delete_checkpoint=True``); one that was interrupted (an exception,
    Ctrl-C) leaves it for the next run.

    With ``double_checkpoint=True`` the backup before the newest is kept too
    (``<name>.bkp``, twice the disk space): when the newest cannot be read, the restore falls
    back to it. A model that does not fit the backup is not a reason to fall back: that error
    is raised and no backup file is changed."""

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        self._init_save_frequency(save_freq)
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._current_epoch = 0
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        self.backup_dir = os.fspath(backup_dir)
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._training_metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._prev_weights_path = f"{self._weights_path}.bkp"
        self._prev_training_metadata_path = f"{self._training_metadata_path}.bkp"
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(f"Invalid value for argument `save_freq`. Received: save_freq={save_freq}. "
                             "Expected either 'epoch' or an integer value.")

    def _implements(self, hook):
        if hook == "on_train_batch_end":
            return self.save_freq != "epoch"
        return super()._implements(hook)

    def on_train_begin(self, logs=None):
        if not self.model.built:
            raise ValueError("To use the BackupAndRestore callback, you model must be built before you call `fit()`. "
                             f"Model {self.model} is unbuilt. You can build it beforehand by calling it on a batch of "
                             "data.")
        # Data-parallel training: the previous fit's backup, deleted by process 0 in its
        # on_train_end, must be gone for every process before any restores it.
        distribution.barrier()
        try:
            self._restore(self._weights_path, self._training_metadata_path)
        except (OSError, ValueError, KeyError) as error:
            if not os.path.exists(self._prev_weights_path):
                raise
            # Both backups come from the same fit, so a model that cannot take the newest cannot
            # take the previous either: the previous restoring is what shows that the newest is
            # unreadable rather than meant for another model. Until it has restored, every file
            # stays as it is.
            try:
                self._restore(self._prev_weights_path, self._prev_training_metadata_path)
            except Exception:
                raise error from None
            # The next backup moves the newest to the previous' place: it must not be the
            # unreadable one.
            if not distribution.writes_files():  # process 0 repairs the backup it keeps
                return
            shutil.copy(self._prev_weights_path, self._weights_path)
            if os.path.exists(self._prev_training_metadata_path):
                shutil.copy(self._prev_training_metadata_path, self._training_metadata_path)
            elif os.path.exists(self._training_metadata_path):
                os.remove(self._training_metadata_path)

    def _restore(self, weights_path, metadata_path):
        # The epoch is read first: a backup whose metadata is unreadable is unreadable as a whole.
        initial_epoch = None
        if os.path.exists(metadata_path):
            with open(metadata_path, "r") as f:
                initial_epoch = json.loads(f.read())["epoch"]
        if os.path.exists(weights_path):
            self.model.load_weights(weights_path)
        if initial_epoch is not None:
            self.model._initial_epoch = initial_epoch

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save_model()

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model()

    def _save_model(self):
        # Data-parallel training: process 0 keeps the backup, and the others wait for it, so an
        # interruption right after leaves the backup complete for every process's restart.
        distribution.shared_write(self._write_backup)

    def _write_backup(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._weights_path):
            shutil.copy(self._weights_path, self._prev_weights_path)
        if self.double_checkpoint and os.path.exists(self._training_metadata_path):
            shutil.copy(self._training_metadata_path, self._prev_training_metadata_path)
        # densekit's own format under Keras's file name: the backup is read back only by this
        # callback, and the native file keeps all of the optimizer's state (Keras's layout has
        # no place for, e.g., Nadam's momentum product) and needs no h5py.
        saving.save_weights(self.model, self._weights_path, overwrite=True, warn=False, native=True)
        # Replaced whole, as the weights file is: a crash while writing leaves the old epoch
        # beside the new weights at worst, never a truncated file that would stop the restore.
        temporary = f"{self._training_metadata_path}.tmp-{os.getpid()}"
        try:
            with open(temporary, "w") as f:
                f.write(json.dumps({"epoch": self._current_epoch, "batch": self._last_batch_seen}))
            os.replace(temporary, self._training_metadata_path)
        finally:
            if os.path.exists(temporary):  # interrupted (Ctrl-C) before the replace
                os.remove(temporary)

    def on_train_end(self, logs=None):
        if not self.delete_checkpoint:
            return

        def delete():
            # Renamed first, which one process alone can do: with save_on_every_process=True on a
            # disk the processes share, each deletes the same folder at once.
            doomed = f"{self.backup_dir}.deleted-{os.getpid()}"
            try:
                os.rename(self.backup_dir, doomed)
            except FileNotFoundError:
                return
            shutil.rmtree(doomed)

        # Every process returns once process 0 has deleted the backup: a faster process must
        # not restore it in the next fit's on_train_begin (the barrier there covers the rest).
        distribution.shared_write(delete)
