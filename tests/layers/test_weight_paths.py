"""Variable.path as Keras 3.15.1 gives it (measured there; keras/src/backend/common/variables.py):
the scopes a layer was built in, then its name and the weight's. A Sequential or subclassed
model builds its layers in its own scope, a functional model's layers were built outside any,
and a layer's path is fixed by its first build. TensorBoard's histogram tags are these paths."""

import numpy as np

import densekit as keras

L = keras.layers


def paths(model):
    return [w.path for w in model.weights]


def test_a_sequential_builds_its_layers_in_its_scope():
    keras.utils.set_random_seed(0)
    built = keras.Sequential([L.Dense(3, name="a"), L.Dense(1, name="b")], name="s1")
    built.build((None, 4))
    assert paths(built) == ["s1/a/kernel", "s1/a/bias", "s1/b/kernel", "s1/b/bias"]
    called = keras.Sequential([L.Dense(3, name="c")], name="s2")
    called(np.ones((2, 4)))
    assert paths(called) == ["s2/c/kernel", "s2/c/bias"]
    fitted = keras.Sequential([L.BatchNormalization(name="bn")], name="s3")
    fitted.compile("sgd", "mse")
    fitted.fit(np.ones((4, 3)), np.ones((4, 3)), verbose=0)
    assert paths(fitted) == ["s3/bn/gamma", "s3/bn/beta", "s3/bn/moving_mean", "s3/bn/moving_variance"]


def test_a_functional_models_layers_have_no_model_scope_and_nested_models_keep_theirs():
    inner = keras.Sequential([L.Dense(2, name="d1")], name="inner")
    inputs = keras.Input((4,))
    model = keras.Model(inputs, L.Dense(1, name="out")(inner(inputs)))
    assert paths(model) == ["inner/d1/kernel", "inner/d1/bias", "out/kernel", "out/bias"]
    outer = keras.Sequential([keras.Input((4,)), keras.Sequential([L.Dense(2, name="d2")], name="in2"),
                              L.Dense(1, name="o2")], name="outer")
    assert paths(outer) == ["outer/in2/d2/kernel", "outer/in2/d2/bias", "outer/o2/kernel", "outer/o2/bias"]


def test_the_first_build_fixes_the_path():
    shared = L.Dense(2, name="shared")
    keras.Sequential([keras.Input((4,)), shared], name="first")
    inputs = keras.Input((4,))
    keras.Model(inputs, shared(inputs))
    assert shared.kernel.path == "first/shared/kernel"
    alone = L.Dense(2, name="alone")
    alone(np.ones((1, 3)))
    keras.Sequential([keras.Input((3,)), alone], name="later")
    assert alone.kernel.path == "alone/kernel"


def test_subclassed_models_and_layers_build_inside_their_scope():
    inner = keras.Sequential([L.Dense(2, name="d1")], name="inner")

    class Outer(keras.Model):
        def __init__(self):
            super().__init__(name="mm")
            self.inner, self.top = inner, L.Dense(1, name="top")

        def call(self, x):
            return self.top(self.inner(x))

    model = Outer()
    model(np.ones((1, 3)))
    assert paths(model) == ["mm/inner/d1/kernel", "mm/inner/d1/bias", "mm/top/kernel", "mm/top/bias"]

    class Scaled(L.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = L.Dense(2, name="cd")

        def build(self, input_shape):
            self.w = self.add_weight(shape=(2,), name="w")

        def call(self, x):
            return self.dense(x) * self.w

    model = keras.Sequential([keras.Input((3,)), Scaled(name="cust")], name="sq")
    assert paths(model) == ["sq/cust/w", "sq/cust/cd/kernel", "sq/cust/cd/bias"]
