"""Which way a monitored quantity improves (keras/src/callbacks/monitor_callback.py)."""

import operator
import warnings

from densekit.callbacks.callback import Callback


def monitor_direction(model, monitor):
    """``operator.lt`` (smaller is better), ``operator.gt`` (larger is better) or None (unknown)
    for mode="auto": "loss" and "val_loss" go down; otherwise the compiled metric named exactly
    like ``monitor`` (without "val_") decides, by its direction."""
    name = monitor[4:] if monitor.startswith("val_") else monitor
    op = operator.lt if name == "loss" else None
    direction = getattr(model, "_metric_directions", {}).get(name)
    if direction == "up":
        op = operator.gt
    elif direction == "down":
        op = operator.lt
    return op


class MonitorCallback(Callback):
    """Base of callbacks that watch a quantity (EarlyStopping, ModelCheckpoint,
    ReduceLROnPlateau): ``monitor``, ``mode`` ("auto", "min", "max"), ``best`` (starts at
    ``baseline``; None counts as beaten by anything) and ``min_delta`` (absolute)."""

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{self.__class__.__name__} mode '{mode}' is unknown, fallback to auto mode.",
                          stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            self.monitor_op = monitor_direction(self.model, self.monitor)
            if self.monitor_op is None:
                raise ValueError(
                    f"{self.__class__.__name__} callback received monitor={self.monitor}, but Keras isn't able to "
                    "automatically determine whether that metric should be maximized or minimized. Pass "
                    "`mode='max'` in order to monitor based on the highest metric value, or pass `mode='min'` in "
                    "order to use the lowest value.")
        if self.monitor_op is operator.lt:
            self.min_delta *= -1

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        return self.monitor_op(monitor_value - self.min_delta, reference_value)
