"""Reading the files Keras's datasets are stored in, shared by the loaders: plain ``.npz``
archives, ``.npz`` archives of ragged (object) arrays, and pickled NumPy arrays. Object arrays
and pickles are read with an unpickler that can only rebuild NumPy arrays, so a tampered file
cannot run code (keras/src/datasets/npz_utils.py does the same)."""

import io
import pickle
import zipfile

import numpy as np

# Where Keras keeps every dataset except CIFAR.
BUCKET = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# The only globals a pickled NumPy array needs, under NumPy 1's and NumPy 2's module names, and
# the codec call Python 3 writes bytes with under pickle protocol 2 (it turns a str into bytes).
_ARRAY_GLOBALS = frozenset(
    (module, name)
    for package in ("numpy.core", "numpy._core")
    for module, name in ((f"{package}.multiarray", "_reconstruct"), (f"{package}.multiarray", "scalar"),
                         (f"{package}.numeric", "_frombuffer"))
) | {("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}


class ArrayUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds NumPy arrays and plain Python values and refuses anything else."""

    def find_class(self, module, name):
        if (module, name) not in _ARRAY_GLOBALS:
            raise pickle.UnpicklingError(f"Refusing to load `{module}.{name}` from a dataset file: the file is "
                                         "corrupted or was not written by Keras.")
        # NumPy 2 moved numpy.core to numpy._core (and warns on the old name): try the new
        # spelling first, then the old one, whichever the file used.
        rest = module.split(".", 2)[-1] if module.startswith(("numpy.core.", "numpy._core.")) else None
        for candidate in ([f"numpy._core.{rest}", f"numpy.core.{rest}"] if rest else [module]):
            try:
                return super().find_class(candidate, name)
            except (ImportError, AttributeError):
                continue
        raise pickle.UnpicklingError(f"This NumPy cannot rebuild `{module}.{name}` from a dataset file.")


def _read_npy(stream):
    try:
        return np.lib.format.read_array(stream, allow_pickle=False)
    except ValueError:  # an object array: its data is a pickle after the header
        stream.seek(0)
        major, _ = np.lib.format.read_magic(stream)
        if major == 1:
            np.lib.format.read_array_header_1_0(stream)
        else:  # versions 2 and 3 share the header layout
            np.lib.format.read_array_header_2_0(stream)
        return ArrayUnpickler(stream).load()


def read_npz(path, names, objects=False):
    """The arrays ``names`` of an ``.npz`` file, as a tuple. ``objects=True`` also accepts object
    arrays (the ragged sequences of IMDB and Reuters)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = set(archive.namelist())
            missing = [name for name in names if f"{name}.npy" not in members]
            if missing:
                raise ValueError(f"{path} is missing the arrays {missing}: it is not the file Keras's dataset "
                                 "loader expects. Delete it to download it again.")
            arrays = []
            for name in names:
                stream = io.BytesIO(archive.read(f"{name}.npy"))
                arrays.append(_read_npy(stream) if objects else np.lib.format.read_array(stream, allow_pickle=False))
            return tuple(arrays)
    except zipfile.BadZipFile as error:
        raise ValueError(f"{path} is not an .npz file ({error}). Delete it to download it again.") from error


def unpickle(path):
    """A pickled dict of arrays and lists (a CIFAR batch), with its keys as ``str``."""
    with open(path, "rb") as f:
        content = ArrayUnpickler(f, encoding="bytes").load()
    if not isinstance(content, dict):
        raise ValueError(f"{path} does not hold a pickled dict.")
    return {key.decode("utf8") if isinstance(key, bytes) else key: value for key, value in content.items()}


def check_test_split(test_split):
    if isinstance(test_split, bool) or not isinstance(test_split, (int, float, np.integer, np.floating)) \
            or not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split!r}. It must be between 0 and 1 (exclusive of 1).")


def shuffled_split(x, y, test_split, seed):
    """Shuffles with ``np.random.RandomState(seed)`` and splits as Keras does, so the same seed
    gives the same training and test samples as Keras."""
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    split = int(len(x) * (1 - test_split))
    return (x[:split], y[:split]), (x[split:], y[split:])
