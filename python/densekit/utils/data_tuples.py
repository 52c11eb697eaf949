"""The ``(x, y, sample_weight)`` tuples a batch is (keras/src/trainers/data_adapters/
data_adapter_utils.py): ``keras.utils.pack_x_y_sample_weight`` and
``unpack_x_y_sample_weight``, which the batches of generators and PyDatasets are read with."""


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """``x`` alone (``(x,)`` when x is itself a tuple or list), ``(x, y)`` or
    ``(x, y, sample_weight)``: the shortest tuple that holds what is given."""
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` of a batch, None for what it does not hold."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) in (1, 2, 3):
        return data + (None,) * (3 - len(data))
    raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, found: "
                     f"{data!r:.200}")
