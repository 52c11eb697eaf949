"""Files in tests: a densekit model file's header (docs/format.md: an 8-byte little-endian
length, then that many bytes of JSON), copies of Keras archives with members edited, and the mark
for tests that need h5py."""

import importlib.util
import json
import zipfile

import pytest

# Keras's files (.keras, .h5, .weights.h5) need h5py, the keras extra: a test that writes or
# reads one skips without it, and the rest of the suite still runs.
requires_h5py = pytest.mark.skipif(importlib.util.find_spec("h5py") is None,
                                   reason="Keras files need h5py (pip install 'densekit[keras]')")


def format_version(path):
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        return json.loads(f.read(n))["__metadata__"]["format_version"]


def rewrite_archive(source, target, config=None, metadata=None, weights=None, drop=()):
    """A copy of a .keras archive with some members replaced (a function of the old value) or dropped."""
    edits = {"config.json": config, "metadata.json": metadata, "model.weights.h5": weights}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            if name in drop:
                continue
            data = old.read(name)
            edit = edits.get(name)
            if edit is not None:
                data = edit(data)
            new.writestr(name, data)
    return target


def edit_json(change):
    """An edit for rewrite_archive: the member's JSON, changed in place by ``change``."""
    def edit(data):
        value = json.loads(data)
        change(value)
        return json.dumps(value).encode()
    return edit
