"""keras.utils.Progbar (python/densekit/utils/progbar.py), as a custom loop uses it, and
keras.utils.pack_x_y_sample_weight / unpack_x_y_sample_weight (utils/data_tuples.py).
Keras 3.15.1 printed the same lines for these updates, timings aside."""

import io
import re

import numpy as np
import pytest

import densekit as keras
from densekit.utils import Progbar


def _printed(**kwargs):
    stream = io.StringIO()
    bar = Progbar(4, verbose=2, stream=stream, **kwargs)
    bar.update(1, [("loss", 1.0), ("acc", 0.5)])
    bar.update(3, [("loss", 4.0), ("acc", np.array([1.0, 0.0]))])
    bar.add(1)  # the last step, with no values: the bar shows what it has
    return re.sub(r" - \d+s - \d+(ms|us|s)/step", " - T", stream.getvalue())


def test_values_are_averaged_over_the_steps_unless_stateful():
    # loss: (1 x 1 step + 4 x 2 steps) / 3; acc: (0.5 + 0.5 x 2) / 3, an array by its mean
    assert _printed() == "4/4 - T - loss: 3.0000 - acc: 0.5000\n"
    assert _printed(stateful_metrics=["acc"]) == "4/4 - T - loss: 3.0000 - acc: 0.5000\n"
    assert _printed(stateless_metrics=["acc"]) == "4/4 - T - loss: 4.0000 - acc: 0.5000\n"
    assert _printed(stateless_metrics=[]) == "4/4 - T - loss: 4.0000 - acc: 0.5000\n"  # as given, as fit's bar
    with pytest.raises(ValueError, match="Only one of `stateful_metrics` or `stateless_metrics`"):
        Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])


def test_unknown_and_empty_targets_do_not_fail():
    stream = io.StringIO()
    for target in (None, 0):
        bar = Progbar(target, verbose=2, stream=stream)
        bar.update(2, [("loss", 1.0)], finalize=True)
        bar = Progbar(target, verbose=1, stream=stream, interval=0)
        bar.update(2, [("loss", 1.0)], finalize=True)
    assert "2/Unknown" in stream.getvalue()


def test_keras_is_the_same_object():
    assert keras.utils.Progbar is Progbar


@pytest.mark.parametrize("packed", [(np.ones(2),), (np.ones(2), np.zeros(2)), (np.ones(2), np.zeros(2), np.ones(2))])
def test_pack_and_unpack_are_inverse(packed):
    x = keras.utils.pack_x_y_sample_weight(*packed)
    got = keras.utils.unpack_x_y_sample_weight(x)
    assert len(got) == 3
    for have, want in zip(got, list(packed) + [None] * (3 - len(packed))):
        assert (have is None and want is None) or have is want


def test_pack_and_unpack_as_keras():
    x = np.ones(2)
    assert keras.utils.pack_x_y_sample_weight(x) is x
    assert keras.utils.pack_x_y_sample_weight([x, x]) == ([x, x],)  # a list of inputs stays one x
    assert keras.utils.unpack_x_y_sample_weight([x, x])[2] is None
    with pytest.raises(ValueError, match="Data is expected to be in format"):
        keras.utils.unpack_x_y_sample_weight((1, 2, 3, 4))


def test_progbar_takes_a_0d_array(capsys):
    """progbar_test.py: a 0-d array is one value (it raised 'iteration over a 0-d array')."""
    keras.utils.Progbar(1).update(1, values=[("v", np.array(1.0))], finalize=True)
    assert "v: 1.0000" in capsys.readouterr().out
