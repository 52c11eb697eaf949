"""A Layer subclass with its own `call` or none: Keras's base behaviour (config, build), the call
run or traced (tests/layers/test_subclassed_layers.py covers the guide's layers), a clear error
where there is nothing to run — never a crash. Each case that once crashed runs in a child
process, so a crash fails the test."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import densekit as keras
from densekit import layers


def run_child(code):
    child = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, f"the child crashed (exit status {child.returncode}): {child.stderr[-2000:]}"
    return child.stdout.strip()


def test_get_config_of_an_empty_subclass_is_keras_base_config():
    out = run_child("""
        import densekit
        class L(densekit.layers.Layer):
            pass
        print(L(name="mine").get_config())
    """)
    assert out == ("{'name': 'mine', 'trainable': True, 'dtype': {'module': 'keras', 'class_name': 'DTypePolicy', "
                   "'config': {'name': 'float32'}, 'registered_name': None}}")


@pytest.mark.parametrize("how,expected", [
    ("symbolic", "RAN (None, 3)"), ("eager", "RAN (2, 3)"), ("functional_model", "RAN (None, 2)"),
    ("sequential", "ValueError: Output 0 of the model is its input"),  # an identity alone computes nothing
])
def test_calling_a_subclass_with_its_own_call_runs_it(how, expected):
    out = run_child(f"""
        import numpy as np, densekit
        class L(densekit.layers.Layer):
            def call(self, x):
                return x
        how = {how!r}
        try:
            if how == "symbolic":
                y = L()(densekit.Input((3,)))
            elif how == "eager":
                y = L()(np.zeros((2, 3), "float32"))
            elif how == "sequential":
                y = densekit.Sequential([densekit.Input((3,)), L()]).outputs[0]
            else:
                x = densekit.Input((3,))
                y = densekit.Model(x, L()(densekit.layers.Dense(2)(x))).outputs[0]
            print("RAN", tuple(y.shape))
        except ValueError as e:
            print("ValueError: " + str(e))
    """)
    assert out.startswith(expected), out


def test_build_of_a_subclass_marks_it_built_without_weights():
    class L(layers.Layer):
        pass

    layer = L()
    assert not layer.built
    layer.build((None, 3))
    assert layer.built
    assert layer.weights == [] and layer.count_params() == 0


def test_core_functions_refuse_a_missing_layer():
    from densekit import _core

    with pytest.raises(TypeError, match="received None"):
        _core.layer_config_json(None)
    with pytest.raises(TypeError, match="received None"):
        _core.build_layer(None, [[3]], [])
    graph = keras.Sequential([keras.Input((3,)), layers.Dense(2)])._graph
    for method, args in [("weight_info", (None,)), ("get_weight", (None, 0)),
                         ("set_weight", (None, 0, np.zeros(2, "float32")))]:
        with pytest.raises(TypeError, match="received None"):
            getattr(graph, method)(*args)


class _Linear(keras.layers.Layer):  # no get_config of its own
    def __init__(self, units=4, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="ones")

    def call(self, x):
        return keras.ops.matmul(x, self.w)


class _NoKeywords(keras.layers.Layer):
    def __init__(self, units=4):
        super().__init__()
        self.units = units


class _OwnConfig(_Linear):
    def get_config(self):
        return super().get_config()  # extends the base config itself: no automatic arguments


def test_a_subclass_without_get_config_records_its_constructors_arguments_as_keras_does():
    """Without them, clone_model and from_config rebuilt the layer with its defaults (4 units)."""
    layer = _Linear(3, name="lin", trainable=False)
    config = layer.get_config()
    assert list(config) == ["name", "units", "activation", "trainable", "dtype"]
    assert (config["name"], config["units"], config["activation"], config["trainable"]) == ("lin", 3, "relu", False)
    assert _Linear.from_config(config).units == 3
    model = keras.Sequential([keras.Input((5,)), _Linear(3)])
    assert keras.models.clone_model(model).output_shape == (None, 3)
    # Keras keeps `name` only for a constructor that takes it (by `name` or `**kwargs`).
    assert _NoKeywords(2).get_config()["units"] == 2 and "name" not in _NoKeywords(2).get_config()
    assert "units" not in _OwnConfig(3).get_config()
    # Arguments other than JSON's kinds give the base config.
    assert "units" not in _Linear(units=np.int64(3).reshape(1)).get_config()
