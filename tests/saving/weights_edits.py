"""For tests of damaged Keras archives: a small densekit model (trained, so the archive holds
the optimizer's variables too) and edits of an archive's ``model.weights.h5`` for
file_helpers.rewrite_archive."""

import io

import h5py
import numpy as np

import densekit as keras


def dense_model(inputs, units, compiled=False):
    """Dense(units) named "dense" on ``inputs`` features; compiled with Adam and one step taken."""
    model = keras.Sequential([keras.Input((inputs,)), keras.layers.Dense(units, name="dense")])
    if compiled:
        model.compile(keras.optimizers.Adam(0.01), "mse")
        model.fit(np.ones((4, inputs)), np.ones((4, units)), verbose=0)
    return model


def edit_weights(change):
    """An edit for rewrite_archive: ``change(h5file)`` on the member, opened for writing."""
    def edit(data):
        buffer = io.BytesIO(data)
        with h5py.File(buffer, "a") as h5file:
            change(h5file)
        return buffer.getvalue()
    return edit


def replace_dataset(path, **dataset):
    """A change for edit_weights: the dataset at ``path`` made anew with ``dataset``
    (h5py's create_dataset arguments)."""
    def change(h5file):
        del h5file[path]
        h5file.create_dataset(path, **dataset)
    return change
