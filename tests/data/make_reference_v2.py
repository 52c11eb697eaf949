"""Writes the format_version 2 reference files that tests/saving/test_model_files.py loads.

Run once, with the densekit build that writes format_version 2:
    python tests/data/make_reference_v2.py
Never regenerate model_v2.dk with a later build (see make_reference_v1.py). Version 2 adds the
layers densekit.ops records (docs/format.md); a model without them is still written as version 1.

model_v2.dk                a compiled functional model with ops between its layers:
                           Input(5) -> Dense(6, tanh) -> [sin(h) * h ** 2, h[:, 1:4] / (|h[:, :3]| + 1),
                           logsumexp(h, -1, keepdims)] concatenated -> Dense(3, softmax); Adam, 3 steps
model_v2_expected.npz      x, y, predictions (at save time) and weights_after_step_i
"""

from pathlib import Path

import numpy as np

import densekit as keras
from densekit import _core, layers, ops

HERE = Path(__file__).resolve().parent


def build():
    x = keras.Input((5,))
    h = layers.Dense(6, activation="tanh")(x)
    parts = [ops.sin(h) * h ** 2, h[:, 1:4] / (ops.abs(h[:, :3]) + 1.0), ops.logsumexp(h, axis=-1, keepdims=True)]
    return keras.Model(x, layers.Dense(3, activation="softmax")(ops.concatenate(parts, axis=-1)))


def main():
    assert _core.FORMAT_VERSION == 2, "this script writes the format_version 2 reference file"
    keras.backend.clear_session()
    keras.utils.set_random_seed(2026)
    rng = np.random.default_rng(2026)
    x = rng.normal(size=(12, 5)).astype("float32")
    y = rng.integers(0, 3, size=12).astype("int64")
    model = build()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)  # 3 steps
    model.save(HERE / "model_v2.dk")
    predictions = model.predict(x, verbose=0)
    model.fit(x, y, batch_size=len(x), epochs=1, verbose=0)  # one more step, the one the test repeats
    after = {f"weights_after_step_{i}": w for i, w in enumerate(model.get_weights())}
    np.savez(HERE / "model_v2_expected.npz", x=x, y=y, predictions=predictions, **after)
    loaded = keras.models.load_model(HERE / "model_v2.dk")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), predictions)
    print(f"wrote {HERE / 'model_v2.dk'} and {HERE / 'model_v2_expected.npz'}")


if __name__ == "__main__":
    main()
