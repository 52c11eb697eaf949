"""Callbacks: hooks into fit / evaluate / predict (keras-spec.md §9). The C++ loop calls back at
epoch ends, and at batch ends only when a callback needs it."""

from densekit.utils.progbar import Progbar

__all__ = ["Callback", "CallbackList", "History", "LambdaCallback", "ProgbarLogger"]

_BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end")


class Callback:
    """Base class: every hook is a no-op; ``self.model`` and ``self.params`` are set by fit."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass

    def _overrides(self, *hooks):
        return any(getattr(type(self), h) is not getattr(Callback, h) for h in hooks)

    @property
    def needs_train_batches(self):
        """Whether the training loop must call back after every batch for this callback."""
        return self._overrides(*_BATCH_HOOKS)


class History(Callback):
    """Records every epoch's logs: ``history.history[key]`` is a list per epoch."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self


class ProgbarLogger(Callback):
    """Prints ``Epoch i/n`` and a progress bar (verbose 1) or one line per epoch (verbose 2)."""

    def __init__(self):
        super().__init__()
        self.progbar = None
        self.verbose = 1
        self.epochs = 1
        self.target = None

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    @property
    def needs_train_batches(self):
        return False  # fit throttles its batch calls for the bar instead

    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}")
        self.progbar = Progbar(self.target, verbose=self.verbose)

    def on_train_batch_end(self, batch, logs=None):
        self.progbar.update(batch + 1, list((logs or {}).items()), finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        self.progbar.update(self.target, list((logs or {}).items()), finalize=True)

    def on_test_begin(self, logs=None):
        if not getattr(self, "_in_fit", False):
            self.progbar = Progbar(self.target, verbose=self.verbose)

    def on_test_batch_end(self, batch, logs=None):
        if not getattr(self, "_in_fit", False):
            self.progbar.update(batch + 1, list((logs or {}).items()), finalize=False)

    def on_test_end(self, logs=None):
        if not getattr(self, "_in_fit", False):
            self.progbar.update(self.target, list((logs or {}).items()), finalize=True)

    def on_predict_begin(self, logs=None):
        self.progbar = Progbar(self.target, verbose=self.verbose)

    def on_predict_batch_end(self, batch, logs=None):
        self.progbar.update(batch + 1, finalize=False)

    def on_predict_end(self, logs=None):
        self.progbar.update(self.target, finalize=True)

    def on_train_end(self, logs=None):
        self._in_fit = False


class LambdaCallback(Callback):
    """A callback made of plain functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_train_begin=on_train_begin,
                     on_train_end=on_train_end, on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **kwargs)
        self._given = {name for name, fn in hooks.items() if fn is not None}
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)

    @property
    def needs_train_batches(self):
        return bool(self._given & set(_BATCH_HOOKS))


class CallbackList:
    """Runs the hooks of several callbacks in order, passing the same logs dict to each."""

    def __init__(self, callbacks, model, params, add_history=False, add_progbar=False):
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"Expected a keras Callback instance in `callbacks`, received: {cb!r}")
        if add_history:
            self.history = History()
            self.callbacks.append(self.history)
        if add_progbar:
            self.callbacks.append(ProgbarLogger())
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)

    @property
    def needs_train_batches(self):
        return any(cb.needs_train_batches for cb in self.callbacks)

    @property
    def needs_epoch_begin(self):
        """Whether any callback does something at epoch begin (else fit skips that call)."""
        return any(cb._overrides("on_epoch_begin") for cb in self.callbacks)

    @property
    def has_progbar(self):
        return any(isinstance(cb, ProgbarLogger) and cb.verbose == 1 for cb in self.callbacks)

    def call(self, hook, *args):
        for cb in self.callbacks:
            getattr(cb, hook)(*args)
