"""Keras's running metrics of a compiled model: ``model.metrics``, ``metrics_names``,
``reset_metrics()`` and ``get_metrics_result()`` (keras/src/trainers/trainer.py).

Keras keeps them as metric objects that its train and test steps update: a Mean tracking the
loss, a CompileMetrics holding the compiled metrics and, for a model of several outputs once it
has run, a Mean tracking each output's loss. densekit's C++ loop keeps the same running values
(the rows seen and their sums; cpp/src/training/train_step.cpp); the objects here read and reset
them, so each holds what the last fit, evaluate, train_on_batch or test_on_batch left, and fit's
validation leaves the validation values, as in Keras.
"""

import numpy as np

from densekit.trainers.loop_hooks import log_value


def _result(value):
    """A metric's result as Keras's float32 scalar (or its array, for a metric of several values)."""
    return value if isinstance(value, np.ndarray) else np.float32(value)


class LossTracker:
    """Keras's Mean that tracks the loss: the total one ("loss"), or one output's ("<output>_loss")."""

    def __init__(self, model, name, output=-1):
        self._model, self.name, self._output = model, name, output

    def result(self):
        core = self._model._core
        logs = dict(core.loss_trackers_result()) if core is not None else {}
        return _result(logs.get(self.name, 0.0))

    def reset_state(self):
        if self._model._core is not None:
            self._model._core.reset_loss_tracker(self._output)

    def __repr__(self):
        return f"<LossTracker name={self.name}>"


class CompileMetrics:
    """The compiled metrics, one object in model.metrics as in Keras: result() is a dict of
    every compiled metric's result by its log key ("mae", or "<output>_mae" for several outputs)."""

    name = "compile_metrics"

    def __init__(self, model):
        self._model = model

    def result(self):
        core = self._model._core
        if core is None:  # a subclassed model not built yet has run no batch
            raise ValueError("Cannot get the compiled metrics' results before the model has trained or evaluated on "
                             "a batch: the metrics are built for the outputs on the first batch.")
        return {key: _result(value) for key, value in core.compiled_metrics_result()}

    def reset_state(self):
        if self._model._core is not None:
            self._model._core.reset_compiled_metrics()

    def __repr__(self):
        return "<CompileMetrics name=compile_metrics>"


class RunningMetrics:
    """The running-metric members of Trainer."""

    @property
    def metrics(self):
        """Keras's order: the loss tracker, the compiled metrics (when compile() was given metrics
        or weighted_metrics, even empty ones), then each output's loss tracker once the model has
        run, for a model of several outputs compiled with a loss."""
        if not self.compiled:
            return []
        metrics = [LossTracker(self, "loss")]
        kwargs = self._compile_kwargs
        if (kwargs["metrics"] is not None or kwargs["weighted_metrics"] is not None) if kwargs else self._metric_names:
            metrics.append(CompileMetrics(self))
        outputs = self._loss_outputs() if self.__dict__.get("_losses_tracked") else []
        if len(outputs) > 1 and not self._without_loss():
            log_names = self._output_log_names()
            metrics += [LossTracker(self, f"{name}_loss", log_names.index(name)) for name in outputs]
        return metrics

    @property
    def metrics_names(self):
        return [metric.name for metric in self.metrics]

    def reset_metrics(self):
        for metric in self.metrics:
            metric.reset_state()

    def get_metrics_result(self):
        """Each running metric's result by log key, in model.metrics' order, as Python values."""
        results = {}
        for metric in self.metrics:
            value = metric.result()
            results.update(value if isinstance(value, dict) else {metric.name: value})
        return {key: log_value(value) for key, value in results.items()}
