"""TerminateOnNaN (keras/src/callbacks/terminate_on_nan.py)."""

import math

from densekit.callbacks.callback import Callback
from densekit.utils import io_utils


class TerminateOnNaN(Callback):
    """Stops training at the first batch whose running loss is NaN or infinite (or raises
    RuntimeError with ``raise_error=True``). Needs a call after every batch."""

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        loss = logs.get("loss")
        if loss is not None and (math.isnan(loss) or math.isinf(loss)):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. Terminating "
                                   "training immediately.")
            io_utils.print_msg(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
