"""``python -m densekit``: trains the breast-cancer tutorial network and reports its accuracy.

The Keras tutorial: 30 standardised features → Dense(30, relu) → Dense(15, relu) →
Dense(1, sigmoid), Adam, binary cross-entropy, batch 64, 100 epochs.
"""

import argparse
import os
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


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m densekit", description=__doc__.splitlines()[0])
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
