"""Running the user's Python code (a Lambda's function, a Layer subclass's call, a loss or metric
function) on symbolic tensors, with errors that point at the user's line."""

import contextlib
import sys
import threading
import traceback

_state = threading.local()  # how many traced calls are running on this thread


def tracing():
    """Whether the user's code is running on symbolic tensors (inside trace_call or a model's
    traced call): densekit.random then leaves its draws to the model."""
    return getattr(_state, "depth", 0) > 0


@contextlib.contextmanager
def symbolic_scope():
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1


@contextlib.contextmanager
def outside_trace():
    """A layer's build() reached from a traced call works on shapes and values, not tensors:
    its weights' initial values are set there (LayerVariable.assign)."""
    depth, _state.depth = getattr(_state, "depth", 0), 0
    try:
        yield
    finally:
        _state.depth = depth


class TrainingDecidedAtRun:
    """The ``training`` a Layer subclass's ``call`` receives when traced into a model without a
    mode: the C++ graph runs in both modes, so the flag has no value while the call is traced.
    Passed on to layers (``self.dropout(x, training=training)``) it lets each run decide; used in
    a Python condition it raises rather than silently trace one mode's branch for both."""

    def __bool__(self):
        raise NotImplementedError(
            "`training` has no value while densekit traces call() into a model's graph, which runs in both modes: "
            "a Python branch on it would fix one mode for both. Pass it on to layers that behave per mode "
            "(self.dropout = layers.Dropout(rate) in __init__, then self.dropout(x, training=training)).")

    def __repr__(self):
        return "<training: decided when the model runs>"


TRAINING_DECIDED_AT_RUN = TrainingDecidedAtRun()


def _user_frame(error):
    """"file:line (code)" of the innermost traceback frame outside densekit (the user's code)."""
    package = __name__.rsplit(".", 2)[0].replace(".", "/")
    libraries = (f"/{package}/", "/numpy/")  # a NumPy call on a tensor fails inside NumPy: name the caller
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if not any(lib in f.filename.replace("\\", "/") for lib in libraries)]
    if not frames:
        return "?"
    f = frames[-1]
    return f"{f.filename}:{f.lineno} ({(f.line or '').strip()})"


def trace_call(owner, function, *args, **kwargs):
    """Runs ``function`` on symbolic tensors; an error (an op densekit cannot record, NumPy or
    Python control flow on a tensor) names the function and the line that raised it."""
    try:
        with symbolic_scope():
            return function(*args, **kwargs)
    except (TypeError, NotImplementedError, ValueError) as error:
        name = getattr(function, "__qualname__", repr(function))
        raise type(error)(f"{owner} could not be traced on symbolic tensors: `{name}` raised at {_user_frame(error)}: "
                          f"{error}").with_traceback(sys.exc_info()[2]) from None
