"""California housing prices: 20,640 districts of the 1990 US census, 8 features each, targets
in dollars (keras/src/datasets/california_housing.py). Cached as
``~/.keras/datasets/california_housing.npz``."""

from densekit.datasets._files import BUCKET, check_test_split, read_npz, shuffled_split
from densekit.utils.file_utils import get_file

ORIGIN = BUCKET + "california_housing.npz"
FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"
FEATURE_NAMES = ("MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup", "Latitude", "Longitude")
_SMALL_SIZE = 600


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """``(x_train, y_train), (x_test, y_test)``: features (n, 8) and targets (n,), shuffled with
    ``seed`` and split as Keras splits them. ``version="small"`` keeps only the first 600 samples."""
    if version not in ("large", "small"):
        raise ValueError(f"Argument `version` must be one of 'small', 'large'. Received: version={version}")
    check_test_split(test_split)
    path = get_file(path, origin=ORIGIN, file_hash=FILE_HASH)
    x, y = read_npz(path, ("x", "y"))
    if version == "small":
        x, y = x[:_SMALL_SIZE], y[:_SMALL_SIZE]
    return shuffled_split(x, y, test_split, seed)
