"""SwapEMAWeights: evaluate with the optimizer's moving averages of the weights."""

from densekit.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    """With an optimizer created with ``use_ema=True``: evaluation and prediction (and, with
    ``swap_on_epoch=True``, the end of every epoch, e.g. for a ModelCheckpoint placed after this
    callback) see the EMA weights; training continues from the raw weights. The swap is an
    exchange of two buffers in C++. (Keras leaves the EMA weights in the model after predict;
    densekit swaps them back.)"""

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _swap(self):
        optimizer = self.model.optimizer
        if not getattr(optimizer, "use_ema", False):
            raise ValueError("SwapEMAWeights must be used when `use_ema=True` is set on the optimizer. Received: "
                             f"use_ema={getattr(optimizer, 'use_ema', None)}")
        self.model._core.swap_ema(optimizer._core)
        self._ema_weights_in_model = not self._ema_weights_in_model

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap()

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap()
            # fit ends by copying the averages into the weights: after the last epoch the
            # averages must hold the EMA weights now in the model, not the raw ones.
            if epoch == self.params["epochs"] - 1 or self.model.stop_training:
                self.model._core.assign_ema(self.model.optimizer._core)

    def on_test_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap()

    def on_test_end(self, logs=None):
        if self._ema_weights_in_model:
            self._swap()

    def on_predict_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap()

    def on_predict_end(self, logs=None):
        if self._ema_weights_in_model:
            self._swap()
