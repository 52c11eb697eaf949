"""Inputs that once crashed the loader (stack overflows, use-after-free, out-of-bounds reads,
unbounded reads): each is loaded in a child process, so a crash fails the test instead of
ending the test run, and must give a clear OSError."""

import json
import os
import subprocess
import sys
import textwrap
import time
import zlib

import numpy as np
import pytest

import densekit as keras
from densekit import layers

DEPTH = 100_000  # far beyond the loader's nesting limit, and deep enough to overflow a stack


def run_child(code, *args, timeout=120):
    """Runs code in a fresh interpreter; its stdout (failing on a crash or a non-zero exit)."""
    child = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *map(str, args)], capture_output=True,
                           text=True, timeout=timeout)
    assert child.returncode == 0, f"the child crashed (exit status {child.returncode}): {child.stderr[-2000:]}"
    return child.stdout


LOAD = """
import sys, densekit
try:
    densekit.models.load_model(sys.argv[1])
    print("LOADED")
except Exception as e:
    print(type(e).__name__ + ": " + str(e))
"""


def load_outcome(path):
    return run_child(LOAD, path)


def parse(raw):
    n = int.from_bytes(raw[:8], "little")
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def serialize(header, data, header_text=None):
    header = dict(header, __metadata__=dict(header["__metadata__"], checksum=f"crc32:{zlib.crc32(data):08x}"))
    text = header_text if header_text is not None else json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + data


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """(path, bytes) of a small trained functional model saved with its optimizer state."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(5)
    inputs = keras.Input((4,))
    outputs = layers.Dense(3, activation="softmax")(layers.Dense(8, activation="relu")(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(5)
    model.fit(rng.normal(size=(16, 4)).astype("float32"), rng.integers(0, 3, 16), epochs=1, verbose=0)
    path = tmp_path_factory.mktemp("saved") / "model.dk"
    model.save(path)
    return path, path.read_bytes()


def deep(depth, leaf="1"):
    return "[" * depth + leaf + "]" * depth


# --- JSON nested deeper than any config: an OSError, not a stack overflow ----------------------------

def _with_metadata_text(raw, key, text):
    header, data = parse(raw)
    header["__metadata__"][key] = text
    return serialize(header, data)


@pytest.mark.parametrize("where", ["header", "model_config", "layer_config", "compile_config", "tensor_dtype",
                                   "tensor_shape", "tensor_offsets", "tensor_in_model_config"])
def test_deeply_nested_json_is_refused(where, saved, tmp_path):
    _, raw = saved
    header, data = parse(raw)
    if where == "header":
        text = json.dumps(header, separators=(",", ":")).encode()
        blob = serialize(header, data, header_text=text[:-1] + b',"x":' + deep(DEPTH).encode() + b"}")
    elif where in ("model_config", "compile_config"):
        blob = _with_metadata_text(raw, where, deep(DEPTH))
    elif where == "layer_config":
        config = json.loads(header["__metadata__"]["model_config"])
        dense = next(entry for entry in config["config"]["layers"] if entry["class_name"] == "Dense")
        text = json.dumps(config).replace(f'"units": {dense["config"]["units"]}', '"units": ' + deep(DEPTH), 1)
        blob = _with_metadata_text(raw, "model_config", text)
    elif where == "tensor_in_model_config":
        config = json.loads(header["__metadata__"]["model_config"])
        marker = '"args": ['
        text = json.dumps(config)
        assert marker in text
        text = text.replace(marker, marker + deep(DEPTH, '{"class_name": "__keras_tensor__"}') + ", ", 1)
        blob = _with_metadata_text(raw, "model_config", text)
    else:
        name = next(k for k in header if k != "__metadata__")
        field = {"tensor_dtype": "dtype", "tensor_shape": "shape", "tensor_offsets": "data_offsets"}[where]
        text = json.dumps(header, separators=(",", ":"))
        entry = json.dumps(header[name], separators=(",", ":"))
        value = json.dumps(header[name][field], separators=(",", ":"))
        new_entry = entry.replace(f'"{field}":{value}', f'"{field}":' + deep(DEPTH, value))
        blob = serialize(header, data, header_text=text.replace(entry, new_entry).encode())
    path = tmp_path / "deep.dk"
    path.write_bytes(blob)
    out = load_outcome(path)
    assert out.startswith("OSError: "), out[:500]
    assert "deep.dk" in out
    if where != "tensor_in_model_config":
        assert "levels deep" in out, out[:500]


def test_model_from_json_refuses_deep_nesting():
    out = run_child(f"""
        import densekit
        try:
            densekit.models.model_from_json("[" * {DEPTH} + "1" + "]" * {DEPTH})
        except ValueError as e:
            print("ValueError: " + str(e))
    """)
    assert out.startswith("ValueError: ") and "levels deep" in out, out[:500]


def test_a_config_just_within_the_depth_limit_still_parses():
    # 200 levels of lists inside a known field: refused as a bad value, not as too deep.
    with pytest.raises(ValueError) as info:
        keras.models.model_from_json(json.dumps({"class_name": "Sequential", "config": {"name": deep(200)}}))
    assert "levels deep" not in str(info.value)


# --- a functional config's tensor without its config: read past its end before ------------------------

@pytest.mark.parametrize("tensor", [{"class_name": "__keras_tensor__"},
                                   {"class_name": "__keras_tensor__", "config": {}},
                                   {"class_name": "__keras_tensor__", "config": {"keras_history": ["dense", "x", 0]}},
                                   {"class_name": "__keras_tensor__", "config": 3}])
def test_keras_tensor_without_history(tensor, saved, tmp_path):
    _, raw = saved
    header, data = parse(raw)
    config = json.loads(header["__metadata__"]["model_config"])
    entry = next(e for e in config["config"]["layers"] if e["inbound_nodes"])
    entry["inbound_nodes"][0]["args"] = [tensor]
    path = tmp_path / "tensor.dk"
    path.write_bytes(_with_metadata_text(raw, "model_config", json.dumps(config)))
    out = load_outcome(path)
    assert out.startswith("OSError: ") and "keras_history" in out, out[:500]


# --- reads bounded by what the header declares ---------------------------------------------------------

def test_dev_zero_is_refused_at_once():
    start = time.perf_counter()
    out = load_outcome("/dev/zero")
    assert out.startswith("OSError: "), out
    assert time.perf_counter() - start < 30


def test_huge_sparse_file_is_not_read_whole(saved, tmp_path):
    _, raw = saved
    path = tmp_path / "sparse.dk"
    with open(path, "wb") as f:
        f.write(raw)
        f.truncate(10 << 30)  # 10 GiB, sparse: reading it whole would take minutes and 10 GiB
    start = time.perf_counter()
    out = load_outcome(path)
    assert out.startswith("OSError: ") and "no tensor describes" in out, out
    assert time.perf_counter() - start < 30


# --- the data a Parsed file points into outlives it (load_weights read freed memory) --------------------

def test_load_weights_of_a_large_valid_file(tmp_path):
    out = run_child("""
        import sys, numpy as np, densekit
        from densekit import layers
        def make():
            return densekit.Sequential([densekit.Input((4096,)), layers.Dense(4096), layers.Dense(2)])
        model = make()
        model.compile(optimizer="adam", loss="mse")
        x = np.random.default_rng(0).normal(size=(8, 4096)).astype("float32")
        model.fit(x, np.zeros((8, 2), "float32"), epochs=1, verbose=0)
        model.save_weights(sys.argv[1])
        other = make()
        other.compile(optimizer="adam", loss="mse")
        other.load_weights(sys.argv[1])
        same = all(np.array_equal(a, b) for a, b in zip(model.get_weights(), other.get_weights()))
        print("OK" if same else "DIFFERENT")
    """, tmp_path / "wide.weights.dk")
    assert out.strip() == "OK"
    assert os.path.getsize(tmp_path / "wide.weights.dk") > 64 << 20


# --- a valid model whose outputs are NaN or infinite reloads -------------------------------------------

@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_model_with_non_finite_outputs_reloads(value, tmp_path):
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    kernel, bias = model.get_weights()
    model.set_weights([np.full_like(kernel, value), bias])
    path = tmp_path / "diverged.dk"
    model.save(path)
    loaded = keras.models.load_model(path)
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
