"""Keras 3's other names for what densekit has: the top-level base classes (``keras.Layer``),
``keras.version()``, ``keras.config``'s read-only settings, the lowercase initializer names, the
``variables`` lists and dtypes of layers and models, and build and compile configs."""

import json

import numpy as np
import pytest

import densekit as keras
from densekit import layers


def test_top_level_base_classes_are_the_modules_own():
    assert keras.Layer is layers.Layer and keras.KerasTensor is layers.KerasTensor
    assert keras.Loss is keras.losses.Loss and keras.Metric is keras.metrics.Metric
    assert keras.Optimizer is keras.optimizers.Optimizer and keras.Initializer is keras.initializers.Initializer
    assert keras.Regularizer is keras.regularizers.Regularizer
    assert keras.version() == keras.__version__

    class Doubling(keras.Layer):  # keras.io's newer guides subclass keras.Layer
        def call(self, x):
            return 2.0 * x

    x = keras.Input((3,))
    model = keras.Model(x, Doubling()(x))
    assert np.array_equal(model.predict(np.ones((2, 3), np.float32), verbose=0), np.full((2, 3), 2.0, np.float32))


def test_config_read_only_settings():
    assert keras.config.backend() == "densekit" == keras.backend.backend()
    assert keras.config.epsilon() == 1e-7 and keras.config.floatx() == "float32"
    assert keras.config.image_data_format() == "channels_last"
    keras.config.set_floatx("float32")
    with pytest.raises(ValueError, match="float32 only.*float64"):
        keras.config.set_floatx("float64")


@pytest.mark.parametrize("name, cls", [
    ("glorot_uniform", "GlorotUniform"), ("glorot_normal", "GlorotNormal"), ("he_normal", "HeNormal"),
    ("he_uniform", "HeUniform"), ("lecun_normal", "LecunNormal"), ("lecun_uniform", "LecunUniform"),
    ("zeros", "Zeros"), ("ones", "Ones"), ("constant", "Constant"), ("identity", "Identity"),
    ("orthogonal", "Orthogonal"), ("random_normal", "RandomNormal"), ("random_uniform", "RandomUniform"),
    ("truncated_normal", "TruncatedNormal"), ("variance_scaling", "VarianceScaling"),
    ("IdentityInitializer", "Identity"), ("OrthogonalInitializer", "Orthogonal"),
])
def test_initializer_lowercase_names_are_the_classes(name, cls):
    assert getattr(keras.initializers, name) is getattr(keras.initializers, cls)


def test_variables_are_the_weights_and_dtypes_float32():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2), layers.BatchNormalization()])
    assert [v.path for v in model.variables] == [w.path for w in model.weights]
    assert [v.path for v in model.trainable_variables] == [w.path for w in model.trainable_weights]
    assert [v.path for v in model.non_trainable_variables] == ["sequential/batch_normalization/moving_mean",
                                                               "sequential/batch_normalization/moving_variance"]
    assert len(model.layers[0].variables) == 2 and layers.Dense(2).variables == []
    for obj in (model, model.layers[0], layers.Dropout(0.5)):
        assert (obj.dtype, obj.compute_dtype, obj.variable_dtype) == ("float32", "float32", "float32")


def test_build_configs_as_keras_records_them():
    model = keras.Sequential([layers.Dense(2), layers.Dense(3)])
    assert model.get_build_config() is None
    model.build_from_config({"input_shape": (None, 5)})
    assert model.get_build_config() == {"input_shape": (None, 5)}
    assert [layer.get_build_config() for layer in model.layers] == [{"input_shape": (None, 5)},
                                                                    {"input_shape": (None, 2)}]
    a, b = keras.Input((3,)), keras.Input((3,))
    functional = keras.Model([a, b], layers.Add()([a, b]))
    assert functional.get_build_config() == {"input_shape": None}  # as Keras: the inputs say the shapes
    eager = layers.Dense(2)
    eager(np.ones((4, 3), np.float32))
    assert eager.get_build_config() == {"input_shape": (4, 3)}  # an eager call records its batch, as Keras's


def test_compile_config_round_trips_and_reads_keras():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2, activation="softmax")])
    assert model.get_compile_config() == {}  # as Keras's for a model not compiled
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="categorical_crossentropy",
                  metrics=["accuracy", keras.metrics.AUC()])
    config = model.get_compile_config()
    assert config == json.loads(model.to_json())["compile_config"]
    copy = keras.models.clone_model(model)
    copy.compile_from_config(config)
    assert copy.get_compile_config() == config and isinstance(copy.optimizer, keras.optimizers.Adam)
    # What Keras 3.15.1's model.get_compile_config() gave for compile("adam", "mse", metrics=["mae"]).
    keras_config = {
        "optimizer": {"module": "keras.optimizers", "class_name": "Adam", "config": {
            "name": "adam", "learning_rate": 0.0010000000474974513, "weight_decay": None, "clipnorm": None,
            "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
            "ema_overwrite_frequency": None, "loss_scale_factor": None, "gradient_accumulation_steps": None,
            "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False}, "registered_name": None},
        "loss": "mse", "loss_weights": None, "metrics": ["mae"], "weighted_metrics": None, "run_eagerly": False,
        "steps_per_execution": 1, "jit_compile": False}
    copy.compile_from_config(keras_config)
    assert copy.get_compile_config() == keras_config
    x, y = np.ones((4, 3), np.float32), np.full((4, 2), 0.5, np.float32)
    assert set(copy.fit(x, y, verbose=0).history) == {"loss", "mae"}


def test_compile_config_of_an_unbuilt_model_says_to_build_it():
    model = keras.Sequential([layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="compiled but not built"):
        model.get_compile_config()
    with pytest.raises(TypeError, match="must be a dict"):
        model.compile_from_config("adam")


def test_keras_metrics_namespace_holds_keras_names_only():
    """Every public function of keras.metrics is one Keras 3 has (densekit's helpers for them
    had leaked into the namespace: function_core, with_function...)."""
    import inspect
    keras_functions = {  # Keras 3.15's keras.metrics functions that densekit provides
        "binary_accuracy", "binary_crossentropy", "binary_focal_crossentropy", "categorical_accuracy",
        "categorical_crossentropy", "categorical_focal_crossentropy", "categorical_hinge", "deserialize", "get",
        "hinge", "huber", "kl_divergence", "log_cosh", "mean_absolute_error", "mean_absolute_percentage_error",
        "mean_squared_error", "mean_squared_logarithmic_error", "poisson", "serialize", "sparse_categorical_accuracy",
        "sparse_categorical_crossentropy", "sparse_top_k_categorical_accuracy", "squared_hinge",
        "top_k_categorical_accuracy", "pearson_correlation", "concordance_correlation"}
    public = {n for n in dir(keras.metrics) if not n.startswith("_") and inspect.isfunction(getattr(keras.metrics, n))}
    assert public == keras_functions


def test_dir_of_utils_lists_the_names_imported_on_first_use():
    """keras.utils imports plot_model, model_to_dot and the (de)serializers when first used;
    dir() (and so tab completion) lists them, as Keras's does."""
    names = dir(keras.utils)
    assert {"plot_model", "model_to_dot", "serialize_keras_object", "deserialize_keras_object", "to_categorical",
            "PyDataset"} <= set(names)
    assert all(hasattr(keras.utils, name) for name in keras.utils.__all__)


def test_kerass_layers_densekit_lacks_say_why():
    for name, reason in [("Masking", "does not support masks"), ("Conv2D", "without convolutions"),
                         ("MaxPooling1D", "without convolutions or local pooling"), ("LSTM", "without recurrent"),
                         ("MultiHeadAttention", "without attention"), ("StringLookup", "lookups and hashing")]:
        with pytest.raises(AttributeError, match=reason):
            getattr(keras.layers, name)
        assert not hasattr(keras.layers, name)
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchLayer'"):
        keras.layers.NoSuchLayer


def test_importing_a_layer_densekit_lacks_says_why():
    # (Python's `from ... import` turns a module's AttributeError into its own bare message)
    with pytest.raises(ImportError, match="has no Masking: densekit does not support masks"):
        from densekit.layers import Masking  # noqa: F401
    with pytest.raises(ImportError, match="cannot import name 'NoSuchLayer'"):
        from densekit.layers import NoSuchLayer  # noqa: F401


def test_layer_path_dtype_policy_and_mask_attributes_as_keras_has_them():
    dense = keras.layers.Dense(2)
    assert dense.path is None  # (before it is built, as in Keras)
    assert dense.dtype_policy.name == "float32" and dense.input_dtype == "float32"
    assert dense.supports_masking is False and dense.compute_mask(np.ones((2, 3)), None) is None
    dense(np.ones((2, 3), "float32"))
    assert dense.path == "dense"
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="h")], name="seq")
    assert (model.layers[0].path, model.path) == ("seq/h", "seq")
    inputs = keras.Input((3,), name="inp")
    functional = keras.Model(inputs, keras.layers.Dense(1, name="out")(inputs))
    assert [layer.path for layer in functional.layers] == [None, "out"]  # (an InputLayer has none, as in Keras)


def test_class_names_become_snake_case_as_keras_writes_them():
    """keras/src/utils/naming_test.py: its two substitutions keep an underscore already there
    beside the one they add (densekit dropped it: "_Foo" gave "_foo")."""
    from densekit.utils import naming

    cases = {"_Foo": "__foo", "My_Layer": "my__layer", "Dense": "dense", "BatchNormalization": "batch_normalization",
             "ReLU": "re_lu", "RMSprop": "rm_sprop", "HTTPServer": "http_server", "my.layer": "mylayer"}
    assert {name: naming.to_snake_case(name) for name in cases} == cases
