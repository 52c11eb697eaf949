"""One run directory's event file for the TensorBoard callback, written with tensorboardX's record
writer and summary protos, synchronously.

Why not tensorboardX's SummaryWriter: it hands every event to a writer thread through a bounded
multiprocessing queue (about 0.2 ms per value here, waiting on the thread), and its flush fsyncs
(about 4 ms). Here an event is serialized and appended in the caller (tens of microseconds), and
the file is fsynced at most once a second, so logging every batch or every tiny epoch stays cheap."""

import itertools
import os
import time

import numpy as np

# Event files are named by the second they are opened: a counter (with the pid) keeps two files
# opened in the same second in one directory (fit, then evaluate) from truncating each other.
_file_ids = itertools.count()

# tf.summary.histogram's default: 30 equal-width buckets between the smallest and largest value.
HISTOGRAM_BUCKETS = 30

# Epoch ends flush (fsync) the file when this many seconds have passed since the last flush: a
# running TensorBoard sees each epoch about as soon as it ends, at a bounded cost.
FLUSH_SECONDS = 1.0


def _tensorboardx():
    from tensorboardX import summary
    from tensorboardX.event_file_writer import EventsWriter
    from tensorboardX.proto import event_pb2, summary_pb2

    return summary, EventsWriter, event_pb2, summary_pb2


class EventFile:
    """``events.out.tfevents.<time>.<host>.<pid>.<n>.v2`` in ``directory`` (made if missing)."""

    def __init__(self, directory):
        self._summary, events_writer, self._event_pb2, self._summary_pb2 = _tensorboardx()
        os.makedirs(directory, exist_ok=True)
        self._events = events_writer(os.path.join(directory, "events"), f".{os.getpid()}.{next(_file_ids)}.v2")
        self._last_flush = time.monotonic()

    def write(self, summary, step):
        self._events.write_event(self._event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary))

    def scalar(self, tag, value, step):
        if np.ndim(value) != 0:  # (Keras's tf.summary.scalar refuses it too)
            raise ValueError(f"TensorBoard logs scalars, but '{tag}' holds {np.size(value)} values, such as a metric "
                             "that returns one per class (F1Score or FBetaScore with average=None). Give the metric an "
                             "`average`, or leave it out of the run TensorBoard logs.")
        # The proto tensorboardX's summary.scalar makes, made here: it logs "NaN or Inf found in
        # input tensor." for a diverging loss, which Keras's TensorBoard does not print.
        proto = self._summary_pb2.Summary
        self.write(proto(value=[proto.Value(tag=tag, simple_value=float(value))]), step)

    def histogram(self, tag, values, step):
        self.write(self._summary.histogram(tag, values, bins=HISTOGRAM_BUCKETS), step)

    def gray_image(self, tag, values, step):
        """A 2-D array as a gray image, values clipped to [0, 1] as tf.summary.image clips floats."""
        pixels = np.clip(np.asarray(values, dtype=np.float32), 0.0, 1.0)[:, :, None]
        self.write(self._summary.image(tag, pixels, dataformats="HWC"), step)

    def flush_if_due(self):
        if time.monotonic() - self._last_flush >= FLUSH_SECONDS:
            self.flush()

    def flush(self):
        self._events.flush()
        self._last_flush = time.monotonic()

    def close(self):
        self._events.close()
