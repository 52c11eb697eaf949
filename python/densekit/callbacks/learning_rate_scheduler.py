"""LearningRateScheduler (keras/src/callbacks/learning_rate_scheduler.py): a learning rate per epoch."""

import numpy as np

from densekit.callbacks.callback import Callback
from densekit.utils import io_utils


class LearningRateScheduler(Callback):
    """At the start of each epoch sets the optimizer's learning rate to
    ``schedule(epoch, current_lr)`` (or ``schedule(epoch)`` for one-argument functions), which
    must return a float. Adds ``learning_rate`` to the epoch logs."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def _update_optimizer_lr(self, optimizer, epoch):
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            learning_rate = float(optimizer.learning_rate)
            learning_rate = self.schedule(epoch, learning_rate)
        except TypeError:  # the one-argument form
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {learning_rate}")
        if np.isfinite(learning_rate):
            with np.errstate(over="ignore"):
                overflows = not np.isfinite(np.float32(learning_rate))
            # The optimizer keeps the rate in float32, where this becomes inf and the weights NaN.
            if overflows:
                raise ValueError("The output of the `schedule` function should be finite in float32, the learning "
                                 f"rate's dtype. Got: {learning_rate}")
        optimizer.learning_rate = learning_rate
        return learning_rate

    def on_epoch_begin(self, epoch, logs=None):
        learning_rate = self._update_optimizer_lr(self.model.optimizer, epoch)
        if self.verbose > 0:
            io_utils.print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {learning_rate}.")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
