"""What a user reads when printing objects or making a common slip, as Keras 3.15.1 shows it:
the reprs of models, symbolic tensors and weights (keras/src/layers/layer.py,
backend/common/keras_tensor.py, backend/common/variables.py), a layer called on a layer, a
refused Dense leaving its name free, Sequential.pop() of a model built from data, and loss and
metric classes given to compile() in place of objects."""

import numpy as np
import pytest

import densekit as keras


def test_reprs_are_kerass():
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((3,), name="inp"), keras.layers.Dense(1, bias_initializer="ones")],
                             name="s")
    assert repr(model) == "<Sequential name=s, built=True>"
    assert repr(model.inputs[0]) == "<KerasTensor shape=(None, 3), dtype=float32, sparse=False, ragged=False, name=inp>"
    assert repr(model.layers[0].bias).endswith(", shape=(1,), dtype=float32, value=[1.]>")

    class Mine(keras.Model):
        def call(self, x):
            return x

    assert repr(Mine(name="mine")) == "<Mine name=mine, built=False>"
    assert keras.layers.InputLayer(shape=(2,)).built


def test_a_layer_called_on_a_layer_says_what_to_pass():
    with pytest.raises(ValueError, match=r"Only input tensors may be passed as positional arguments\. The following "
                                         r"argument value should be passed as a keyword argument: <Dense name="):
        keras.layers.Dense(3)(keras.layers.Dense(2))


def test_a_refused_dense_leaves_its_name_free():
    keras.backend.clear_session()
    with pytest.raises(ValueError, match="expected a positive integer"):
        keras.layers.Dense(0)
    assert keras.layers.Dense(2).name == "dense"


def test_pop_keeps_the_input_shape_of_a_model_built_from_data():
    # keras/src/models/sequential.py: pop() rebuilds from the first layer's input shape.
    model = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(3), keras.layers.Dense(2)])
    model.compile("sgd", "mse")
    model.fit(np.ones((5, 6)), np.ones((5, 2)), verbose=0)
    model.pop()
    assert model.built and model.output_shape == (None, 3)
    model.add(keras.layers.Dense(7))
    assert model.count_params() == (6 * 4 + 4) + (4 * 3 + 3) + (3 * 7 + 7)


def test_loss_and_metric_classes_are_instantiated_as_keras_does():
    x, y = np.random.default_rng(0).normal(size=(8, 3)), np.eye(2)[np.arange(8) % 2]
    by_class, by_object = [keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
                           for _ in range(2)]
    by_object.set_weights(by_class.get_weights())
    by_class.compile("sgd", loss=keras.losses.CategoricalCrossentropy,
                     metrics=[keras.metrics.CategoricalAccuracy, keras.metrics.AUC])
    by_object.compile("sgd", loss=keras.losses.CategoricalCrossentropy(),
                      metrics=[keras.metrics.CategoricalAccuracy(), keras.metrics.AUC()])
    # (the same figures; the second AUC object is auc_1, as in Keras)
    figures = by_class.evaluate(x, y, verbose=0)
    assert len(figures) == 3 and figures == by_object.evaluate(x, y, verbose=0)
