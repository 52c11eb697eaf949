"""TensorBoard (keras/src/callbacks/tensorboard.py): scalars, weight histograms and the model's
conceptual graph as event files that TensorBoard reads, written with tensorboardX's protos and record
writer (numpy and protobuf only; no TensorFlow; see tensorboard_events.py).

What Keras writes, with the same tags, directories and steps:
- ``log_dir/train``: ``epoch_<name>`` per epoch (step = epoch) for every training log, plus
  ``epoch_learning_rate`` and, with ``write_steps_per_second``, ``epoch_steps_per_second``;
  with ``update_freq=N`` also ``batch_<name>`` (and ``batch_steps_per_second``) every N-th batch of
  the fit, at step = the batch's number counted from 1 across epochs; ``<weight.path>/histogram``
  (and ``/image``) every ``histogram_freq`` epochs; the model's Keras JSON as tag ``keras`` (the
  graph dashboard's conceptual graph) when ``write_graph``.
- ``log_dir/validation``: ``epoch_<name>`` (the ``val_`` prefix dropped) per epoch, and after every
  validation or ``evaluate()`` ``evaluation_<name>_vs_iterations`` at step = the optimizer's iterations.

Where densekit differs on purpose: Keras-TF writes epoch summaries only when the fit's batch count
is a multiple of ``update_freq`` (its batch-level ``record_if`` is still active at epoch end); densekit
always writes them. ``profile_batch`` has nothing to act on (no TensorFlow profiler) and ``embeddings_freq`` writes no
projector data (Keras 3 writes a projector config naming a TensorFlow checkpoint tensor that its
``.weights.h5`` snapshots do not hold): a warning says they are ignored."""

import os
import time
import warnings

import numpy as np

from densekit import distribution
from densekit.callbacks.callback import Callback
from densekit.callbacks.tensorboard_events import EventFile


def _require_tensorboardx():
    try:
        import tensorboardX.event_file_writer  # noqa: F401
    except ImportError as e:
        raise ImportError("densekit.callbacks.TensorBoard writes its event files with tensorboardX, which is not "
                          'installed. Install it with: pip install "densekit[tensorboard]"') from e


def _update_freq(update_freq):
    if update_freq == "batch":
        return 1
    if update_freq == "epoch":
        return "epoch"
    if isinstance(update_freq, int) and not isinstance(update_freq, bool) and update_freq > 0:
        return update_freq
    raise ValueError('`update_freq` must be "epoch", "batch" or a positive integer. '
                     f"Received: update_freq={update_freq!r}")


def _profile_range(profile_batch):
    """Keras's accepted forms: an int, a (start, stop) pair, or a "start,stop" string."""
    message = ("profile_batch must be a non-negative integer or 2-tuple of positive integers. A pair of positive "
               f"integers signifies a range of batches to profile. Found: {profile_batch}")
    try:
        if isinstance(profile_batch, str):
            parts = [int(p) for p in profile_batch.split(",")]
            profile_batch = parts[0] if len(parts) == 1 else parts
        if isinstance(profile_batch, int) and not isinstance(profile_batch, bool):
            start = stop = profile_batch
        elif isinstance(profile_batch, (tuple, list)) and len(profile_batch) == 2:
            start, stop = (int(b) for b in profile_batch)
        else:
            raise ValueError(message)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if start < 0 or stop < start:
        raise ValueError(message)
    return start, stop


class TensorBoard(Callback):
    """Writes logs for TensorBoard: ``tensorboard --logdir=<log_dir>`` shows them.

    Needs tensorboardX (``pip install "densekit[tensorboard]"``); the ImportError comes when the
    callback is made. Event files appear only once something is written to them. In data-parallel
    training only process 0 writes them (as CSVLogger; the logs are global)."""

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        _require_tensorboardx()
        self.log_dir = os.fspath(log_dir) if isinstance(log_dir, os.PathLike) else str(log_dir)
        if not isinstance(histogram_freq, int) or isinstance(histogram_freq, bool) or histogram_freq < 0:
            raise ValueError("`histogram_freq` must be a non-negative integer. "
                             f"Received: histogram_freq={histogram_freq!r}")
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        if write_images:
            try:
                import PIL  # noqa: F401  (tensorboardX encodes images as PNG with Pillow)
            except ImportError as e:
                raise ImportError("TensorBoard(write_images=True) needs Pillow to encode the weight images. "
                                  "Install it with: pip install pillow") from e
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = _update_freq(update_freq)
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        if _profile_range(profile_batch) != (0, 0):
            warnings.warn(f"TensorBoard(profile_batch={profile_batch!r}) is ignored: densekit trains in its own C++ "
                          "loop, which the TensorFlow and JAX profilers cannot trace. No profile is written.",
                          UserWarning, stacklevel=2)
        if embeddings_freq:
            warnings.warn(f"TensorBoard(embeddings_freq={embeddings_freq!r}) is ignored: densekit writes no "
                          "projector data. No embeddings are written.", UserWarning, stacklevel=2)
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._writers = {}
        self._in_fit = False
        self._global_train_batch = 0
        self._batch_start_time = 0.0
        self._epoch_start_time = 0.0
        self._epoch_start_iterations = 0

    # --- which hooks the C++ loop must call ------------------------------------------------
    def _implements(self, hook):
        # With update_freq="epoch" nothing happens per batch: the loop then never calls into
        # Python between batches, and training runs at full speed.
        if hook in ("on_train_batch_begin", "on_train_batch_end"):
            if getattr(type(self), hook) is not getattr(TensorBoard, hook) or hook in self.__dict__:
                return True  # a subclass does more there
            if self.update_freq == "epoch":
                return False
            return hook == "on_train_batch_end" or self.write_steps_per_second
        return super()._implements(hook)

    # --- writers -----------------------------------------------------------------------------
    def _writer(self, which):
        """The event file of ``log_dir/train`` or ``log_dir/validation``, opened on first use."""
        writer = self._writers.get(which)
        if writer is None:
            writer = EventFile(self._train_dir if which == "train" else self._val_dir)
            self._writers[which] = writer
        return writer

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}  # a later fit or evaluate opens new files beside these

    # --- fit ---------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._check_embeddings_metadata()
        self._in_fit = True
        self._global_train_batch = 0
        if self.write_graph and distribution.writes_files():
            self._write_keras_model_summary()

    def _check_embeddings_metadata(self):
        # Keras refuses metadata for layers that are not the model's Embedding layers (its
        # _configure_embeddings, when the model is set).
        metadata = self.embeddings_metadata
        if not self.embeddings_freq or not metadata or isinstance(metadata, str):
            return
        names = {layer.name for layer in self.model.layers if type(layer).__name__ == "Embedding"}
        unknown = {name: path for name, path in dict(metadata).items() if name not in names}
        if unknown:
            raise ValueError("Unrecognized `Embedding` layer names passed to `keras.callbacks.TensorBoard` "
                             f"`embeddings_metadata` argument: {unknown.keys()}")

    def on_train_end(self, logs=None):
        self._in_fit = False
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start_iterations = self._iterations()
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch, logs=None):
        if not distribution.writes_files():  # data-parallel training: process 0 writes the events
            return
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        for writer in self._writers.values():  # so a running TensorBoard shows the epochs as they end
            writer.flush_if_due()

    def on_train_batch_begin(self, batch, logs=None):
        self._batch_start_time = time.time()

    def on_train_batch_end(self, batch, logs=None):
        self._global_train_batch += 1
        step = self._global_train_batch
        if self.update_freq == "epoch" or step % self.update_freq or not distribution.writes_files():
            return
        writer = self._writer("train")
        if self.write_steps_per_second:
            elapsed = time.time() - self._batch_start_time
            if elapsed > 0:
                writer.scalar("batch_steps_per_second", 1.0 / elapsed, step)
        if isinstance(logs, dict):
            for name, value in logs.items():
                writer.scalar(f"batch_{name}", value, step)

    # --- evaluate, and validation inside fit -------------------------------------------------
    def on_test_end(self, logs=None):
        iterations = self._iterations()
        if iterations is not None and logs and distribution.writes_files():
            writer = self._writer("val")
            for name, value in logs.items():
                writer.scalar(f"evaluation_{name}_vs_iterations", value, iterations)
        if not self._in_fit:
            self._close_writers()  # evaluate() alone: nothing else will close them

    # --- what gets written -------------------------------------------------------------------
    def _optimizer(self):
        optimizer = getattr(self.model, "optimizer", None)
        return getattr(optimizer, "inner_optimizer", optimizer)

    def _iterations(self):
        optimizer = self._optimizer()
        iterations = getattr(optimizer, "iterations", None)
        return None if iterations is None else int(iterations)

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[len("val_"):]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = self._optimizer()
        if optimizer is not None and hasattr(optimizer, "learning_rate"):
            train_logs["learning_rate"] = float(optimizer.learning_rate)
        if self.write_steps_per_second:
            elapsed = time.time() - self._epoch_start_time
            steps = self._iterations() - self._epoch_start_iterations
            train_logs["steps_per_second"] = steps / elapsed if elapsed > 0 else 0.0
        if train_logs:
            writer = self._writer("train")
            for name, value in train_logs.items():
                writer.scalar(f"epoch_{name}", value, epoch)
        if val_logs:
            writer = self._writer("val")
            for name, value in val_logs.items():
                writer.scalar(f"epoch_{name}", value, epoch)

    def _log_weights(self, epoch):
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                tag = weight.path.replace(":", "_")
                values = np.asarray(weight)
                if not values.size:
                    continue
                if not np.isfinite(values).all():
                    # no meaningful buckets; training goes on (TerminateOnNaN is the callback that stops it)
                    warnings.warn(f"TensorBoard: {weight.path} holds NaN or Inf at epoch {epoch}; its histogram "
                                  "and image are not written.", RuntimeWarning, stacklevel=2)
                    continue
                writer.histogram(f"{tag}/histogram", values, epoch)
                if self.write_images:
                    self._log_weight_as_image(writer, values, f"{tag}/image", epoch)

    @staticmethod
    def _log_weight_as_image(writer, values, tag, epoch):
        """Keras's picture of a weight: a bias as a column, a kernel as a wide image (the longer
        side across), gray levels of the values clipped to [0, 1]."""
        image = values.squeeze()
        if image.ndim == 1:
            image = image.reshape(-1, 1)
        elif image.ndim == 2:
            if image.shape[0] > image.shape[1]:
                image = image.T
        else:
            return  # Keras draws only vectors and matrices of a dense network
        writer.gray_image(tag, image, epoch)

    def _write_keras_model_summary(self):
        """The model's Keras JSON under tag "keras", which TensorBoard's graph dashboard draws as
        a conceptual graph (keras_model_summary in Keras's tensorboard.py)."""
        if type(self.model).__name__ not in ("Functional", "Sequential"):
            return  # as in Keras: a subclassed model has no graph of layers to show
        try:
            json_string = self.model.to_json()
        except Exception as exc:  # a model that cannot serialize still trains, as in Keras
            warnings.warn(f"Model failed to serialize as JSON. Ignoring... {exc}")
            return
        from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
        from tensorboardX.proto.tensor_pb2 import TensorProto
        from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto

        metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="graph_keras_model",
                                                                          content=b"1"))
        tensor = TensorProto(dtype="DT_STRING", tensor_shape=TensorShapeProto(),
                             string_val=[json_string.encode("utf-8")])
        summary = Summary(value=[Summary.Value(tag="keras", metadata=metadata, tensor=tensor)])
        self._writer("train").write(summary, 0)
