"""keras.preprocessing: Keras 3 keeps ``keras.preprocessing.sequence.pad_sequences`` beside
``keras.utils.pad_sequences``."""

from densekit.preprocessing import sequence  # noqa: F401
