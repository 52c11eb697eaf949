"""Writes serialized_objects.json: what Keras's serialize_keras_object returns for each object
built by an expression below (run with Keras 3 installed: python make_serialized_objects.py).
tests/saving/test_object_serialization.py builds the same expressions with densekit and
compares."""

import json
import os

import keras

EXPRESSIONS = [
    # functions
    "keras.activations.relu", "keras.activations.softmax", "keras.activations.tanh",
    "keras.losses.mean_squared_error", "keras.losses.binary_crossentropy",
    "keras.losses.sparse_categorical_crossentropy",
    # losses
    "keras.losses.MeanSquaredError()", "keras.losses.MeanAbsoluteError(reduction='sum')",
    "keras.losses.BinaryCrossentropy(from_logits=True)", "keras.losses.CategoricalCrossentropy(label_smoothing=0.1)",
    "keras.losses.SparseCategoricalCrossentropy(from_logits=True)", "keras.losses.Huber(delta=2.0)",
    "keras.losses.Hinge()", "keras.losses.KLDivergence()", "keras.losses.Poisson(name='p')",
    "keras.losses.CosineSimilarity()", "keras.losses.LogCosh()",
    # metrics
    "keras.metrics.BinaryAccuracy(threshold=0.7)", "keras.metrics.CategoricalAccuracy()",
    "keras.metrics.SparseCategoricalAccuracy()", "keras.metrics.AUC()", "keras.metrics.Precision()",
    "keras.metrics.Recall(thresholds=0.3)", "keras.metrics.MeanSquaredError()", "keras.metrics.RootMeanSquaredError()",
    "keras.metrics.Mean(name='m')", "keras.metrics.TopKCategoricalAccuracy(k=3)",
    # optimizers and schedules
    "keras.optimizers.Adam()", "keras.optimizers.Adam(0.01, amsgrad=True)", "keras.optimizers.SGD(0.1, momentum=0.9)",
    "keras.optimizers.RMSprop()", "keras.optimizers.AdamW()", "keras.optimizers.Adagrad()",
    "keras.optimizers.Adamax()", "keras.optimizers.Nadam()", "keras.optimizers.Adadelta()",
    "keras.optimizers.schedules.ExponentialDecay(0.1, 100, 0.9)",
    "keras.optimizers.schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001])",
    # initializers, regularizers, constraints
    "keras.initializers.GlorotUniform(seed=3)", "keras.initializers.HeNormal(seed=1)", "keras.initializers.Zeros()",
    "keras.initializers.Constant(0.5)", "keras.initializers.RandomNormal(mean=1.0, stddev=0.5, seed=2)",
    "keras.initializers.VarianceScaling(scale=2.0, mode='fan_out', distribution='uniform', seed=4)",
    "keras.regularizers.L2(0.01)", "keras.regularizers.L1(0.02)", "keras.regularizers.L1L2(l1=0.1, l2=0.2)",
    "keras.constraints.MaxNorm(2.0)", "keras.constraints.NonNeg()", "keras.constraints.UnitNorm()",
    "keras.constraints.MinMaxNorm(0.5, 1.5)",
    # layers
    "keras.layers.Dense(3, activation='relu', name='d')",
    "keras.layers.Dense(2, use_bias=False, kernel_regularizer='l2', name='d2')",
    "keras.layers.Dropout(0.25, seed=7, name='drop')", "keras.layers.Activation('softmax', name='act')",
    "keras.layers.BatchNormalization(name='bn')", "keras.layers.Flatten(name='flat')",
    "keras.layers.Add(name='add')", "keras.layers.Concatenate(axis=-1, name='cat')",
    "keras.layers.LeakyReLU(negative_slope=0.2, name='lrelu')", "keras.layers.Reshape((2, 3), name='reshape')",
    # containers
    "[keras.activations.relu, 1, 'a', None, {'k': 2.5}]",
]


def main():
    out = []
    for e in EXPRESSIONS:
        keras.backend.clear_session()  # each object named as if it were the first of its kind
        out.append({"expression": e, "serialized": keras.saving.serialize_keras_object(eval(e))})
    keras.backend.clear_session()
    built = keras.layers.Dense(4, name="built")
    built.build((None, 3))
    out.append({"expression": "built Dense(4) on (None, 3)", "serialized": keras.saving.serialize_keras_object(built)})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "serialized_objects.json")
    with open(path, "w") as f:
        json.dump({"keras_version": keras.__version__, "objects": out}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
