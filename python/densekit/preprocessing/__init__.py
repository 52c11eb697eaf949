"""keras.preprocessing: Keras 3 keeps ``keras.preprocessing.sequence.pad_sequences`` beside
``keras.utils.pad_sequences``, and ``timeseries_dataset_from_array`` beside keras.utils'."""

from densekit.preprocessing import sequence  # noqa: F401
from densekit.utils.timeseries import timeseries_dataset_from_array  # noqa: F401
