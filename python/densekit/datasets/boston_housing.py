"""Boston housing prices: 506 samples of 13 features, targets in k$ (keras/src/datasets/boston_housing.py).
Keras warns against using it outside discussions of ethics in data science: one feature
encodes an assumption about race. ``california_housing`` with ``version="small"`` replaces it.
Cached as ``~/.keras/datasets/boston_housing.npz``."""

from densekit.datasets._files import BUCKET, check_test_split, read_npz, shuffled_split
from densekit.utils.file_utils import get_file

ORIGIN = BUCKET + "boston_housing.npz"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """``(x_train, y_train), (x_test, y_test)``: features (n, 13) and targets (n,), shuffled with
    ``seed`` and split with the last ``test_split`` of the samples for testing, as Keras splits them."""
    check_test_split(test_split)
    path = get_file(path, origin=ORIGIN, file_hash=FILE_HASH)
    x, y = read_npz(path, ("x", "y"))
    return shuffled_split(x, y, test_split, seed)
