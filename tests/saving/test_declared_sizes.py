"""Sizes a Keras file declares are checked before memory is allocated (docs/security.md).

An HDF5 dataset declares its shape in a few bytes: a chunked dataset whose chunks were never
written makes an 11 KB ``.keras`` hold a "terabyte" kernel, and a compressed zip member inflates
to any size. densekit compares each weight's and optimizer variable's declared shape and dtype
with the model's before reading any of it, and a zip member's declared size with its limit
before inflating it. The files here declare sizes no machine can allocate (2**53 bytes), so a
read that happened would fail at once instead of passing quietly; the moderate ones are measured
with tracemalloc, which sees numpy's and Python's allocations.
"""

import shutil
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

h5py = pytest.importorskip("h5py", reason="Keras files need h5py (pip install 'densekit[keras]')")

import densekit as keras  # noqa: E402
from file_helpers import rewrite_archive  # noqa: E402
from weights_edits import dense_model, edit_weights, replace_dataset  # noqa: E402

KERAS_DIR = Path(__file__).resolve().parent.parent / "data" / "keras"
UNALLOCATABLE = (8, 2**48)  # float32: 2**53 bytes, more than any address space maps


def _declared(path, shape, dtype="f4"):
    """A change for edit_weights: the dataset at ``path`` declaring ``shape``, none of it written."""
    return replace_dataset(path, shape=shape, dtype=dtype, chunks=(1,) * (len(shape) - 1) + (min(16, shape[-1]),))


def _dense(compiled=False):
    return dense_model(8, 4, compiled)


def _archive(tmp_path, path, shape, compiled=False, dtype="f4"):
    _dense(compiled).save(tmp_path / "source.keras")
    return rewrite_archive(tmp_path / "source.keras", tmp_path / "declared.keras",
                           weights=edit_weights(_declared(path, shape, dtype)))


def _peak_allocation(call):
    """The most memory Python and numpy held at once during ``call()``, in bytes."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_archive_declaring_an_unallocatable_kernel_is_refused_by_name(tmp_path):
    path = _archive(tmp_path, "layers/dense/vars/0", UNALLOCATABLE)
    expected = rf"weight 'dense/kernel' has shape \(8, {2**48}\) in the file; the model expects \(8, 4\)"
    with pytest.raises(ValueError, match=expected):
        keras.models.load_model(path)
    with pytest.raises(ValueError, match=expected):
        _dense().load_weights(path)


def test_a_declared_kernel_of_the_wrong_shape_is_not_read(tmp_path):
    """128 MiB declared: refused having allocated almost nothing (the whole kernel was read first)."""
    path = _archive(tmp_path, "layers/dense/vars/0", (8, 2**22))

    def load():
        with pytest.raises(ValueError, match=r"weight 'dense/kernel' has shape \(8, 4194304\)"):
            keras.models.load_model(path)

    assert _peak_allocation(load) < 16 << 20


def test_skip_mismatch_leaves_an_unallocatable_kernel_unread(tmp_path):
    model = _dense()
    before = model.get_weights()
    path = _archive(tmp_path, "layers/dense/vars/0", UNALLOCATABLE)
    with pytest.warns(UserWarning, match=r"layer 'dense': weight 'dense/kernel' has shape \(8, 281474976710656\)"):
        model.load_weights(path, skip_mismatch=True)
    np.testing.assert_array_equal(model.get_weights()[0], before[0])


def test_a_kernel_declared_as_text_is_refused_unread(tmp_path):
    path = _archive(tmp_path, "layers/dense/vars/0", (8, 4), dtype=h5py.string_dtype())
    with pytest.raises(ValueError, match="weight 'dense/kernel' holds object values, not numbers"):
        keras.models.load_model(path)


def test_a_legacy_weights_file_declaring_an_unallocatable_kernel_is_refused_by_name(tmp_path):
    model = _dense()
    kernel, bias = model.get_weights()
    path = tmp_path / "legacy.h5"
    with h5py.File(path, "w") as h5file:
        h5file.attrs["layer_names"] = [b"dense"]
        group = h5file.create_group("dense")
        group.attrs["weight_names"] = [b"dense/kernel:0", b"dense/bias:0"]
        group.create_dataset("dense/kernel:0", data=kernel)
        group.create_dataset("dense/bias:0", data=bias)
        _declared("dense/dense/kernel:0", UNALLOCATABLE)(h5file)
    with pytest.raises(ValueError, match=r"weight 'dense/kernel' has shape \(8, 281474976710656\)"):
        model.load_weights(path)


def test_a_nested_models_weights_file_declaring_an_unallocatable_kernel_is_refused_by_name(tmp_path):
    model = keras.models.load_model(KERAS_DIR / "nested.keras", compile=False)
    path = shutil.copy(KERAS_DIR / "nested.weights.h5", tmp_path / "nested.weights.h5")
    with h5py.File(path, "a") as h5file:
        _declared("layers/sequential/layers/dense/vars/0", UNALLOCATABLE)(h5file)
    with pytest.raises(ValueError, match=r"weight 'b_dense/kernel' has shape \(8, 281474976710656\)"):
        model.load_weights(path)


def test_an_optimizer_slot_declared_unallocatable_is_refused_by_name(tmp_path):
    path = _archive(tmp_path, "optimizer/vars/2", UNALLOCATABLE, compiled=True)
    expected = (r"optimizer variable 2 \(optimizer/momentum/dense/kernel\) has shape \(8, 281474976710656\) in the "
                r"file; its weight has \(8, 4\)")
    with pytest.raises(ValueError, match=expected):
        keras.models.load_model(path)
    with pytest.raises(ValueError, match=expected):
        _dense(compiled=True).load_weights(path)


def test_an_iteration_count_declared_unallocatable_is_refused_by_name(tmp_path):
    path = _archive(tmp_path, "optimizer/vars/0", UNALLOCATABLE, compiled=True)
    expected = r"optimizer variable 0 \(optimizer/iterations\) has shape .* it is one number"
    with pytest.raises(ValueError, match=expected):
        keras.models.load_model(path)


def _inflating_archive(tmp_path, member, size):
    """A .keras archive whose ``member`` is ``size`` spaces, deflated (a few hundred KB)."""
    _dense().save(tmp_path / "source.keras")
    path = tmp_path / "inflating.keras"
    with zipfile.ZipFile(tmp_path / "source.keras") as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            if name != member:
                new.writestr(name, old.read(name))
                continue
            with new.open(name, "w", force_zip64=True) as f:
                for _ in range(size >> 20):
                    f.write(b" " * (1 << 20))
    return path


def test_a_config_inflating_past_the_json_limit_is_refused_before_it_is_inflated(tmp_path):
    path = _inflating_archive(tmp_path, "config.json", 80 << 20)

    def load():
        with pytest.raises(ValueError, match=f"config.json is {80 << 20} bytes, more than any dense model's config"):
            keras.models.load_model(path)

    assert _peak_allocation(load) < 16 << 20



def test_a_kernel_kept_in_another_file_is_refused(tmp_path):
    """HDF5's external storage: the kernel's values would be another local file's bytes."""
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(32, dtype=np.float32).tobytes())
    change = replace_dataset("layers/dense/vars/0", shape=(8, 4), dtype="f4", external=[(str(secret), 0, 128)])
    _dense().save(tmp_path / "source.keras")
    path = rewrite_archive(tmp_path / "source.keras", tmp_path / "external.keras", weights=edit_weights(change))
    with pytest.raises(ValueError, match="keeps its values in other files"):
        keras.models.load_model(path)
