"""CallbackList: runs the hooks of several callbacks in order, sharing one logs dict."""

from densekit.callbacks.callback import Callback
from densekit.callbacks.history import History
from densekit.callbacks.progbar_logger import ProgbarLogger

# How often the loop calls batch-end hooks when only the progress bar wants them.
PROGBAR_INTERVAL = 0.05


class CallbackList(Callback):
    """The callbacks of one fit / evaluate / predict call: the user's (in the given order),
    then History (fit), then ProgbarLogger (verbose != 0), unless already among them.

    Every hook passes the same logs dict to each callback in turn, so a callback sees the
    changes of the ones before it."""

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        if callbacks is None:
            callbacks = []
        elif isinstance(callbacks, Callback) and not isinstance(callbacks, CallbackList):
            callbacks = [callbacks]
        self.callbacks = list(callbacks.callbacks if isinstance(callbacks, CallbackList) else _flat(callbacks))
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"Expected a keras Callback instance in `callbacks`, received: {cb!r} "
                                f"(of type {type(cb)}). Subclass densekit.callbacks.Callback.")
        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        self._progbar = next((cb for cb in self.callbacks if isinstance(cb, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self.set_model(model)
        self.set_params(params)

    @property
    def history(self):
        return self._history

    def set_params(self, params):
        self.params = params
        if params:
            for cb in self.callbacks:
                cb.set_params(params)

    def set_model(self, model):
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for cb in self.callbacks:
            cb.set_model(model)

    # --- what the C++ loop must call back for -----------------------------------------------
    def implements(self, hook):
        """Whether any callback does something in ``hook``."""
        return any(cb._implements(hook) for cb in self.callbacks)

    def batch_end_interval(self, hook, progbar=True):
        """How the loop should call ``hook`` (a batch-end hook): 0.0 after every batch (a
        callback needs each one, or the bar counts batches of data of unknown length),
        PROGBAR_INTERVAL seconds apart (only the progress bar draws: verbose 1, and
        ``progbar``), or None (never: nothing would happen)."""
        if self.implements(hook):
            return 0.0
        if progbar and self._progbar is not None and self._progbar.verbose and self._progbar.target is None:
            return 0.0  # data of unknown length: the bar counts every batch, for its last line's count
        if progbar and self._progbar is not None and self._progbar.verbose == 1:
            return PROGBAR_INTERVAL
        return None

    # --- hooks ------------------------------------------------------------------------------
    def _call(self, hook, *args):
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    def _call_batch(self, hook, batch, logs):
        for cb in self.callbacks:
            getattr(cb, hook)(batch, logs=logs)

    def on_batch_begin(self, batch, logs=None):
        self._call_batch("on_batch_begin", batch, logs if logs is not None else {})

    def on_batch_end(self, batch, logs=None):
        self._call_batch("on_batch_end", batch, logs if logs is not None else {})

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs if logs is not None else {})

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs if logs is not None else {})

    def on_train_batch_begin(self, batch, logs=None):
        self._call_batch("on_train_batch_begin", batch, logs if logs is not None else {})

    def on_train_batch_end(self, batch, logs=None):
        self._call_batch("on_train_batch_end", batch, logs if logs is not None else {})

    def on_test_batch_begin(self, batch, logs=None):
        self._call_batch("on_test_batch_begin", batch, logs if logs is not None else {})

    def on_test_batch_end(self, batch, logs=None):
        self._call_batch("on_test_batch_end", batch, logs if logs is not None else {})

    def on_predict_batch_begin(self, batch, logs=None):
        self._call_batch("on_predict_batch_begin", batch, logs if logs is not None else {})

    def on_predict_batch_end(self, batch, logs=None):
        self._call_batch("on_predict_batch_end", batch, logs if logs is not None else {})

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs if logs is not None else {})

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs if logs is not None else {})

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs if logs is not None else {})

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs if logs is not None else {})

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs if logs is not None else {})

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs if logs is not None else {})


def _flat(callbacks):
    """Nested lists and tuples of callbacks, in order, as Keras flattens them (tree.flatten)."""
    for cb in callbacks:
        if isinstance(cb, (list, tuple)):
            yield from _flat(cb)
        else:
            yield cb
