"""Counting batches for callbacks that save every ``save_freq`` batches (ModelCheckpoint,
BackupAndRestore), as Keras counts them across epoch boundaries."""


class BatchSaveFrequency:
    """Mixin: ``save_freq`` is "epoch" or a number of batches."""

    def _init_save_frequency(self, save_freq):
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        if batch <= self._last_batch_seen:  # a new epoch
            add_batches = batch + 1
        else:
            add_batches = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add_batches
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False
