"""Kept for code that imports from here (layers/normalization.py): the conversion of arrays is
in utils/arrays.py, the model's data handling in trainers/data_adapter.py."""

from densekit.trainers.data_adapter import as_list, check_input_shapes, split_validation  # noqa: F401
from densekit.utils.arrays import check_same_length, is_pandas, to_array  # noqa: F401

_is_pandas = is_pandas
