"""The shape of a bad-input case and the small models and arrays the cases share."""

import numpy as np

KINDS = ("wrong_rank", "wrong_width", "wrong_dtype", "nonfinite", "empty", "one_row", "mismatched_lengths",
         "labels", "hyperparameter", "unknown_name", "wrong_type", "dict_keys", "corrupt_file")


class Case:
    """One public entry point given one kind of bad input.

    ``fn(tmp)`` performs the call (``tmp``: an empty directory of its own). ``exc`` is the
    exception Keras documents (or raises) for it and ``match`` a substring its message must
    contain, naming the problem; ``exc=None`` means the input is valid in Keras (an edge, such as
    one row) and the call must succeed (``fn`` asserts what it returned). ``finding`` marks a case
    that fails today for a reason outside Python (the C++ core); the test expects it to fail.
    ``needs`` names the optional module the case needs (h5py for Keras's files): without it the
    case is skipped.
    """

    def __init__(self, entry, kind, detail, fn, exc=None, match=None, finding=None, needs=None):
        assert kind in KINDS, kind
        self.id = f"{entry}-{kind}-{detail}"
        self.entry, self.kind, self.fn, self.exc, self.match, self.finding = entry, kind, fn, exc, match, finding
        self.needs = needs

    def run(self, tmp):
        return self.fn(tmp)


class Table:
    def __init__(self):
        self.cases = []

    def add(self, entry, kind, detail, fn, exc=None, match=None, finding=None, needs=None):
        self.cases.append(Case(entry, kind, detail, fn, exc, match, finding, needs))

    def ok(self, entry, kind, detail, fn):
        self.add(entry, kind, detail, fn)


def keras():
    import densekit

    return densekit


def x(n=8, width=3, dtype="float32"):
    return np.linspace(-1, 1, n * width).reshape(n, width).astype(dtype)


def y(n=8, width=1):
    return np.linspace(0, 1, n * width).reshape(n, width).astype("float32")


def labels(n=8, classes=3):
    return np.arange(n) % classes


def regressor(width=3, compile=True):
    k = keras()
    model = k.Sequential([k.Input((width,)), k.layers.Dense(4, activation="relu"), k.layers.Dense(1)])
    if compile:
        model.compile(optimizer="sgd", loss="mse")
    return model


def classifier(metrics=("accuracy",)):
    k = keras()
    model = k.Sequential([k.Input((3,)), k.layers.Dense(4, activation="relu"), k.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=list(metrics))
    return model


def two_in_two_out(compile=True):
    """Inputs "a" (3 wide) and "b" (2 wide), outputs "out1" (1 wide) and "out2" (2 wide)."""
    k = keras()
    a, b = k.Input((3,), name="a"), k.Input((2,), name="b")
    h = k.layers.concatenate([a, b])
    model = k.Model({"a": a, "b": b}, {"out1": k.layers.Dense(1, name="out1")(h),
                                       "out2": k.layers.Dense(2, name="out2")(h)})
    if compile:
        model.compile(optimizer="sgd", loss={"out1": "mse", "out2": "mse"})
    return model


def saved_model(tmp, name="model.keras"):
    path = tmp / name
    regressor().save(path)
    return path


def saved_weights(tmp, name="model.weights.h5"):
    path = tmp / name
    regressor().save_weights(path)
    return path


def assert_rows(result, rows):
    result = np.asarray(result)
    assert result.shape[0] == rows and np.all(np.isfinite(result)), f"unexpected result {result!r}"
