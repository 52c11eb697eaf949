"""SwapEMAWeights: evaluate with the optimizer's moving averages of the weights."""

from densekit.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    """With an optimizer created with ``use_ema=True``: evaluation (and, with
    ``swap_on_epoch=True``, the end of every epoch, e.g. for ModelCheckpoint placed after this
    callback) sees the EMA weights; training continues from the raw weights. The swap is an
    exchange of two buffers in C++."""

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _swap(self):
        optimizer = self.model.optimizer
        if not getattr(optimizer, "use_ema", False):
            raise ValueError("SwapEMAWeights must be used when `use_ema=True` is set on the optimizer. Received: "
                             f"use_ema={getattr(optimizer, 'use_ema', None)}")
        optimizer._core.swap_ema(self.model._graph)
        self._ema_weights_in_model = not self._ema_weights_in_model

    def on_epoch_begin(self, epoch, logs=None):
        if self._ema_weights_in_model:
            self._swap()

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap()

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
