"""Progress-bar output of fit, evaluate and predict (keras/src/utils/progbar.py,
keras/src/callbacks/progbar_logger.py), against output recorded from Keras 3.15.1."""

import io
import re

import numpy as np
import pytest

import densekit as keras
from densekit.utils import progbar

ANSI = re.compile(r"\x1b\[[0-9;]*m")

@pytest.fixture(autouse=True)
def _plain_console(monkeypatch):
    """No TTY and no COLUMNS override: an 80-column console, as when output is piped."""
    monkeypatch.delenv("COLUMNS", raising=False)
    keras.backend.clear_session()


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


def test_data_of_unknown_length_ends_with_the_batches_it_had(capsys):
    # A finite generator: the bar's target is unknown until it ends; the epoch line (verbose 2)
    # and the last redraw (verbose 1) show every batch, as Keras's ProgbarLogger does.
    x, y = _data()

    def batches():
        for i in range(0, 96, 8):
            yield x[i:i + 8], y[i:i + 8]

    model = _classifier()
    model.fit(batches(), epochs=1, shuffle=False, verbose=2)
    model.evaluate(batches(), verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith("12/12 - ") and VERBOSE2.match(line) for line in lines), lines
    model.fit(batches(), epochs=1, shuffle=False, verbose=1)
    assert _final_segment(capsys.readouterr().out).startswith("12/12 ")


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
