"""Where a save writes: through symbolic links, keeping the old file's permissions, in place into a
pipe, and with file names as long as the file system takes (docs/format.md, "Writing"). The
native writer is C++ (io.cpp), the Keras writers Python (saving/keras_writer.py): both are run."""

import os
import stat
import threading

import numpy as np
import pytest

import densekit as keras
from file_helpers import requires_h5py

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX links, modes and pipes")

NATIVE = pytest.param(".dk", id="native")
KERAS = pytest.param(".keras", id="keras", marks=requires_h5py)
WEIGHTS = pytest.param(".weights.h5", id="weights", marks=requires_h5py)


def _model(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    return model


def _save(model, path):
    (model.save_weights if str(path).endswith(".weights.h5") else model.save)(str(path))


def _same_weights_as(model, path):
    if str(path).endswith(".weights.h5"):
        other = _model(seed=1)
        other.load_weights(str(path))
    else:
        other = keras.models.load_model(str(path))
    return all(np.array_equal(a, b) for a, b in zip(model.get_weights(), other.get_weights()))


@pytest.mark.parametrize("ext", [NATIVE, KERAS, WEIGHTS])
def test_a_save_through_a_link_updates_the_file_it_names(tmp_path, ext):
    real, link = tmp_path / f"real{ext}", tmp_path / f"link{ext}"
    real.write_bytes(b"old")
    link.symlink_to(real.name)  # relative, as links often are
    chained = tmp_path / f"chained{ext}"
    chained.symlink_to(link)
    model = _model()
    _save(model, chained)
    assert link.is_symlink() and chained.is_symlink()
    assert _same_weights_as(model, real)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([real.name, link.name, chained.name])


@pytest.mark.parametrize("ext", [NATIVE, KERAS, WEIGHTS])
def test_a_dangling_link_gets_its_target_created(tmp_path, ext):
    link = tmp_path / f"link{ext}"
    link.symlink_to(tmp_path / f"target{ext}")
    model = _model()
    _save(model, link)
    assert link.is_symlink() and _same_weights_as(model, tmp_path / f"target{ext}")


@pytest.mark.parametrize("ext", [NATIVE, KERAS, WEIGHTS])
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o604])
def test_an_overwritten_file_keeps_its_permissions(tmp_path, ext, mode):
    path = tmp_path / f"private{ext}"
    path.write_bytes(b"old")
    path.chmod(mode)
    _save(_model(), path)
    assert stat.S_IMODE(path.stat().st_mode) == mode


@pytest.mark.parametrize("ext", [NATIVE, KERAS, WEIGHTS])
def test_a_new_file_gets_the_umask_s_permissions(tmp_path, ext):
    old = os.umask(0o027)
    try:
        _save(_model(), tmp_path / f"new{ext}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / f"new{ext}").stat().st_mode) == 0o640


@pytest.mark.parametrize("ext", [NATIVE, KERAS, WEIGHTS])
def test_a_pipe_is_written_in_place_and_stays_a_pipe(tmp_path, ext):
    fifo = tmp_path / f"pipe{ext}"
    os.mkfifo(fifo)
    received = []
    # A daemon: if the save replaced the pipe instead of writing into it, the reader waits forever
    # on the pipe nobody opens, and must not keep the test process alive.
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    model = _model()
    _save(model, fifo)
    reader.join(timeout=30)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and received
    copy = tmp_path / f"copy{ext}"
    copy.write_bytes(received[0])
    assert _same_weights_as(model, copy)


@pytest.mark.parametrize("ext", [NATIVE, KERAS, WEIGHTS])
def test_a_name_as_long_as_the_file_system_takes_saves(tmp_path, ext):
    path = tmp_path / ("m" * (250 - len(ext)) + ext)
    model = _model()
    _save(model, path)
    _save(model, path)  # over the first: the temporary file's name must fit too
    assert _same_weights_as(model, path)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
