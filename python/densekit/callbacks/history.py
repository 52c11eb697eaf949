"""History: added to every fit; records each epoch's logs."""

from densekit.callbacks.callback import Callback


class History(Callback):
    """``history.history[key]`` is the list of that key's values per epoch; ``history.epoch``
    the epoch indices (0-based); ``history.params`` fit's parameters."""

    def __init__(self):
        super().__init__()
        self.history = {}

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self
