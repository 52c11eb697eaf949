"""Writes the format_version 1 reference files that tests/saving/test_model_files.py loads.

Run once, with the densekit build that writes format_version 1:
    python tests/data/make_reference_v1.py
Never regenerate model_v1.dk with a later build: it is kept so that every format version
densekit ever released stays loadable. A new format version gets its own script and files.

model_v1.dk                a small compiled model (Input(5) -> Dense(4, relu) -> Dense(3, softmax),
                           Adam, trained 3 steps on fixed data)
model_v1_expected.npz      x, y (the training data), predictions (of x, at save time) and
                           weights_after_step_i (the weights after one more full-batch step)
"""

from pathlib import Path

import numpy as np

import densekit as keras
from densekit import _core, layers

HERE = Path(__file__).resolve().parent


def main():
    assert _core.FORMAT_VERSION == 1, "this script writes the format_version 1 reference file"
    keras.backend.clear_session()
    keras.utils.set_random_seed(2024)
    rng = np.random.default_rng(2024)
    x = rng.normal(size=(12, 5)).astype("float32")
    y = rng.integers(0, 3, size=12).astype("int64")

    model = keras.Sequential([keras.Input((5,)), layers.Dense(4, activation="relu"),
                              layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)  # 3 steps
    assert model.optimizer.iterations == 3
    model.save(HERE / "model_v1.dk")
    predictions = model.predict(x, verbose=0)

    model.fit(x, y, batch_size=len(x), epochs=1, verbose=0)  # one more step, the one the test repeats
    after = {f"weights_after_step_{i}": w for i, w in enumerate(model.get_weights())}
    np.savez(HERE / "model_v1_expected.npz", x=x, y=y, predictions=predictions, **after)

    loaded = keras.models.load_model(HERE / "model_v1.dk")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), predictions)
    print(f"wrote {HERE / 'model_v1.dk'} and {HERE / 'model_v1_expected.npz'}")


if __name__ == "__main__":
    main()
