"""keras.config / keras.backend's settings and dtype helpers: image_data_format is settable and
read by the layers that take a data_format; epsilon is Keras's 1e-7 (another value is refused,
since the C++ losses use that one); standardize_dtype and its tests name dtypes as Keras does."""

import os

import numpy as np
import pytest

import densekit as keras


def test_image_data_format_is_read_by_layers_given_none():
    assert keras.config.image_data_format() == "channels_last"
    try:
        keras.config.set_image_data_format("Channels_First")
        assert keras.backend.image_data_format() == "channels_first"
        assert keras.layers.GlobalAveragePooling1D().data_format == "channels_first"
        assert keras.layers.Flatten().data_format == "channels_first"
        assert keras.layers.GlobalMaxPooling1D(data_format="channels_last").data_format == "channels_last"
    finally:
        keras.config.set_image_data_format("channels_last")
    with pytest.raises(ValueError, match="must be one of"):
        keras.config.set_image_data_format("nhwc")
    assert keras.config.image_data_format() == "channels_last"


def test_epsilon_is_kerass_default_and_other_values_are_refused():
    assert keras.config.epsilon() == 1e-7
    keras.config.set_epsilon(1e-7)
    with pytest.raises(ValueError, match="epsilon 1e-07 only"):
        keras.config.set_epsilon(1e-5)
    assert keras.backend.epsilon() == 1e-7


def test_dtype_names_as_keras_gives_them():
    standardize = keras.backend.standardize_dtype
    assert [standardize(d) for d in (None, int, float, bool, str, "int", "float", np.int32, np.dtype("uint8"),
                                     "bfloat16")] == \
        ["float32", "int64", "float32", "bool", "string", "int64", "float32", "int32", "uint8", "bfloat16"]
    with pytest.raises(ValueError, match="Invalid dtype: str"):
        standardize("str")
    assert keras.utils.standardize_dtype is standardize
    assert keras.backend.is_float_dtype("bfloat16") and not keras.backend.is_float_dtype("int8")
    assert keras.backend.is_int_dtype(np.uint16) and not keras.backend.is_int_dtype(float)
    assert keras.utils.is_keras_tensor(keras.Input((2,))) and not keras.backend.is_keras_tensor(np.zeros(2))


def test_kerass_other_config_switches():
    keras.config.enable_unsafe_deserialization()  # nothing to unlock: densekit files hold no bytecode
    assert keras.config.is_traceback_filtering_enabled()
    keras.config.disable_traceback_filtering()
    assert not keras.config.is_traceback_filtering_enabled()
    keras.config.enable_traceback_filtering()
    policy = keras.config.dtype_policy()
    assert (policy.name, policy.compute_dtype, policy.variable_dtype) == ("float32",) * 3
    keras.config.set_dtype_policy("float32")
    keras.config.set_dtype_policy(policy)
    with pytest.raises(ValueError, match="float32 only \\(no mixed precision\\). Received: policy='mixed_float16'"):
        keras.config.set_dtype_policy("mixed_float16")
    assert keras.metrics.Mean().dtype == "float32"
    assert keras.preprocessing.timeseries_dataset_from_array is keras.utils.timeseries_dataset_from_array


def test_disabled_interactive_logging_sends_printed_output_to_the_logger(capsys, caplog):
    """Keras's disable_interactive_logging (keras/src/utils/io_utils.py): the progress bar, the
    epoch lines and summary() go to a logger instead of stdout (silent unless set up)."""
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((8, 3), "float32"), np.ones((8, 1), "float32")
    assert keras.config.is_interactive_logging_enabled()
    keras.config.disable_interactive_logging()
    try:
        with caplog.at_level("INFO", logger="densekit"):
            model.fit(x, y, epochs=2, verbose=2)
            model.summary()
            # the callbacks' messages too (they printed to stdout)
            schedule = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.5 * lr, verbose=1)
            stop = keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=1e9, verbose=1)
            model.fit(x, y, epochs=3, verbose=0, callbacks=[schedule, stop])
    finally:
        keras.config.enable_interactive_logging()
    assert capsys.readouterr().out == ""
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Epoch 2/2" in logged and "loss:" in logged and "Trainable params: 4" in logged
    assert "LearningRateScheduler setting learning rate to" in logged and "early stopping" in logged
    with pytest.raises(ValueError, match="valid level for logging verbosity"):
        keras.utils.io_utils.set_logging_verbosity("LOUD")
    model.fit(x, y, epochs=1, verbose=2)
    assert "loss:" in capsys.readouterr().out


def test_a_console_that_cannot_show_unicode_gets_ascii_output():
    """Keras's io_utils falls back where stdout's encoding lacks the bar's and the table's
    characters (a cp1251 Windows console): fit and summary raised UnicodeEncodeError."""
    import subprocess
    import sys
    code = ("import numpy as np, densekit as keras\n"
            "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, name='d')])\n"
            "m.summary()\n"
            "m.summary(show_trainable=True, line_length=40)\n"
            "m.compile('adam', 'mse')\n"
            "m.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=1, verbose=1)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120,
                          env={**os.environ, "PYTHONIOENCODING": "cp1251"})
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    out = done.stdout.decode("cp1251")
    assert "+----" in out and "| d (Dense)" in out and "|-----" in out and "━" not in out
    table = [line for line in out.splitlines() if line[:1] in ("+", "|")]
    assert len({len(line) for line in table[-5:]}) == 1  # a cut cell keeps its width (Trai. for Trainable)
    assert "1/1" in out and "====" in out
