"""The Callback base class: every hook of keras/src/callbacks/callback.py, each a no-op by default."""

# The deprecated aliases on_batch_begin/on_batch_end are called by the default
# on_train_batch_begin/on_train_batch_end, so overriding either counts.
_ALIASES = {
    "on_train_batch_begin": ("on_train_batch_begin", "on_batch_begin"),
    "on_train_batch_end": ("on_train_batch_end", "on_batch_end"),
}


class Callback:
    """Base class of every callback. ``self.model`` and ``self.params`` are set by fit /
    evaluate / predict before the first hook runs."""

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    @model.setter
    def model(self, model):
        self._model = model

    def _implements(self, hook):
        """Whether this callback does something in ``hook`` (a method its class overrides, or a
        function set on the instance). The training loop calls back per batch only for hooks
        some callback implements."""
        for name in _ALIASES.get(hook, (hook,)):
            if name in self.__dict__ or getattr(type(self), name) is not getattr(Callback, name):
                return True
        return False

    def on_batch_begin(self, batch, logs=None):
        """A backwards compatibility alias for `on_train_batch_begin`."""

    def on_batch_end(self, batch, logs=None):
        """A backwards compatibility alias for `on_train_batch_end`."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of an epoch (fit only)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch with the epoch's logs (validation keys prefixed `val_`)."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before each training batch."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after each training batch with the running metrics of the epoch."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each batch of evaluate (and of validation inside fit)."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after each batch of evaluate (and of validation inside fit)."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each batch of predict."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each batch of predict; logs are ``{"outputs": batch_outputs}``."""

    def on_train_begin(self, logs=None):
        """Called at the beginning of fit."""

    def on_train_end(self, logs=None):
        """Called at the end of fit with the last epoch's logs."""

    def on_test_begin(self, logs=None):
        """Called at the beginning of evaluate (and of validation inside fit)."""

    def on_test_end(self, logs=None):
        """Called at the end of evaluate (and of validation inside fit) with its logs."""

    def on_predict_begin(self, logs=None):
        """Called at the beginning of predict."""

    def on_predict_end(self, logs=None):
        """Called at the end of predict."""
