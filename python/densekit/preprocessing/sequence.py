"""keras.preprocessing.sequence: pad_sequences (the same function as densekit.utils')."""

from densekit.utils.sequences import pad_sequences  # noqa: F401

__all__ = ["pad_sequences"]
