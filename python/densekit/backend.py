"""Global state shared by every model: object names, epsilon, float type."""

from densekit import _core


def clear_session():
    """Resets the global name counters (``dense``, ``dense_1``, ... start over)."""
    _core.reset_names()


def epsilon():
    """The fuzz factor of losses and metrics: ``1e-7``."""
    return 1e-7


def floatx():
    """The float type of weights and outputs: ``"float32"``."""
    return "float32"


def set_floatx(value):
    """densekit computes in float32 only: "float32" is accepted, any other type refused."""
    if value != "float32":
        raise ValueError(f"densekit computes in float32 only. Received: floatx={value!r}")


def image_data_format():
    """Where the channels of an image are: ``"channels_last"`` (Keras's default; densekit's
    layers take flattened images, Flatten and Reshape keep this order)."""
    return "channels_last"


def standardize_data_format(data_format):
    """``data_format`` in lower case, or image_data_format() for None; ValueError for any value
    other than "channels_first" or "channels_last" (keras/src/backend/config.py)."""
    if data_format is None:
        return image_data_format()
    data_format = str(data_format).lower()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError("The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
                         f"Received: data_format={data_format}")
    return data_format


def backend():
    """The name of what computes: ``"densekit"`` (Keras gives "tensorflow", "jax" or "torch")."""
    return "densekit"
