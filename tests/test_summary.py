"""model.summary() text (keras/src/utils/summary_utils.py; automatic names as in
keras/src/utils/naming.py), against output recorded from Keras 3.15.1."""

import numpy as np
import pytest

import densekit as keras
from densekit.utils import summary as summary_utils

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
    # ending with one line break, as Keras's captured console text (print_fn=f.write)
    assert calls[0].endswith(")\n")
    return calls[0][:-1]


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
    assert out == SPEC_SUMMARY + "\n"


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
    # Keras 3.15.1's figures: the optimizer's step count is an int64, 8 bytes
    assert lines[-4:] == [" Total params: 587 (2.30 KB)", " Trainable params: 195 (780.00 B)",
                          " Non-trainable params: 0 (0.00 B)", " Optimizer params: 392 (1.54 KB)"]


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
# summary(show_trainable=, layer_range=, expand_nested=) and narrow consoles. The expected texts
# were recorded from Keras 3.15.1 (TensorFlow backend): the same models built in Keras, each
# summary() captured with print_fn, without COLUMNS (an 80-column console) unless a test sets it.
# --------------------------------------------------------------------------------------------
SEQUENTIAL_TRAINABLE = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━┓
┃ Layer (type)                ┃ Output Shape          ┃    Param # ┃ Trai… ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━┩
│ dense (Dense)               │ (None, 16)            │        144 │   N   │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│ dropout (Dropout)           │ (None, 16)            │          0 │   -   │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│ dense_1 (Dense)             │ (None, 3)             │         51 │   Y   │
└─────────────────────────────┴───────────────────────┴────────────┴───────┘
 Total params: 195 (780.00 B)
 Trainable params: 51 (204.00 B)
 Non-trainable params: 144 (576.00 B)"""

SEQUENTIAL_RANGE = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dropout (Dropout)               │ (None, 16)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 3)              │            51 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 195 (780.00 B)
 Trainable params: 51 (204.00 B)
 Non-trainable params: 144 (576.00 B)"""

NARROW_TRAINABLE = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━┳━━━┓
┃               ┃ Output    ┃ Par… ┃   ┃
┃ Layer (type)  ┃ Shape     ┃    # ┃ … ┃
┡━━━━━━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━╇━━━┩
│ dense (Dense) │ (None,    │  144 │ N │
│               │ 16)       │      │   │
├───────────────┼───────────┼──────┼───┤
│ dropout       │ (None,    │    0 │ - │
│ (Dropout)     │ 16)       │      │   │
├───────────────┼───────────┼──────┼───┤
│ dense_1       │ (None, 3) │   51 │ Y │
│ (Dense)       │           │      │   │
└───────────────┴───────────┴──────┴───┘
 Total params: 195 (780.00 B)
 Trainable params: 51 (204.00 B)
 Non-trainable params: 144 (576.00 B)"""

FUNCTIONAL_TRAINABLE = """\
Model: "two_inputs"
┏━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┳━━━━━━━┓
┃ Layer (type)      ┃ Output Shape    ┃   Param # ┃ Connected to   ┃ Trai… ┃
┡━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━┩
│ a (InputLayer)    │ (None, 4)       │         0 │ -              │   -   │
├───────────────────┼─────────────────┼───────────┼────────────────┼───────┤
│ b (InputLayer)    │ (None, 4)       │         0 │ -              │   -   │
├───────────────────┼─────────────────┼───────────┼────────────────┼───────┤
│ left (Dense)      │ (None, 5)       │        25 │ a[0][0]        │   Y   │
├───────────────────┼─────────────────┼───────────┼────────────────┼───────┤
│ right (Dense)     │ (None, 5)       │        25 │ b[0][0]        │   N   │
├───────────────────┼─────────────────┼───────────┼────────────────┼───────┤
│ cat (Concatenate) │ (None, 10)      │         0 │ left[0][0],    │   -   │
│                   │                 │           │ right[0][0]    │       │
├───────────────────┼─────────────────┼───────────┼────────────────┼───────┤
│ out (Dense)       │ (None, 1)       │        11 │ cat[0][0]      │   Y   │
└───────────────────┴─────────────────┴───────────┴────────────────┴───────┘
 Total params: 61 (244.00 B)
 Trainable params: 36 (144.00 B)
 Non-trainable params: 25 (100.00 B)"""

FUNCTIONAL_RANGE_FROM_INPUT = """\
Model: "two_inputs"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ b (InputLayer)      │ (None, 4)         │          0 │ -                 │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ left (Dense)        │ (None, 5)         │         25 │ a[0][0]           │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ right (Dense)       │ (None, 5)         │         25 │ b[0][0]           │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ cat (Concatenate)   │ (None, 10)        │          0 │ left[0][0],       │
│                     │                   │            │ right[0][0]       │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 61 (244.00 B)
 Trainable params: 36 (144.00 B)
 Non-trainable params: 25 (100.00 B)"""

FUNCTIONAL_RANGE_REGEX = """\
Model: "two_inputs"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ left (Dense)        │ (None, 5)         │         25 │ a[0][0]           │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ right (Dense)       │ (None, 5)         │         25 │ b[0][0]           │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ cat (Concatenate)   │ (None, 10)        │          0 │ left[0][0],       │
│                     │                   │            │ right[0][0]       │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 61 (244.00 B)
 Trainable params: 36 (144.00 B)
 Non-trainable params: 25 (100.00 B)"""

NESTED_IN_SEQUENTIAL = """\
Model: "outer"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ inner (Sequential)              │ (None, 2)              │            26 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│    └ dense (Dense)              │ (None, 4)              │            16 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│    └ dense_1 (Dense)            │ (None, 2)              │            10 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_2 (Dense)                 │ (None, 1)              │             3 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 29 (116.00 B)
 Trainable params: 29 (116.00 B)
 Non-trainable params: 0 (0.00 B)"""

NESTED_IN_FUNCTIONAL = """\
Model: "outer_func"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ x1 (InputLayer)     │ (None, 3)         │          0 │ -                 │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ x2 (InputLayer)     │ (None, 3)         │          0 │ -                 │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ inner (Sequential)  │ (None, 2)         │         26 │ x1[0][0]          │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│    └ dense (Dense)  │ (None, 4)         │         16 │ -                 │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│    └ dense_1        │ (None, 2)         │         10 │ -                 │
│ (Dense)             │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ side (Dense)        │ (None, 2)         │          8 │ x2[0][0]          │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ add (Add)           │ (None, 2)         │          0 │ inner[0][0],      │
│                     │                   │            │ side[0][0]        │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ head (Dense)        │ (None, 1)         │          3 │ add[0][0]         │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 37 (148.00 B)
 Trainable params: 37 (148.00 B)
 Non-trainable params: 0 (0.00 B)"""

NESTED_TWO_LEVELS_TRAINABLE = """\
Model: "top"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━┓
┃ Layer (type)                ┃ Output Shape          ┃    Param # ┃ Trai… ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━┩
│ mid (Sequential)            │ (None, 5)             │         23 │   Y   │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│    └ deep (Sequential)      │ (None, 2)             │          8 │   N   │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│       └ dense (Dense)       │ (None, 2)             │          8 │   N   │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│    └ dense_1 (Dense)        │ (None, 5)             │         15 │   Y   │
└─────────────────────────────┴───────────────────────┴────────────┴───────┘
 Total params: 23 (92.00 B)
 Trainable params: 15 (60.00 B)
 Non-trainable params: 8 (32.00 B)"""

# rich wraps the footer at the console's width, keeping the space before each break: written
# out with "\n" so that no editor strips it.
COLUMNS_20 = (
    'Model: "sequential"\n'
    "┏━━━━━━┳━━━┳━━━┓\n"
    "┃ Lay… ┃ … ┃ … ┃\n"
    "┃ (ty… ┃ … ┃ # ┃\n"
    "┡━━━━━━╇━━━╇━━━┩\n"
    "│ den… │ … │ … │\n"
    "│ (De… │ … │   │\n"
    "└──────┴───┴───┘\n"
    " Total params: 16 \n"
    "(64.00 B)\n"
    " Trainable params: \n"
    "16 (64.00 B)\n"
    " Non-trainable \n"
    "params: 0 (0.00 B)")


def _frozen_first_sequential():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16), keras.layers.Dropout(0.2),
                              keras.layers.Dense(3)])
    model.layers[0].trainable = False
    return model


def _two_inputs_model():
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    left = keras.layers.Dense(5, name="left")(a)
    right = keras.layers.Dense(5, name="right", trainable=False)(b)
    joined = keras.layers.Concatenate(name="cat")([left, right])
    return keras.Model([a, b], keras.layers.Dense(1, name="out")(joined), name="two_inputs")


def _inner_sequential():
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(2)], name="inner")


def test_summary_show_trainable_sequential():
    assert _summary_text(_frozen_first_sequential(), show_trainable=True) == SEQUENTIAL_TRAINABLE


def test_summary_show_trainable_functional():
    assert _summary_text(_two_inputs_model(), show_trainable=True) == FUNCTIONAL_TRAINABLE


def test_summary_show_trainable_narrow_line_wraps_and_truncates():
    text = _summary_text(_frozen_first_sequential(), line_length=40, show_trainable=True)
    assert text == NARROW_TRAINABLE


def test_summary_layer_range_sequential_regex_either_order():
    model = _frozen_first_sequential()
    assert _summary_text(model, layer_range=["drop", "dense_1"]) == SEQUENTIAL_RANGE
    # the end pattern matching before the start one: the same rows
    assert _summary_text(model, layer_range=("dense_1", "dropout")) == SEQUENTIAL_RANGE


def test_summary_layer_range_functional_counts_input_layers():
    model = _two_inputs_model()
    assert _summary_text(model, layer_range=["b", "cat"]) == FUNCTIONAL_RANGE_FROM_INPUT
    assert _summary_text(model, layer_range=["[lr]", "c.t"]) == FUNCTIONAL_RANGE_REGEX


def test_summary_layer_range_functional_chain_starts_at_input():
    inputs = keras.Input((6,))
    hidden = keras.layers.Dense(4)(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2)(hidden))
    assert _row_cells(_summary_text(model, layer_range=["input", "dense$"])) == [
        ("input_layer (InputLayer)", "(None, 6)", "0"), ("dense (Dense)", "(None, 4)", "28")]


@pytest.mark.parametrize("layer_range,message", [
    (["dense"], "layer_range must be a list or tuple of length 2. Received: layer_range = ['dense'] of length 1"),
    (["dense", 3], "layer_range should contain string type only. Received: ['dense', 3]"),
    (["conv", "dense"], "Passed layer_names do not match the layer names in the model. Received: ['conv', 'dense']"),
])
def test_summary_layer_range_errors(layer_range, message):
    with pytest.raises(ValueError) as info:
        _summary_text(_frozen_first_sequential(), layer_range=layer_range)
    assert str(info.value) == message


def test_summary_expand_nested_in_sequential():
    model = keras.Sequential([keras.Input((3,)), _inner_sequential(), keras.layers.Dense(1)], name="outer")
    assert _summary_text(model, expand_nested=True) == NESTED_IN_SEQUENTIAL
    assert len(_row_cells(_summary_text(model))) == 2  # collapsed without expand_nested


def test_summary_expand_nested_in_functional():
    inner = _inner_sequential()
    x1, x2 = keras.Input((3,), name="x1"), keras.Input((3,), name="x2")
    added = keras.layers.Add(name="add")([inner(x1), keras.layers.Dense(2, name="side")(x2)])
    model = keras.Model([x1, x2], keras.layers.Dense(1, name="head")(added), name="outer_func")
    # the nested model's row at its call's depth, after both inputs, as in Keras
    assert _summary_text(model, expand_nested=True) == NESTED_IN_FUNCTIONAL


def test_summary_expand_nested_two_levels_with_trainable():
    deep = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)], name="deep")
    mid = keras.Sequential([keras.Input((3,)), deep, keras.layers.Dense(5)], name="mid")
    top = keras.Sequential([keras.Input((3,)), mid], name="top")
    deep.trainable = False
    assert _summary_text(top, expand_nested=True, show_trainable=True) == NESTED_TWO_LEVELS_TRAINABLE


def test_summary_expand_nested_model_built_by_its_caller():
    inner = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(2)])
    model = keras.Sequential([keras.Input((3,)), inner, keras.layers.Dense(1)])
    # Keras: the inner layers' shapes from the call that built them
    assert [row[1] for row in _row_cells(_summary_text(model, expand_nested=True))] == [
        "(None, 2)", "(None, 4)", "(None, 2)", "(None, 1)"]


@pytest.mark.parametrize("kwargs", [{"line_length": 15}, {"line_length": 40, "positions": [0.5, 0.55, 1.0]},
                                    {"line_length": 30, "show_trainable": True}])
def test_summary_too_narrow_raises(kwargs):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    with pytest.raises(ValueError, match=r"^Insufficient console width to print summary\.$"):
        _summary_text(model, **kwargs)


@pytest.mark.parametrize("columns", ["10", "18", "19"])
def test_summary_small_console_raises(monkeypatch, columns):
    # the default line length is COLUMNS - 4: 15 columns or fewer cannot hold the table
    monkeypatch.setenv("COLUMNS", columns)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    with pytest.raises(ValueError, match="Insufficient console width"):
        _summary_text(model)
    with pytest.raises(ValueError, match="Insufficient console width"):
        _summary_text(model, show_trainable=True)


def test_summary_small_console_crops_and_wraps(monkeypatch):
    monkeypatch.setenv("COLUMNS", "20")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    assert _summary_text(model) == COLUMNS_20
    with pytest.raises(ValueError, match="Insufficient console width"):
        _summary_text(model, show_trainable=True)


@pytest.mark.parametrize("width", [-5, 0, 1, 3])
def test_wrap_ends_for_any_width(width):
    lines = summary_utils._wrap("a_long_layer_name (Dense)", width)
    assert len(lines) == 2 and all(len(line) == max(width, 0) for line in lines)


def test_a_chain_with_an_inner_output_keeps_the_three_columns():
    # Keras's sequential-like test counts nodes per depth and shared layers, not outputs: a chain
    # that also outputs a middle tensor is still one node a depth.
    inputs = keras.Input((4,), name="x")
    hidden = keras.layers.Dense(3, name="a")(inputs)
    model = keras.Model(inputs, [keras.layers.Dense(2, name="b")(hidden), hidden])
    text = _summary_text(model)
    assert "Connected to" not in text
    assert _row_cells(text)[1:] == [("a (Dense)", "(None, 3)", "15"), ("b (Dense)", "(None, 2)", "8")]


def test_two_inputs_in_separate_branches_get_the_connected_to_column():
    # Their outputs sit at one depth: Keras's test finds two nodes there.
    a, b = keras.Input((3,), name="a"), keras.Input((4,), name="b")
    model = keras.Model([a, b], [keras.layers.Dense(2, name="c")(a), keras.layers.Dense(5, name="d")(b)])
    text = _summary_text(model)
    assert "Connected to" in text and "a[0][0]" in text and "b[0][0]" in text
