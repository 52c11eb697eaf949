"""Malformed model files: each is generated from a real saved model and must be rejected with
an OSError that says what is wrong, never a crash, a hang or a silently different model."""

import json
import subprocess
import sys
import threading
import zlib

import numpy as np
import pytest
import safetensors.numpy

import densekit as keras
from densekit import _core, layers

LOAD_TIMEOUT = 60.0  # seconds; a load that takes longer counts as a hang


# --- helpers ----------------------------------------------------------------------------------------

def parse(raw):
    """(header dict, data bytes) of a file's bytes."""
    n = int.from_bytes(raw[:8], "little")
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def serialize(header, data, fix_checksum=False):
    """A file's bytes: length, header JSON padded with spaces to 8 bytes, data (the metadata's
    checksum recomputed first when fix_checksum)."""
    if fix_checksum:
        header = dict(header, __metadata__=dict(header["__metadata__"], checksum=f"crc32:{zlib.crc32(data):08x}"))
    text = header if isinstance(header, bytes) else json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + data


def tensors_of(header, data):
    """{name: [dtype, shape, bytes]} in file order."""
    items = sorted((v["data_offsets"][0], k) for k, v in header.items() if k != "__metadata__")
    return {k: [header[k]["dtype"], list(header[k]["shape"]), data[slice(*header[k]["data_offsets"])]]
            for _, k in items}


def layout(meta, tensors):
    """A consistent (header, data) for tensors {name: [dtype, shape, bytes]}: offsets recomputed."""
    header, data = {}, b""
    for name, (dtype, shape, blob) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(blob)]}
        data += blob
    header["__metadata__"] = meta
    return header, data


def outcome(fn, *args, **kwargs):
    """Runs fn in a thread (densekit releases the GIL while it reads): its result or exception,
    failing the test if it does not finish within LOAD_TIMEOUT."""
    box = {}

    def run():
        try:
            box["result"] = fn(*args, **kwargs)
        except BaseException as e:  # noqa: BLE001 - handed to the test
            box["error"] = e

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(LOAD_TIMEOUT)
    assert not thread.is_alive(), f"{fn.__name__} hung for {LOAD_TIMEOUT} s"
    return box


def load_error(path, loader=None, **kwargs):
    """The OSError that loading path raises (failing if it loads or raises anything else)."""
    box = outcome(loader or keras.models.load_model, str(path), **kwargs)
    assert "result" not in box, "the malformed file loaded"
    assert isinstance(box["error"], OSError), f"expected OSError, got {type(box['error']).__name__}: {box['error']}"
    return str(box["error"])


def check(tmp_path, raw, *patterns):
    path = tmp_path / "bad.dk"
    path.write_bytes(raw)
    message = load_error(path)
    assert "bad.dk" in message
    for pattern in patterns:
        assert pattern in message, f"{pattern!r} not in {message!r}"
    return message


# --- the real file everything is derived from --------------------------------------------------------

@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """(bytes, x, predictions) of a real saved, trained model."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = rng.integers(0, 3, size=32)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dropout(0.2),
                              layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    path = tmp_path_factory.mktemp("good") / "model.dk"
    model.save(path)
    model.save_weights(path.with_name("weights.dk"))
    return path.read_bytes(), x, model.predict(x, verbose=0), path.with_name("weights.dk").read_bytes()


@pytest.fixture
def raw(good):
    return good[0]


def test_the_helpers_reproduce_the_real_file(good, tmp_path):
    raw, x, predictions, _ = good
    header, data = parse(raw)
    assert serialize(header, data) == raw
    assert serialize(*layout(header["__metadata__"], tensors_of(header, data))) == raw
    path = tmp_path / "copy.dk"
    path.write_bytes(serialize(header, data, fix_checksum=True))
    np.testing.assert_array_equal(keras.models.load_model(path).predict(x, verbose=0), predictions)


# --- empty and truncated files ------------------------------------------------------------------------

def test_empty_file(tmp_path):
    message = check(tmp_path, b"", "empty")
    assert "0 bytes" in message


def section_cuts(raw):
    n = int.from_bytes(raw[:8], "little")
    data = len(raw) - 8 - n
    return {
        "inside the length": 3,
        "right after the length": 8,
        "inside the header": 8 + n // 2,
        "one byte short of the header": 8 + n - 1,
        "right after the header": 8 + n,
        "inside the data": 8 + n + data // 2,
        "one byte short": len(raw) - 1,
    }


@pytest.mark.parametrize("where", ["inside the length", "right after the length", "inside the header",
                                   "one byte short of the header", "right after the header", "inside the data",
                                   "one byte short"])
def test_truncated_at_section_boundaries(where, raw, tmp_path):
    cut = section_cuts(raw)[where]
    check(tmp_path, raw[:cut], "truncated")


@pytest.mark.parametrize("fraction", np.random.default_rng(20240501).random(12).round(4).tolist())
def test_truncated_at_random_positions(fraction, raw, tmp_path):
    cut = int(fraction * len(raw))
    assert 0 <= cut < len(raw)
    check(tmp_path, raw[:cut], "truncated")


def test_truncated_weights_file(good, tmp_path):
    weights = good[3]
    path = tmp_path / "w.dk"
    path.write_bytes(weights[:-5])
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(3)])
    assert "truncated" in load_error(path, loader=model.load_weights)


# --- header length ------------------------------------------------------------------------------------

def test_header_length_beyond_the_file(raw, tmp_path):
    check(tmp_path, len(raw).to_bytes(8, "little") + raw[8:], "runs past the end", "truncated")


@pytest.mark.parametrize("length", [2**60, 2**64 - 1, 100 * 2**20 + 8])
def test_absurd_header_length(length, raw, tmp_path):
    check(tmp_path, length.to_bytes(8, "little") + raw[8:], "absurdly large", str(length))


# --- header JSON ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [b"{not json", b"", b"\xff\xfe\x00", b'{"a": 1,}', b"{" * 8000])
def test_header_not_json(text, raw, tmp_path):
    _, data = parse(raw)
    check(tmp_path, serialize(text, data), "not valid JSON")


@pytest.mark.parametrize("text", [b"[1, 2, 3]", b'"densekit"', b"42", b"null"])
def test_header_not_an_object(text, raw, tmp_path):
    _, data = parse(raw)
    check(tmp_path, serialize(text, data), "not a JSON object")


@pytest.mark.parametrize("case", ["missing", "not an object", "format keras", "format missing", "format not a string"])
def test_no_densekit_metadata(case, raw, tmp_path):
    header, data = parse(raw)
    meta = header["__metadata__"]
    if case == "missing":
        del header["__metadata__"]
    elif case == "not an object":
        header["__metadata__"] = ["format", "densekit"]
    elif case == "format keras":
        meta["format"] = "keras"
    elif case == "format missing":
        del meta["format"]
    else:
        meta["format"] = 1
    check(tmp_path, serialize(header, data), "no densekit metadata")


@pytest.mark.parametrize("metadata", [None, {"format": "pt"}])
def test_plain_safetensors_file(metadata, tmp_path):
    path = tmp_path / "bad.dk"
    safetensors.numpy.save_file({"dense/kernel": np.ones((4, 8), "float32")}, str(path), metadata=metadata)
    assert "no densekit metadata" in load_error(path)


def test_metadata_value_not_a_string(raw, tmp_path):
    header, data = parse(raw)
    header["__metadata__"]["content"] = ["model"]
    check(tmp_path, serialize(header, data), "metadata field 'content' is not a string")


# --- format version ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", [str(_core.FORMAT_VERSION + 1), "17"])
def test_newer_format_version(version, raw, tmp_path):
    header, data = parse(raw)
    header["__metadata__"]["format_version"] = version
    message = check(tmp_path, serialize(header, data), f"format_version {version}",
                    f"reads format_version {_core.FORMAT_VERSION} and older")
    assert keras.__version__ in message


@pytest.mark.parametrize("version", ["one", "", "v1", "99999999999999999999"])
def test_non_numeric_format_version(version, raw, tmp_path):
    header, data = parse(raw)
    header["__metadata__"]["format_version"] = version
    check(tmp_path, serialize(header, data), "format_version")


@pytest.mark.parametrize("version", [None, "0", "-1"])
def test_missing_or_invalid_format_version(version, raw, tmp_path):
    header, data = parse(raw)
    if version is None:
        del header["__metadata__"]["format_version"]
    else:
        header["__metadata__"]["format_version"] = version
    check(tmp_path, serialize(header, data), "format_version is missing or invalid")


# --- flipped bytes ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("where", [0, 0.5, -1])
def test_flipped_byte_in_the_data(where, raw, tmp_path):
    header, data = parse(raw)
    data = bytearray(data)
    i = int(where * len(data)) if isinstance(where, float) else where
    data[i] ^= 0x10
    message = check(tmp_path, serialize(header, bytes(data)), "checksum", "corrupt")
    assert header["__metadata__"]["checksum"] in message


@pytest.mark.parametrize("target,mask,expected", [
    (b'{', 0x01, "not valid JSON"),                      # the opening brace
    (b'"dense/kernel', 0x01, "dense/kernel"),           # a tensor name: that tensor goes missing
    (b'"F3', 0x01, "dtype"),                            # F32 -> F22
    (b'"crc32:', 0x01, "checksum"),                     # the recorded checksum's first digit
    (b'"data_offsets":[128', 0x01, "dense/bias"),       # an offset: 128 -> 129
    (b'{', 0x80, "not valid JSON"),                     # the high bit: no longer UTF-8
    (b'"dense/k', 0x80, "not valid JSON"),              # ill-formed UTF-8 inside a string
])
def test_flipped_byte_in_the_header(target, mask, expected, raw, tmp_path):
    n = int.from_bytes(raw[:8], "little")
    i = raw.index(target, 8, 8 + n) + len(target) - (0 if target == b'"crc32:' else 1)
    flipped = bytearray(raw)
    flipped[i] ^= mask
    check(tmp_path, bytes(flipped), expected)


def test_every_flipped_header_byte_is_rejected_or_harmless(good, tmp_path):
    """Flipping a bit of any header byte (every 4th, to stay fast) either is rejected with an
    OSError or leaves a file that still loads (a flip in a name or a version string); never
    another exception, a crash or a hang."""
    raw, _, _, _ = good
    n = int.from_bytes(raw[:8], "little")
    path = tmp_path / "bad.dk"

    def sweep():
        results = {}
        for i in range(8, 8 + n, 4):
            flipped = bytearray(raw)
            flipped[i] ^= 0x04
            path.write_bytes(bytes(flipped))
            try:
                keras.models.load_model(str(path))
                results[i] = None
            except Exception as e:  # noqa: BLE001 - classified below
                results[i] = e
        return results

    results = outcome(sweep)["result"]
    others = {i: f"{type(e).__name__}: {e}" for i, e in results.items() if e is not None and not isinstance(e, OSError)}
    assert not others
    rejected = sum(isinstance(e, OSError) for e in results.values())
    assert rejected > len(results) - rejected


# --- lying offsets ------------------------------------------------------------------------------------------

def relabel(raw, name, offsets=None, shape=None, dtype=None):
    header, data = parse(raw)
    if offsets is not None:
        header[name]["data_offsets"] = offsets(*header[name]["data_offsets"])
    if shape is not None:
        header[name]["shape"] = shape
    if dtype is not None:
        header[name]["dtype"] = dtype
    return header, data


def test_overlapping_tensors(raw, tmp_path):
    header, data = relabel(raw, "dense/bias", offsets=lambda b, e: [b - 4, e - 4])
    check(tmp_path, serialize(header, data, fix_checksum=True), "dense/bias", "overlapping")


def test_gap_between_tensors(raw, tmp_path):
    header, data = parse(raw)
    last = max((k for k in header if k != "__metadata__"), key=lambda k: header[k]["data_offsets"][0])
    b, e = header[last]["data_offsets"]
    header[last]["data_offsets"] = [b + 4, e + 4]
    data = data[:b] + b"\0\0\0\0" + data[b:]
    check(tmp_path, serialize(header, data, fix_checksum=True), last, "gap")


def test_bytes_no_tensor_describes(raw, tmp_path):
    header, data = parse(raw)
    check(tmp_path, serialize(header, data + b"\0" * 8, fix_checksum=True), "8 bytes no tensor describes")


def test_end_beyond_the_data(raw, tmp_path):
    header, data = parse(raw)
    last = max((k for k in header if k != "__metadata__"), key=lambda k: header[k]["data_offsets"][0])
    header[last]["data_offsets"] = [header[last]["data_offsets"][0] + 4, header[last]["data_offsets"][1] + 4]
    check(tmp_path, serialize(header, data, fix_checksum=True), last, "outside the data")


def test_huge_offsets(raw, tmp_path):
    header, data = relabel(raw, "dense/kernel", offsets=lambda b, e: [2**64 - 129, 2**64 - 1])
    check(tmp_path, serialize(header, data, fix_checksum=True), "dense/kernel", "data_offsets")


def test_begin_after_end(raw, tmp_path):
    header, data = relabel(raw, "dense/bias", offsets=lambda b, e: [e, b])
    check(tmp_path, serialize(header, data, fix_checksum=True), "dense/bias", "data_offsets")


@pytest.mark.parametrize("offsets", [[-4, 124], [0.0, 128.0], [0], [0, 64, 128], "0-128", None])
def test_invalid_offsets(offsets, raw, tmp_path):
    header, data = relabel(raw, "dense/kernel", offsets=lambda b, e: offsets)
    check(tmp_path, serialize(header, data, fix_checksum=True), "dense/kernel", "data_offsets")


def test_size_not_matching_shape_and_dtype(raw, tmp_path):
    header, data = relabel(raw, "dense/kernel", shape=[4, 7])
    check(tmp_path, serialize(header, data, fix_checksum=True), "dense/kernel", "128 bytes", "need 112")


def test_size_not_matching_dtype(raw, tmp_path):
    header, data = relabel(raw, "dense/bias", dtype="F64")
    check(tmp_path, serialize(header, data, fix_checksum=True), "dense/bias", "32 bytes", "need 64")


@pytest.mark.parametrize("dtype", ["F16", "BF16", "Q8", "f32", ""])
def test_unknown_dtype(dtype, raw, tmp_path):
    header, data = relabel(raw, "dense/kernel", dtype=dtype)
    check(tmp_path, serialize(header, data, fix_checksum=True), "dense/kernel", "dtype")


@pytest.mark.parametrize("entry", [5, "F32", {"dtype": "F32", "shape": [8]}, {"dtype": 32, "shape": [8],
                                                                                "data_offsets": [128, 160]}])
def test_malformed_tensor_entry(entry, raw, tmp_path):
    header, data = parse(raw)
    header["dense/bias"] = entry
    check(tmp_path, serialize(header, data, fix_checksum=True), "dense/bias")


@pytest.mark.parametrize("shape", [[-4, -8], [4.0, 8.0], [4, "8"], [4, None], [2**63, 1]])
def test_invalid_shape(shape, raw, tmp_path):
    header, data = relabel(raw, "dense/kernel", shape=shape)
    check(tmp_path, serialize(header, data, fix_checksum=True), "dense/kernel", "shape")


def test_absurd_shape(raw, tmp_path):
    header, data = relabel(raw, "dense/kernel", shape=[2**31, 2**31, 2**31])
    check(tmp_path, serialize(header, data, fix_checksum=True), "dense/kernel", "absurd shape")


# --- consistent files that do not match the architecture ------------------------------------------------

def rewritten(raw, change):
    """The file after change(tensors) edits {name: [dtype, shape, bytes]}, laid out consistently,
    checksum recomputed: only the architecture checks can object."""
    header, data = parse(raw)
    tensors = tensors_of(header, data)
    change(tensors)
    return serialize(*layout(header["__metadata__"], tensors), fix_checksum=True)


def test_weight_with_the_wrong_shape(raw, tmp_path):
    def change(t):
        t["dense/kernel"] = ["F32", [4, 9], np.zeros((4, 9), "float32").tobytes()]
    check(tmp_path, rewritten(raw, change), "dense/kernel", "shape [4,9]", "[4,8]")


def test_weight_with_transposed_shape(raw, tmp_path):
    def change(t):
        t["dense_1/kernel"][1] = [3, 8]
    check(tmp_path, rewritten(raw, change), "dense_1/kernel", "shape [3,8]", "[8,3]")


def test_weight_with_the_wrong_dtype(raw, tmp_path):
    def change(t):
        t["dense/kernel"] = ["F64", [4, 8], np.frombuffer(t["dense/kernel"][2], "<f4").astype("<f8").tobytes()]
    check(tmp_path, rewritten(raw, change), "dense/kernel", "dtype F64", "expected F32")


def test_missing_weight_tensor(raw, tmp_path):
    check(tmp_path, rewritten(raw, lambda t: t.pop("dense_1/bias")), "dense_1/bias", "no tensor")


def test_missing_optimizer_slot(good, tmp_path):
    raw, x, predictions, _ = good
    check(tmp_path, rewritten(raw, lambda t: t.pop("optimizer/velocity/dense/bias")),
          "optimizer/velocity/dense/bias", "no tensor")
    # Without compile the optimizer state is not needed.
    model = keras.models.load_model(tmp_path / "bad.dk", compile=False)
    np.testing.assert_array_equal(model.predict(x, verbose=0), predictions)


def test_wrong_generator_state(raw, tmp_path):
    def change(t):
        t["rng/state"] = ["U64", [2], t["rng/state"][2][:16]]
    check(tmp_path, rewritten(raw, change), "rng/state", "shape")


def test_wrong_iterations_dtype(raw, tmp_path):
    def change(t):
        t["optimizer/iterations"][0] = "F64"
    check(tmp_path, rewritten(raw, change), "optimizer/iterations", "dtype")


@pytest.mark.parametrize("class_name", ["Conv2D", "Lambda", "TFOpLambda"])
def test_unknown_layer_type(class_name, raw, tmp_path):
    header, data = parse(raw)
    config = json.loads(header["__metadata__"]["model_config"])
    dense = next(layer for layer in config["config"]["layers"] if layer["class_name"] == "Dense")
    dense["class_name"] = class_name
    header["__metadata__"]["model_config"] = json.dumps(config)
    check(tmp_path, serialize(header, data), "Unknown layer type", class_name)


# A child process with a 4 GB address-space limit loads the file: an absurd size in the
# architecture must be rejected with an OSError, not crash the interpreter or exhaust memory.
LOAD_IN_CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
import densekit
try:
    densekit.models.load_model(sys.argv[1])
    print("LOADED")
except Exception as e:
    print(type(e).__name__ + ": " + str(e))
"""


@pytest.mark.parametrize("where,size", [("units", 2**61), ("units", 3074457345618258603), ("input", 2**61)])
def test_absurd_sizes_in_the_model_config(where, size, raw, tmp_path):
    header, data = parse(raw)
    config = json.loads(header["__metadata__"]["model_config"])
    entries = config["config"]["layers"]
    if where == "units":
        next(e for e in entries if e["class_name"] == "Dense")["config"]["units"] = size
    else:
        entries[0]["config"]["batch_shape"] = [None, size]
    header["__metadata__"]["model_config"] = json.dumps(config)
    path = tmp_path / "bad.dk"
    path.write_bytes(serialize(header, data))
    child = subprocess.run([sys.executable, "-c", LOAD_IN_CHILD, str(path)], capture_output=True, text=True,
                           timeout=60)
    assert child.returncode == 0, f"the loader crashed (exit status {child.returncode}): {child.stderr[-500:]}"
    assert child.stdout.startswith("OSError: "), child.stdout
    assert "dense" in child.stdout


@pytest.mark.parametrize("text", ["{oops", "", "[1, 2]", '{"class_name": "Sequential"}'])
def test_model_config_not_valid(text, raw, tmp_path):
    header, data = parse(raw)
    header["__metadata__"]["model_config"] = text
    message = check(tmp_path, serialize(header, data), "model")
    if text in ("{oops", ""):
        assert "model_config metadata is not valid JSON" in message


def test_model_config_missing(raw, tmp_path):
    header, data = parse(raw)
    del header["__metadata__"]["model_config"]
    check(tmp_path, serialize(header, data), "model_config")


def test_compile_config_not_json(good, tmp_path):
    raw, x, predictions, _ = good
    header, data = parse(raw)
    header["__metadata__"]["compile_config"] = "{oops"
    check(tmp_path, serialize(header, data), "not valid JSON")
    model = keras.models.load_model(tmp_path / "bad.dk", compile=False)  # compile=False never reads it
    np.testing.assert_array_equal(model.predict(x, verbose=0), predictions)


@pytest.mark.parametrize("names, message", [
    ("{oops", "output_names is not valid JSON"), ('["a", "b"]', "must be a list of 1 strings"),
    ('"head"', "must be a list of 1 strings"), ("[3]", "must be non-empty strings"), ('[""]', "non-empty strings"),
])
def test_output_names_not_valid(names, message, raw, tmp_path):
    header, data = parse(raw)
    header["__metadata__"]["output_names"] = names
    check(tmp_path, serialize(header, data), message)


def test_probe_mismatch(raw, tmp_path):
    def change(t):
        out = np.frombuffer(t["probe/output_0"][2], "<f4").copy()
        out[1] += 0.25
        t["probe/output_0"][2] = out.tobytes()
    check(tmp_path, rewritten(raw, change), "does not reproduce")


def test_probe_mismatch_from_other_weights(raw, tmp_path):
    """Weights that fit the architecture but are not the ones the probe ran on."""
    def change(t):
        kernel = np.frombuffer(t["dense_1/kernel"][2], "<f4").reshape(8, 3)
        t["dense_1/kernel"][2] = np.ascontiguousarray(kernel[::-1]).tobytes()
    check(tmp_path, rewritten(raw, change), "does not reproduce", "architecture and the weights do not match")


def test_probe_output_nan(raw, tmp_path):
    def change(t):
        out = np.frombuffer(t["probe/output_0"][2], "<f4").copy()
        out[0] = np.nan
        t["probe/output_0"][2] = out.tobytes()
    check(tmp_path, rewritten(raw, change), "does not reproduce")


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_probe_input_not_finite(raw, tmp_path, value):
    """NaN probe inputs give NaN outputs, which equal NaN recorded: the check would prove nothing."""
    def change(t):
        for name in ("probe/input_0", "probe/output_0"):
            values = np.frombuffer(t[name][2], "<f4").copy()
            values[:] = value
            t[name][2] = values.tobytes()
    check(tmp_path, rewritten(raw, change), "probe inputs (probe/input_0) are not finite")


def test_weights_file_passed_to_load_model(good, tmp_path):
    check(tmp_path, good[3], "weights only", "load_weights")


def test_content_unknown(raw, tmp_path):
    header, data = parse(raw)
    header["__metadata__"]["content"] = "optimizer"
    check(tmp_path, serialize(header, data), "load_weights")


def test_missing_file_and_directory(tmp_path):
    assert "nothing.dk" in load_error(tmp_path / "nothing.dk")
    (tmp_path / "folder.dk").mkdir()
    load_error(tmp_path / "folder.dk")


@pytest.mark.parametrize("build", [
    lambda: keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d1"), keras.layers.Dense(2, name="d2")]),
    lambda: keras.Model(*(lambda x: (x, keras.layers.Dense(2, name="d2")(keras.layers.Dense(2, name="d1")(x))))(
        keras.Input((3,)))),
], ids=["sequential", "functional"])
def test_a_config_naming_two_layers_alike_is_refused(build):
    """Weights are found by layer name: a config naming two layers alike cannot be loaded."""
    config = json.loads(build().to_json())
    for entry in config["config"]["layers"]:
        if entry["config"].get("name") == "d2":
            entry["config"]["name"] = "d1"
            entry["name"] = "d1"
    with pytest.raises(ValueError, match="names two layers 'd1'"):
        keras.models.model_from_json(json.dumps(config))
