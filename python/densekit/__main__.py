"""``python -m densekit``: trains the breast-cancer tutorial network and reports its accuracy.

The Keras tutorial: 30 standardised features → Dense(30, relu) → Dense(15, relu) →
Dense(1, sigmoid), Adam, binary cross-entropy, batch 64, 100 epochs.

``python -m densekit convert model.keras model.dk``: converts a model file Keras wrote
(``.keras`` or legacy ``.h5``) to densekit's format, which a C++ application loads with
``densekit::load_model`` (docs/cpp.md).
"""

import argparse
import os
import sys
import time

import numpy as np

import densekit as keras


def load_breast_cancer_split(seed=0):
    """The tutorial's data: 80/20 split, features standardised with the training statistics."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.breast_cancer.load_data(test_split=0.2, seed=seed)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    return (x_train - mean) / std, (x_test - mean) / std, y_train.astype("float32"), y_test.astype("float32")


def _package_dir():
    # The compiled files sit next to _core (in site-packages, also for editable installs).
    return os.path.dirname(os.path.abspath(keras._core.__file__))


def cmake_dir():
    """The folder holding densekitConfig.cmake."""
    return os.path.join(_package_dir(), "lib", "cmake", "densekit")


def include_dir():
    return os.path.join(_package_dir(), "include")


def convert(argv):
    """``convert SOURCE TARGET``: any model file densekit reads, written in densekit's format."""
    parser = argparse.ArgumentParser(
        prog="python -m densekit convert",
        description="Convert a Keras model file (.keras archive or legacy .h5) to densekit's format (.dk), "
                    "which C++ applications load with densekit::load_model (docs/cpp.md).")
    parser.add_argument("source", help="the model file: .keras, .h5 (Keras) or .dk (densekit)")
    parser.add_argument("target", help="the densekit file to write, e.g. model.dk")
    parser.add_argument("--no-compile", action="store_true",
                        help="leave out the compile settings and optimizer state (an inference-only file)")
    args = parser.parse_args(argv)
    if os.path.abspath(args.source) == os.path.abspath(args.target):
        parser.error("the target must be another file than the source")
    try:
        model = keras.saving.load_model(args.source, compile=not args.no_compile)
        keras.saving.save_model(model, args.target, warn=False)
    except (OSError, ValueError, ImportError) as error:
        raise SystemExit(f"python -m densekit convert: {error}") from None
    inputs = model.input_shape if isinstance(model.input_shape, list) else [model.input_shape]
    print(f"{args.source} -> {args.target}: {type(model).__name__} '{model.name}', {len(model.layers)} layers, "
          f"{model.count_params():,} parameters, inputs {inputs}, compiled: {model.compiled}")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["convert"]:
        convert(argv[1:])
        return
    parser = argparse.ArgumentParser(prog="python -m densekit", description=__doc__.splitlines()[0],
                                     epilog="python -m densekit convert SOURCE TARGET: a Keras model file to "
                                            "densekit's format (see convert --help)")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--verbose", type=int, default=2, choices=[0, 1, 2])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cmake-dir", action="store_true",
                        help="print the folder for densekit_DIR (find_package(densekit) in C++ projects) and exit")
    parser.add_argument("--include-dir", action="store_true", help="print the C++ include folder and exit")
    args = parser.parse_args(argv)
    if args.cmake_dir or args.include_dir:
        print(cmake_dir() if args.cmake_dir else include_dir())
        return

    x_train, x_test, y_train, y_test = load_breast_cancer_split()
    keras.utils.set_random_seed(args.seed)
    model = keras.Sequential([
        keras.Input(shape=(30,)),
        keras.layers.Dense(30, activation="relu"),
        keras.layers.Dense(15, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=64, epochs=args.epochs, validation_split=0.1, verbose=args.verbose)
    elapsed = time.perf_counter() - start
    model.summary()
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"densekit {keras.__version__}: trained in {elapsed * 1000:.1f} ms; "
          f"test loss {loss:.4f}, test accuracy {accuracy:.4f} ({len(x_test)} samples)")


if __name__ == "__main__":
    main()
