"""Seed corpora for the fuzzers: small models covering every layer kind and optimizer densekit
saves, as native files (load_model_fuzzer), as model configs (config_fuzzer), and both behind
the byte that picks atheris_fuzz.py's entry point (atheris).
Usage: python benchmarks/fuzz/make_seeds.py OUT_DIR"""

import json
import os
import sys

import numpy as np

import densekit as keras
from densekit import layers


def models():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    mlp = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="relu"), layers.Dropout(0.2),
                            layers.Dense(3, activation="softmax")])
    wide = keras.Input((5,), name="wide")
    deep = keras.Input((6,), name="deep")
    hidden = layers.BatchNormalization()(layers.Dense(8, activation="elu")(deep))
    merged = layers.Concatenate()([wide, hidden])
    two_inputs = keras.Model([wide, deep], [layers.Dense(1, name="main")(merged), layers.Dense(1, name="aux")(hidden)])
    norm = layers.Normalization()
    norm.adapt(rng.normal(size=(32, 4)).astype("float32"))
    normalized = keras.Sequential([keras.Input((4,)), norm, layers.Dense(4), layers.LayerNormalization(),
                                   layers.GaussianNoise(0.1), layers.Reshape((2, 2)), layers.Flatten(),
                                   layers.Rescaling(0.5), layers.LeakyReLU(), layers.Dense(1, activation="sigmoid")])
    shared = layers.Dense(4, name="shared")
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    siamese = keras.Model([a, b], layers.Subtract()([shared(a), shared(b)]))
    # Whole-number inputs (an Embedding and a CategoryEncoding read them) and the shape layers.
    ids = keras.Input((5,), dtype="int32", name="ids")
    pooled = layers.GlobalAveragePooling1D()(layers.Embedding(10, 4)(ids))
    features = layers.Concatenate()([pooled, layers.CategoryEncoding(10, "count")(ids)])
    shaped = layers.Permute((2, 1))(layers.RepeatVector(2)(layers.Dense(3)(features)))
    shaped = layers.Identity()(layers.UnitNormalization(axis=[1, 2])(shaped))
    tokens = keras.Model(ids, layers.Dense(1)(layers.Flatten(data_format="channels_first")(shaped)))
    return {"mlp": (mlp, "sparse_categorical_crossentropy", rng.integers(0, 3, 16), None),
            "two_inputs": (two_inputs, "mse", [rng.normal(size=(16, 1)), rng.normal(size=(16, 1))], None),
            "normalized": (normalized, "binary_crossentropy", rng.integers(0, 2, (16, 1)), None),
            "siamese": (siamese, "mae", rng.normal(size=(16, 4)), None),
            "tokens": (tokens, "mse", rng.normal(size=(16, 1)), rng.integers(0, 10, (16, 5)))}


def main(out):
    os.makedirs(os.path.join(out, "files"), exist_ok=True)
    os.makedirs(os.path.join(out, "configs"), exist_ok=True)
    os.makedirs(os.path.join(out, "atheris"), exist_ok=True)
    os.makedirs(os.path.join(out, "objects"), exist_ok=True)
    rng = np.random.default_rng(1)
    optimizers = ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "ftrl", "lion", "lamb"]
    for index, (name, (model, loss, y, whole_numbers)) in enumerate(models().items()):
        shapes = model.input_shape if isinstance(model.input_shape, list) else [model.input_shape]
        x = [whole_numbers] if whole_numbers is not None else [rng.normal(size=(16, shape[-1])).astype("float32")
                                                                 for shape in shapes]
        model.save(os.path.join(out, "files", f"{name}_uncompiled.dk"))
        for optimizer in optimizers[index::4]:
            model.compile(optimizer=optimizer, loss=loss, metrics=["mae"] * len(model.outputs or [0]))
            model.fit(x if len(x) > 1 else x[0], y, epochs=1, batch_size=8, verbose=0)
            model.save(os.path.join(out, "files", f"{name}_{optimizer}.dk"))
        with open(os.path.join(out, "configs", f"{name}.json"), "w") as f:
            f.write(model.to_json())
    # Single objects' configs as Keras 3.15.1 wrote them (tests/data/keras/serialized_objects.json).
    objects = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data", "keras",
                           "serialized_objects.json")
    with open(objects) as f:
        for index, entry in enumerate(json.load(f)["objects"]):
            with open(os.path.join(out, "objects", f"object_{index}.json"), "w") as g:
                json.dump(entry["serialized"], g)
    # atheris_fuzz.py: byte 0 picks load_model, 1 load_weights, 2 model_from_json, 3 from_config,
    # 4 deserialize_keras_object.
    for kind, entries in (("files", (0, 1)), ("configs", (2, 3, 4)), ("objects", (4,))):
        for name in os.listdir(os.path.join(out, kind)):
            with open(os.path.join(out, kind, name), "rb") as f:
                body = f.read()
            for entry in entries:
                with open(os.path.join(out, "atheris", f"{entry}_{name}"), "wb") as f:
                    f.write(bytes([entry]) + body)


if __name__ == "__main__":
    main(sys.argv[1])
