"""model.summary() text and progress-bar output (keras/src/utils/summary_utils.py,
keras/src/utils/progbar.py, keras/src/callbacks/progbar_logger.py; automatic names as in
keras/src/utils/naming.py), against output recorded from Keras 3.15.1."""

import io
import re

import numpy as np
import pytest

import densekit as keras
from densekit.utils import progbar

ANSI = re.compile(r"\x1b\[[0-9;]*m")

SPEC_SUMMARY = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 128)            │       100,480 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 10)             │         1,290 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 101,770 (397.54 KB)
 Trainable params: 101,770 (397.54 KB)
 Non-trainable params: 0 (0.00 B)"""


@pytest.fixture(autouse=True)
def _plain_console(monkeypatch):
    """No TTY and no COLUMNS override: an 80-column console, as when output is piped."""
    monkeypatch.delenv("COLUMNS", raising=False)
    keras.backend.clear_session()


def _summary_text(model, **kwargs):
    calls = []
    model.summary(print_fn=calls.append, **kwargs)
    assert len(calls) == 1, "print_fn is called once with the whole text"
    return calls[0]


def _row_cells(text):
    """(name, shape, params) of every body row of a 3-column summary."""
    rows = []
    for line in text.splitlines():
        if line.startswith("│"):
            rows.append(tuple(c.strip() for c in line.strip("│").split("│")))
    return rows


# --------------------------------------------------------------------------------------------
# summary()
# --------------------------------------------------------------------------------------------
def test_summary_matches_spec_example_exactly():
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(128), keras.layers.Dense(10)])
    text = _summary_text(model)
    assert text.rstrip("\n") == SPEC_SUMMARY
    table = [line for line in text.splitlines()[1:] if line[:1] in "┏┃┡│├└"]
    assert all(len(line) == 76 for line in table)


def test_summary_without_print_fn_prints_same_text(capsys):
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(128), keras.layers.Dense(10)])
    model.summary()
    out = capsys.readouterr().out
    assert "\x1b[" not in out
    assert out.rstrip("\n") == SPEC_SUMMARY


def test_summary_breast_cancer_network_param_footer():
    model = keras.Sequential([keras.Input((30,)), keras.layers.Dense(30, activation="relu"),
                              keras.layers.Dense(15, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
    assert model.count_params() == 1411
    text = _summary_text(model)
    lines = text.splitlines()
    assert lines[-3:] == [" Total params: 1,411 (5.51 KB)", " Trainable params: 1,411 (5.51 KB)",
                          " Non-trainable params: 0 (0.00 B)"]
    assert _row_cells(text) == [("dense (Dense)", "(None, 30)", "930"), ("dense_1 (Dense)", "(None, 15)", "465"),
                                ("dense_2 (Dense)", "(None, 1)", "16")]


def test_summary_spec15_names_vector():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16), keras.layers.Dropout(.2),
                              keras.layers.Dense(3)])
    assert [layer.name for layer in model.layers] == ["dense", "dropout", "dense_1"]
    assert [layer.count_params() for layer in model.layers] == [144, 0, 51]
    text = _summary_text(model)
    assert text.splitlines()[0] == 'Model: "sequential"'
    assert _row_cells(text) == [("dense (Dense)", "(None, 16)", "144"), ("dropout (Dropout)", "(None, 16)", "0"),
                                ("dense_1 (Dense)", "(None, 3)", "51")]
    assert " Total params: 195 (780.00 B)" in text.splitlines()


def test_summary_names_continue_and_reset():
    keras.layers.Dense(2)
    keras.layers.Dense(2)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    assert model.layers[0].name == "dense_2"
    assert model.name == "sequential"
    assert keras.Sequential().name == "sequential_1"
    keras.backend.clear_session()
    assert keras.layers.Dense(1).name == "dense"
    assert keras.Sequential().name == "sequential"


def test_summary_unbuilt_sequential():
    model = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(2)])
    text = _summary_text(model)
    assert _row_cells(text) == [("dense (Dense)", "?", "0 (unbuilt)"), ("dense_1 (Dense)", "?", "0 (unbuilt)")]
    assert text.splitlines()[-3:] == [" Total params: 0 (0.00 B)", " Trainable params: 0 (0.00 B)",
                                      " Non-trainable params: 0 (0.00 B)"]
    rows = [line for line in text.splitlines() if line.startswith("│")]
    assert rows[0] == "│ dense (Dense)                   │ ?                      │   0 (unbuilt) │"


def test_summary_of_a_sequential_built_by_a_call_shows_that_batch_size():
    # Keras's Sequential builds its Input from the first call's shape, batch size included.
    model = keras.Sequential([keras.layers.Dense(2), keras.layers.Dense(3)])
    model(np.zeros((1, 2)))
    assert _row_cells(_summary_text(model)) == [("dense (Dense)", "(1, 2)", "6"), ("dense_1 (Dense)", "(1, 3)", "9")]
    with_input = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    with_input(np.zeros((1, 2)))
    assert _row_cells(_summary_text(with_input))[0][1] == "(None, 2)"


def test_summary_of_an_unbuilt_sequential_shows_an_adapted_normalization():
    norm = keras.layers.Normalization()
    norm.adapt(np.random.default_rng(0).normal(size=(20, 9)))
    model = keras.Sequential([norm, keras.layers.Dense(1)])
    text = _summary_text(model)
    # Keras: the adapted layer is built for the data's shape; its int64 count takes 8 bytes.
    assert _row_cells(text) == [("normalization (Normalization)", "(20, 9)", "19"),
                                ("dense (Dense)", "?", "0 (unbuilt)")]
    assert text.splitlines()[-3:] == [" Total params: 19 (80.00 B)", " Trainable params: 0 (0.00 B)",
                                      " Non-trainable params: 19 (80.00 B)"]
    model(np.zeros((2, 9)))
    assert _summary_text(model).splitlines()[-3:] == [" Total params: 29 (120.00 B)", " Trainable params: 10 (40.00 B)",
                                                      " Non-trainable params: 19 (80.00 B)"]
    built_alone = keras.layers.Dense(3)
    built_alone.build((None, 4))
    assert _row_cells(_summary_text(keras.Sequential([built_alone])))[0] == ("dense_1 (Dense)", "(None, 3)", "15")


def test_summary_line_length_widens_table(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # a console wide enough for a 100-character table
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(128), keras.layers.Dense(10)])
    default = _summary_text(model)
    wide = _summary_text(model, line_length=100)
    table = [line for line in wide.splitlines()[1:] if line[:1] in "┏┃┡│├└"]
    assert len(table) == 7 and all(len(line) == 100 for line in table)
    assert [line for line in default.splitlines()[1:] if line[:1] in "┏┃┡│├└"][0].__len__() == 88
    assert _row_cells(wide) == [("dense (Dense)", "(None, 128)", "100,480"), ("dense_1 (Dense)", "(None, 10)", "1,290")]
    assert wide.splitlines()[-3:] == SPEC_SUMMARY.splitlines()[-3:]
    # the columns keep the 0.45 / 0.80 / 1.0 proportions
    separators = [i for i, ch in enumerate(table[0]) if ch == "┳"]
    assert abs(separators[0] - 45) <= 2 and abs(separators[1] - 80) <= 2


def test_summary_optimizer_params_after_fit():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16), keras.layers.Dense(3)])
    model.compile(optimizer="adam", loss="mse")
    assert "Optimizer params" not in _summary_text(model)
    x = np.random.default_rng(0).normal(size=(8, 8)).astype(np.float32)
    model.fit(x, np.zeros((8, 3), np.float32), epochs=1, verbose=0)
    lines = _summary_text(model).splitlines()
    assert lines[-4:] == [" Total params: 587 (2.29 KB)", " Trainable params: 195 (780.00 B)",
                          " Non-trainable params: 0 (0.00 B)", " Optimizer params: 392 (1.53 KB)"]


def test_summary_long_name_wraps_in_column():
    model = keras.Sequential([keras.Input((4,)),
                              keras.layers.Dense(2, name="a_long_layer_name_to_wrap")])
    text = _summary_text(model)
    body = [line for line in text.splitlines() if line.startswith("│")]
    assert len(body) == 2
    assert all(len(line) == 76 for line in body)
    # "a_long_layer_name_to_wrap (Dense)" is 33 characters, the column holds 31: the class
    # name moves to the next line (as in Keras's keras/src/utils/summary_utils.py)
    assert body[0] == "│ a_long_layer_name_to_wrap       │ (None, 2)              │            10 │"
    assert body[1] == "│ (Dense)                         │                        │               │"


# --------------------------------------------------------------------------------------------
# Progress output
# --------------------------------------------------------------------------------------------
VERBOSE2 = re.compile(r"^\d+/\d+ - \d+s - \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}$")
VERBOSE2_VAL = re.compile(r"^\d+/\d+ - \d+s - \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}"
                          r" - val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}$")
VERBOSE1_FINAL = re.compile(r"^(\s*)\d+/\d+ ━{20} \d+s \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}")


def _data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)).astype(np.float32)
    y = (x[:, 0] + 0.3 * rng.normal(size=n) > 0).astype(np.float32)
    return x, y


def _classifier():
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def _final_segment(chunk):
    """The text of the last redraw in one bar's output, without colour codes."""
    chunk = ANSI.sub("", chunk)
    return chunk.split("\r")[-1].lstrip("\b")


def test_fit_verbose2_lines(capsys):
    x, y = _data()
    _classifier().fit(x, y, batch_size=32, epochs=2, verbose=2)
    lines = capsys.readouterr().out.split("\n")
    assert lines[-1] == ""
    lines = lines[:-1]
    assert len(lines) == 4
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    for line in (lines[1], lines[3]):
        assert VERBOSE2.match(line), repr(line)
        assert line.startswith("3/3 - ")


def test_fit_verbose2_with_validation(capsys):
    x, y = _data()
    _classifier().fit(x[:64], y[:64], batch_size=32, epochs=2, verbose=2, validation_data=(x[64:], y[64:]))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    assert VERBOSE2_VAL.match(lines[1]), repr(lines[1])
    assert VERBOSE2_VAL.match(lines[3]), repr(lines[3])
    assert lines[1].startswith("2/2 - ")


def test_fit_verbose2_validation_split(capsys):
    x, y = _data()
    _classifier().fit(x, y, batch_size=16, epochs=2, verbose=2, validation_split=0.25)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert VERBOSE2_VAL.match(lines[1]) and lines[1].startswith("5/5 - ")  # 72 training samples / 16


def test_fit_single_epoch_prints_no_epoch_line(capsys):
    x, y = _data()
    _classifier().fit(x, y, epochs=1, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch" not in out
    lines = out.splitlines()
    assert len(lines) == 1 and VERBOSE2.match(lines[0])


def test_verbose0_prints_nothing(capsys):
    x, y = _data()
    model = _classifier()
    model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y))
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_fit_verbose1_bar(capsys):
    x, y = _data()
    _classifier().fit(x, y, batch_size=32, epochs=2, verbose=1)
    out = capsys.readouterr().out
    assert "━" in out and "\x1b[32m" in out
    assert out.endswith("\n")
    assert out.startswith("Epoch 1/2\n")
    epochs = out.split("Epoch 2/2\n")
    assert len(epochs) == 2
    for chunk in (epochs[0][len("Epoch 1/2\n"):], epochs[1]):
        assert chunk.endswith("\n") and chunk.count("\n") == 1
        final = _final_segment(chunk[:-1])
        assert VERBOSE1_FINAL.match(final), repr(final)
        assert final.lstrip().startswith("3/3 ")
        plain = ANSI.sub("", chunk)
        bars = re.findall(r"━+", plain)
        assert bars and all(len(b) == 20 for b in bars)


def test_fit_verbose1_with_validation_shows_val_keys_last(capsys):
    x, y = _data()
    _classifier().fit(x[:64], y[:64], batch_size=32, epochs=1, verbose=1, validation_data=(x[64:], y[64:]))
    out = capsys.readouterr().out
    assert "Epoch" not in out
    final = _final_segment(out.rstrip("\n"))
    assert re.match(r"^\d+/\d+ ━{20} \d+s \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4} - "
                    r"val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}\s*$", final), repr(final)


def test_evaluate_verbose1_bar(capsys):
    x, y = _data()
    model = _classifier()
    result = model.evaluate(x, y, batch_size=32, verbose=1)
    out = capsys.readouterr().out
    assert "\x1b[32m" in out and out.endswith("\n") and out.count("\n") == 1
    final = _final_segment(out[:-1])
    assert VERBOSE1_FINAL.match(final), repr(final)
    assert final.lstrip().startswith("3/3 ")
    loss = float(re.search(r"loss: (\d\.\d{4})", final).group(1))
    assert loss == pytest.approx(result[0], abs=6e-5)


def test_predict_verbose_output(capsys):
    x, _ = _data()
    model = _classifier()
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""
    model.predict(x, batch_size=32, verbose=1)
    out = capsys.readouterr().out
    final = _final_segment(out.rstrip("\n")).rstrip()
    assert re.match(r"^3/3 ━{20} \d+s \d+(us|ms|s)/step$", final), repr(final)


@pytest.mark.parametrize("value,text", [
    (0.0001234, "1.2340e-04"), (0.5174, "0.5174"), (1.1582, "1.1582"), (0.001, "1.0000e-03"),
    (0.0011, "0.0011"), (0.0, "0.0000e+00"), (-0.5, "-0.5000"), (12.345678, "12.3457"),
])
def test_format_value(value, text):
    assert progbar.format_value(value).strip() == text


def test_format_value_verbose2_negative_uses_exponent():
    assert progbar.format_value(-0.5, exponent_below_abs=False).strip() == "-5.0000e-01"
    stream = io.StringIO()
    bar = progbar.Progbar(2, verbose=2, stream=stream)
    bar.update(2, [("loss", 0.0001234), ("val_loss", -0.25)])
    line = stream.getvalue()
    assert re.match(r"^2/2 - \d+s - \d+(us|ms|s)/step - loss: 1\.2340e-04 - val_loss: -2\.5000e-01\n$", line), line


def test_progbar_verbose1_small_value_line():
    stream = io.StringIO()
    bar = progbar.Progbar(4, verbose=1, stream=stream)
    bar.update(4, [("loss", 0.0001234)])
    final = _final_segment(stream.getvalue().rstrip("\n"))
    assert re.match(r"^4/4 ━{20} \d+s \d+(us|ms|s)/step - loss: 1\.2340e-04$", final), repr(final)
