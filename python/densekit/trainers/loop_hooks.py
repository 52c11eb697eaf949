"""The callbacks of fit, evaluate and predict as hooks of the C++ loops (cpp/include/densekit/model.hpp,
FitHooks and LoopHooks), and the logs as the callbacks see them.

A hook is installed only where some callback does something, so a loop without callbacks never
calls into Python. Keras reads ``stop_training`` / ``stop_evaluating`` / ``stop_predicting`` after
every batch (keras/src/backend/tensorflow/trainer.py): a flag set by any callback, in
``on_*_begin`` too, stops the loop after the batch in progress. ``stop_training`` lives in C++
(Trainer.stop_training), which reads it after every batch; for the other two each hook returns
the flag, and where the only callback that can set it runs before the first batch, a hook reads
it after that batch alone.
"""

import math

import numpy as np

from densekit import _core


def log_value(value):
    """A log value as Keras's pythonify_logs leaves it: a Python float, or the float32 array of a
    metric with one value per threshold or class."""
    return value if isinstance(value, np.ndarray) else float(value)


def sorted_logs(logs):
    """Keras's pythonified logs (keras/src/utils/python_utils.py, pythonify_logs): every key
    sorted, an epoch's validation results among the others; values Python floats (or a metric's
    array)."""
    return {key: log_value(value) for key, value in sorted(logs, key=lambda kv: kv[0])}


class Passes:
    """What opens the passes of gated feeders (data_streams.Feeder.open_pass): ``train()`` as
    each epoch begins, ``validation()`` as each validation begins; nothing until fit has made
    the feeders."""

    def __init__(self):
        self.train = self.validation = lambda: None


def test_hooks(model, cbl, handle_sigint, in_fit=False, passes=None):
    """evaluate's hooks for the callbacks in ``cbl`` (the progress bar's batch updates
    throttled; none for validation inside fit, which the bar does not show)."""
    hooks = _core.LoopHooks()
    hooks.handle_sigint = handle_sigint
    interval = cbl.batch_end_interval("on_test_batch_end", progbar=not in_fit)
    watched = interval is not None or cbl.implements("on_test_batch_begin")
    if watched or cbl.implements("on_test_begin") or cbl.implements("on_test_end") or passes is not None:
        def begin():
            model.stop_evaluating = False  # as each Keras evaluation starts, fit's validation passes too
            cbl.on_test_begin()
            if passes is not None:
                passes.validation()
        hooks.begin = begin
        hooks.end = lambda logs: cbl.on_test_end(sorted_logs(logs))
    if cbl.implements("on_test_batch_begin"):
        def batch_begin(batch):
            cbl.on_test_batch_begin(batch)
            return bool(getattr(model, "stop_evaluating", False))
        hooks.batch_begin = batch_begin
    if interval is not None or cbl.implements("on_test_begin"):
        def batch_end(batch, logs):
            if interval is not None:
                cbl.on_test_batch_end(batch, sorted_logs(logs))
            return bool(getattr(model, "stop_evaluating", False))
        hooks.batch_end = batch_end
        # Else only on_test_begin can have asked to stop: read after the first batch (a batch_end
        # hook is always called for the first batch).
        hooks.batch_end_interval = math.inf if interval is None else interval
    return hooks


def fit_hooks(model, cbl, options, passes=None):
    """fit's hooks, and a one-item list that receives the last epoch's logs (for on_train_end).
    Sets options.batch_hook_interval when the batch-end hook is throttled. ``passes``: a Passes
    whose feeders the hooks open (fit on a generator or PyDataset)."""
    hooks = _core.FitHooks()
    hooks.validation = test_hooks(model, cbl, options.handle_sigint, in_fit=True, passes=passes)
    last_logs = [None]

    def epoch_begin(epoch):
        cbl.on_epoch_begin(epoch)
        if passes is not None:
            passes.train()  # the epoch's batches are read from now on
        return bool(model.stop_training)

    def epoch_end(epoch, logs):
        last_logs[0] = sorted_logs(logs)
        cbl.on_epoch_end(epoch, last_logs[0])
        return bool(model.stop_training)

    if cbl.implements("on_epoch_begin") or passes is not None:  # else no call into Python at epoch begin
        hooks.epoch_begin = epoch_begin
    hooks.epoch_end = epoch_end
    if cbl.implements("on_train_batch_begin"):
        def batch_begin(epoch, batch):
            cbl.on_train_batch_begin(batch)
            return bool(model.stop_training)
        hooks.batch_begin = batch_begin
    interval = cbl.batch_end_interval("on_train_batch_end")
    if interval is not None:
        def batch_end(epoch, batch, logs):
            cbl.on_train_batch_end(batch, sorted_logs(logs))
            return bool(model.stop_training)
        hooks.batch_end = batch_end
        options.batch_hook_interval = interval
    return hooks, last_logs


def predict_hooks(model, cbl, handle_sigint, rows, batch_size):
    """predict's hooks, and the output arrays the C++ loop fills when a callback reads each
    batch's outputs (else None: C++ makes them)."""
    hooks = _core.LoopHooks()
    hooks.handle_sigint = handle_sigint
    if not cbl.callbacks:
        return hooks, None
    out = None
    hooks.begin = lambda: cbl.on_predict_begin()
    hooks.end = lambda logs: cbl.on_predict_end()
    if cbl.implements("on_predict_batch_begin"):
        def batch_begin(batch):
            cbl.on_predict_batch_begin(batch)
            return bool(model.stop_predicting)
        hooks.batch_begin = batch_begin
    interval = cbl.batch_end_interval("on_predict_batch_end")
    if interval is not None:
        # The callbacks see each batch's rows of the output arrays being filled.
        graph = model._graph
        out = [np.empty((rows,) + tuple(graph.node_shape(o)), dtype=np.float32) for o in graph.output_nodes]

        def batch_end(batch, logs):
            part = [o[batch * batch_size:(batch + 1) * batch_size] for o in out]
            cbl.on_predict_batch_end(batch, {"outputs": part[0] if len(part) == 1 else part})
            return bool(model.stop_predicting)
        hooks.batch_end = batch_end
        hooks.batch_end_interval = interval
    elif cbl.implements("on_predict_begin"):  # which may set stop_predicting: read after the first batch
        hooks.batch_end = lambda batch, logs: bool(model.stop_predicting)
        hooks.batch_end_interval = math.inf
    return hooks, out
