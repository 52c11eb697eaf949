"""What the callback tests share: a recorder of every hook call, small data and models."""

import numpy as np

import densekit as keras
from densekit import layers

HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
         "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
         "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end"]


class Recorder(keras.callbacks.Callback):
    """Records every hook call as (hook, argument, sorted log keys)."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def _record(self, name, *args):
        logs = args[-1] if args else None
        keys = sorted(logs) if isinstance(logs, dict) else logs
        self.calls.append((name,) + tuple(args[:-1]) + (keys,))

    def names(self, prefix=""):
        return [c[0] for c in self.calls if c[0].startswith(prefix)]


for _hook in HOOKS:
    if "batch" in _hook or "epoch" in _hook:
        setattr(Recorder, _hook, lambda self, i, logs=None, _h=_hook: self._record(_h, i, logs))
    else:
        setattr(Recorder, _hook, lambda self, logs=None, _h=_hook: self._record(_h, logs))


def data(n=100, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("float32")
    return x, y


def small_model(metrics=("accuracy",), optimizer="adam"):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=list(metrics))
    return model


def scripted(key, values):
    """Writes scripted values into the epoch logs (the dict is shared with the callbacks after)."""
    return keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: logs.__setitem__(key, values[epoch]))
