"""Helpers that build and locate the small dataset files the tests use."""

import hashlib
import io
import os


class Response(io.BytesIO):
    """What `urlopen` returns: a readable stream with headers; `fail_after` bytes in, the
    connection drops (or `interrupt` raises KeyboardInterrupt, as Ctrl-C would). `length` is
    the Content-Length announced: the true one, None for none, or a number."""

    def __init__(self, data, fail_after=None, interrupt=False, length=True):
        super().__init__(data)
        if length is True:
            length = len(data)
        self.headers = {} if length is None else {"Content-Length": str(length)}
        self.fail_after, self.interrupt = fail_after, interrupt

    def read(self, size=-1):
        if self.fail_after is not None and self.tell() >= self.fail_after:
            if self.interrupt:
                raise KeyboardInterrupt
            raise ConnectionResetError(104, "Connection reset by peer")
        return super().read(min(size, 1000) if size and size > 0 else size)


def sha256(path_or_bytes):
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else open(path_or_bytes, "rb").read()
    return hashlib.sha256(data).hexdigest()


def md5(path_or_bytes):
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else open(path_or_bytes, "rb").read()
    return hashlib.md5(data).hexdigest()


def cached(keras_home, *parts):
    """The path of a file in the cache's ``datasets`` folder, its folders created."""
    path = os.path.join(str(keras_home), "datasets", *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path
