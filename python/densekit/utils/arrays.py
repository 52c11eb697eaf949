"""Turning what users pass (numpy arrays of any numeric dtype, lists, pandas) into the float32
C-ordered arrays the C++ core reads: converted once, no copy when they already are."""

import numpy as np


def is_pandas(obj):
    return type(obj).__module__.split(".")[0] == "pandas"


def to_array(data, what):
    """A float32 C-contiguous array from numpy arrays of any numeric dtype, lists, pandas."""
    if data is None:
        raise ValueError(f"`{what}` is None: pass an array.")
    if is_pandas(data):
        if hasattr(data, "dtypes") and hasattr(data.dtypes, "items"):
            bad = [str(col) for col, dt in data.dtypes.items() if dt.kind not in "biuf"]
            if bad:
                raise TypeError(f"`{what}` has non-numeric columns {bad}: encode them as numbers first "
                                "(for example with pandas.get_dummies).")
        dtypes = list(data.dtypes) if hasattr(data.dtypes, "items") else [data.dtype]
        if any(not isinstance(dt, np.dtype) and dt.kind in "biuf" for dt in dtypes):
            # Nullable columns (Int64, Float64, boolean) mark a missing value pd.NA, which has no
            # float value: as NaN it is refused with its row and column, as a float column's NaN.
            data = data.to_numpy(dtype=np.float32, na_value=np.nan)
        else:
            data = data.to_numpy()
    array = np.asarray(data)
    if array.dtype.kind == "O":  # Python objects: numbers are taken (scikit-learn passes these)
        try:
            array = _objects_as_float32(array)
        except (TypeError, ValueError):
            raise TypeError(f"`{what}` must hold real numbers; received an array of dtype object holding other "
                            "values.") from None
    if array.dtype.kind not in "biuf":
        # Complex, dates, durations, strings and records have no float32 value a model could
        # mean (numpy would drop imaginary parts, count nanoseconds or parse text).
        raise TypeError(f"`{what}` must hold real numbers (bool, integer or float); received an array of dtype "
                        f"{array.dtype}. Convert it first, for example with .astype('float32').")
    # Not np.ascontiguousarray: it makes a scalar a vector of one value, and callers refuse a
    # scalar where a batch is needed (a one-feature model would take it as one sample).
    return np.asarray(array, dtype=np.float32, order="C")


def _objects_as_float32(array):
    try:
        return array.astype(np.float32)
    except (TypeError, ValueError):
        missing = np.asarray(np.frompyfunc(_is_missing, 1, 1)(array), dtype=bool)
        if not missing.any():
            raise
        # pd.NA, which numpy cannot convert (None it takes as NaN): NaN too, so that a missing
        # value is refused as one, at its row and column, whatever container it came in.
        array = array.copy()
        array[missing] = np.nan
        return array.astype(np.float32)


def _is_missing(value):
    """Whether value is pandas's missing value pd.NA (without importing pandas)."""
    return type(value).__name__ == "NAType" and is_pandas(value)


def check_same_length(arrays, what):
    lengths = {len(a) for a in arrays}
    if len(lengths) > 1:
        raise ValueError(f"Data cardinality is ambiguous: the arrays of `{what}` have different numbers of samples "
                         f"({sorted(lengths)}). Make sure all arrays contain the same number of samples.")
