"""atheris (coverage-guided, libFuzzer-based) over densekit's Python entry points that read
untrusted bytes: load_model and load_weights on a file, model_from_json, and
Model.from_config and deserialize_keras_object on parsed JSON. The documented outcomes are a
loaded model (or object) or ValueError, TypeError, OSError; any other exception, a crash or a
hang is a finding.

  pip install atheris
  python benchmarks/fuzz/make_seeds.py SEEDS
  python benchmarks/fuzz/atheris_fuzz.py CORPUS SEEDS/atheris -runs=1000000 -timeout=2
(libFuzzer's flags: CORPUS, an empty directory, collects the inputs that found new code)."""

import json
import os
import sys
import tempfile

import atheris

import densekit as keras

# After the imports, every Python function loaded so far is instrumented for coverage
# (instrument_imports misses modules an editable install's custom loader brings in).
atheris.instrument_all()

EXPECTED = (ValueError, TypeError, OSError)
SCRATCH = tempfile.mkdtemp(prefix="densekit-atheris-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
PATH = os.path.join(SCRATCH, "input.dk")
TARGET = None  # a small built model for load_weights


def target():
    global TARGET
    if TARGET is None:
        TARGET = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8), keras.layers.Dense(3)])
    return TARGET


def one_input(data):
    if not data:
        return
    entry, body = data[0] % 5, data[1:]
    try:
        if entry in (0, 1):
            with open(PATH, "wb") as f:
                f.write(body)
            if entry == 0:
                model = keras.models.load_model(PATH)
            else:
                target().load_weights(PATH)
                return
        elif entry == 2:
            model = keras.models.model_from_json(body.decode("utf-8", "replace"))
        elif entry == 4:
            obj = keras.saving.deserialize_keras_object(json.loads(body.decode("utf-8", "replace")))
            if not isinstance(obj, keras.Model):
                return
            model = obj
        else:
            config = json.loads(body.decode("utf-8", "replace"))
            model = keras.Model.from_config(config) if isinstance(config, dict) else keras.Model.from_config(config)
        if model.inputs:
            model.predict([[[0.0] * int(t.shape[-1])] for t in model.inputs][0] if len(model.inputs) == 1 else
                          [[[0.0] * int(t.shape[-1])] for t in model.inputs], verbose=0)
    except EXPECTED:
        pass
    except (json.JSONDecodeError, RecursionError):
        pass  # json.loads's own refusals: the input never reached densekit


def main():
    keras.config.set_limits(max_parameters=1 << 22, max_values_per_sample=1 << 20, max_layers=2000)
    keras.config.set_num_threads(1)
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
