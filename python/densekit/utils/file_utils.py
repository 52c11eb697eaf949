"""``get_file``: download a file once into Keras's cache and hand back its path
(keras/src/utils/file_utils.py). The cache is Keras's own (``$KERAS_HOME`` or ``~/.keras``),
so a file Keras already downloaded is reused and the other way round.

Unlike Keras, a download goes to a temporary name next to its target and is renamed into
place only after its hash checked out, and an archive is extracted the same way: an
interrupted download or extraction never leaves a half file where the real one belongs."""

import hashlib
import os
import secrets
import shutil
import tempfile
import urllib.parse
import warnings

from densekit.utils import io_utils
from densekit.utils.progbar import Progbar

_CHUNK_SIZE = 1 << 16
_HASH_ALGORITHMS = ("auto", "sha256", "md5")


def keras_home():
    """Keras's base directory: ``$KERAS_HOME`` if set, else ``~/.keras`` (keras/src/backend/config.py).
    Read on every call rather than once at import, so setting the variable later takes effect."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    return os.path.join(os.path.expanduser("~"), ".keras")


def _writable_base(cache_dir):
    """``cache_dir``, created if needed; Keras falls back to a ``.keras`` folder in the temporary
    directory when it cannot write there."""
    base = os.path.expanduser(cache_dir)
    try:
        os.makedirs(base, exist_ok=True)
    except OSError:
        pass
    if os.access(base, os.W_OK):
        return base
    return os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")


def _hasher(algorithm, file_hash):
    if algorithm == "sha256" or (algorithm == "auto" and len(file_hash) == 64):
        return hashlib.sha256(), "sha256"
    return hashlib.md5(), "md5"


def hash_file(fpath, algorithm="sha256"):
    """The hex digest of a file, ``"sha256"`` or ``"md5"``."""
    hasher = hashlib.sha256() if algorithm in ("sha256", "auto") else hashlib.md5()
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK_SIZE), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto"):
    """Whether the file's sha256 (a 64-digit hash, or ``algorithm="sha256"``) or md5 is ``file_hash``."""
    hasher, _ = _hasher(algorithm, file_hash)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK_SIZE), b""):
            hasher.update(chunk)
    return hasher.hexdigest() == str(file_hash).lower()


def _target_paths(datadir, fname, named, extract):
    """(file to download, directory to extract into or None), named as Keras names them."""
    if not extract:
        return os.path.join(datadir, fname), None
    if named and "." in fname:
        stem = fname[: fname.find(".")]
        return os.path.join(datadir, fname), os.path.join(datadir, f"{stem}_extracted")
    return os.path.join(datadir, f"{fname}_archive"), os.path.join(datadir, fname)


def _partial_name(path):
    """A fresh name beside ``path`` for a file or folder still being written. Made with ``open``
    and ``mkdir`` rather than ``tempfile`` so the result gets the usual permissions (umask), not 0600."""
    return f"{path}.{os.getpid()}-{secrets.token_hex(4)}.part"


class _WriteFailed(Exception):
    """Writing the download failed (a full disk, say): not to be reported as a network failure."""


def _offline_advice(origin, target):
    return (f"To use this file without a network connection, download {origin} on a machine that has one "
            f"and copy it to {target}")


def _download(origin, target, file_hash, hash_algorithm, stale):
    """Streams ``origin`` into a temporary file beside ``target``, checks its hash, then renames it."""
    # Imported here: urllib.request (with http.client and ssl) would add ~40 ms to `import densekit`.
    import urllib.error
    import urllib.request

    io_utils.print_msg(f"Downloading data from {origin}")
    partial = _partial_name(target)
    try:
        with open(partial, "xb") as out:
            try:
                with urllib.request.urlopen(origin) as response:
                    length = str(response.headers.get("Content-Length") or "")
                    progbar = Progbar(int(length) if length.isdigit() and int(length) > 0 else None)
                    received = 0
                    for chunk in iter(lambda: response.read(_CHUNK_SIZE), b""):
                        try:
                            out.write(chunk)
                        except OSError as error:
                            raise _WriteFailed(error) from error
                        received += len(chunk)
                        progbar.update(received)
                    if progbar.target is None:
                        progbar.update(received, finalize=True)
                    elif received < progbar.target:
                        raise ConnectionError(f"the connection closed after {received} of {progbar.target} bytes")
            except urllib.error.HTTPError as error:
                raise OSError(f"URL fetch failure on {origin}: {error.code} -- {error.reason}. "
                              f"{_offline_advice(origin, target)}.") from error
            except (urllib.error.URLError, OSError) as error:
                reason = getattr(error, "reason", error)
                cached = (f"The copy at {target} does not match the expected hash {file_hash}." if stale
                          else f"No copy of the file is cached at {target}.")
                raise OSError(f"URL fetch failure on {origin}: {reason}. {cached} "
                              f"{_offline_advice(origin, target)}.") from error
            except _WriteFailed as failure:
                raise OSError(f"Could not save the download of {origin} in {os.path.dirname(target)}: "
                              f"{failure.__cause__}") from failure.__cause__
        if file_hash is not None and not validate_file(partial, file_hash, hash_algorithm):
            _, name = _hasher(hash_algorithm, file_hash)
            raise ValueError(f"Incomplete or corrupted file detected: the {name} hash of the file downloaded from "
                             f"{origin} is {hash_file(partial, name)}, not the expected {file_hash}. The file "
                             "was not kept.")
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def _inside(base, name):
    path = os.path.realpath(os.path.join(base, name))
    return os.path.commonpath([path, base]) == base


def _safe_members(archive, base):
    """The entries that stay inside ``base`` (no absolute paths, ``..`` or links pointing out)."""
    import tarfile
    import zipfile

    base = os.path.realpath(base)
    if isinstance(archive, zipfile.ZipFile):
        entries = [(info, info.filename) for info in archive.infolist()]
    else:
        entries = [(info, info.name) for info in archive.getmembers()]
    for info, name in entries:
        ok = _inside(base, name)
        if ok and isinstance(info, tarfile.TarInfo):
            if info.islnk():
                ok = _inside(base, info.linkname)
            elif info.issym():
                ok = _inside(base, os.path.join(os.path.dirname(name), info.linkname))
            elif not (info.isfile() or info.isdir()):
                ok = False  # devices and fifos have no place in a dataset
        if ok:
            yield info
        else:
            warnings.warn(f"Skipping invalid path during archive extraction: '{name}'.", stacklevel=3)


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extracts a tar (also .tar.gz, .tar.bz2) or zip archive into ``path``; ``False`` if the file is
    neither. Entries that would land outside ``path`` are skipped with a warning."""
    import tarfile
    import zipfile

    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format))
    for kind in formats:
        if kind not in ("tar", "zip"):
            raise ValueError(f'`archive_format` must be "auto", "tar", "zip" or None. Received: {kind!r}')
        is_kind, opener = (tarfile.is_tarfile, tarfile.open) if kind == "tar" else (zipfile.is_zipfile, zipfile.ZipFile)
        if not is_kind(file_path):
            continue
        os.makedirs(path, exist_ok=True)
        with opener(file_path) as archive:
            members = list(_safe_members(archive, path))
            if kind == "tar" and hasattr(tarfile, "data_filter"):  # Python 3.10.12+, 3.11.4+
                archive.extractall(path, members=members, filter="data")
            else:
                archive.extractall(path, members=members)
        return True
    return False


def _extract_into_place(archive, extraction_dir, archive_format):
    """Extracts into a temporary folder beside ``extraction_dir`` and renames it when complete."""
    partial = _partial_name(extraction_dir)
    os.mkdir(partial)
    try:
        if not extract_archive(archive, partial, archive_format):
            warnings.warn("Could not extract archive.", stacklevel=3)
            return
        if os.path.isdir(extraction_dir):
            shutil.rmtree(extraction_dir)
        os.replace(partial, extraction_dir)
    finally:
        if os.path.isdir(partial):
            shutil.rmtree(partial)


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None, force_download=False):
    """Downloads ``origin`` to ``<cache_dir>/<cache_subdir>/<fname>`` unless it is already there (and,
    given ``file_hash``, its sha256 or md5 matches), and returns the local path. ``cache_dir``
    defaults to ``$KERAS_HOME`` or ``~/.keras``, ``cache_subdir`` to ``"datasets"`` (an absolute
    ``cache_subdir`` is used as is), ``fname`` to the last part of the URL. With ``extract=True``
    a tar or zip archive is unpacked and the returned path is the folder it was unpacked into."""
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if hash_algorithm not in _HASH_ALGORITHMS:
        raise ValueError(f'`hash_algorithm` must be one of "auto", "sha256" or "md5". Received: {hash_algorithm!r}')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    datadir = os.path.join(_writable_base(keras_home() if cache_dir is None else cache_dir), cache_subdir)
    os.makedirs(datadir, exist_ok=True)

    named = bool(fname)
    fname = os.fspath(fname) if fname else os.path.basename(urllib.parse.urlsplit(origin).path)
    if not named and (not fname or fname in (os.curdir, os.pardir) or os.path.splitdrive(fname)[0]):
        raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'. "
                         "Please specify the `fname` argument.")
    if named and (os.sep in fname or (os.altsep and os.altsep in fname)):
        raise ValueError("Paths are no longer accepted as the `fname` argument. To specify the file's parent "
                         f"directory, use the `cache_dir` argument. Received: fname={fname}")
    if fname in (os.curdir, os.pardir):
        raise ValueError(f"`fname` must name a file. Received: fname={fname}")

    extract = extract or untar
    target, extraction_dir = _target_paths(datadir, fname, named, extract)
    download = force_download or not os.path.exists(target)
    stale = False
    if not download and file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
        _, name = _hasher(hash_algorithm, file_hash)
        io_utils.print_msg(f"A local file was found, but it seems to be incomplete or outdated because the {name} file "
                           f"hash does not match the original value of {file_hash} so we will re-download the data.")
        download = stale = True
    if download:
        _download(origin, target, file_hash, hash_algorithm, stale)

    if extract:
        # Keras re-extracts on every call; once a complete extraction is in place, reusing it
        # is the same result without unpacking (for CIFAR-10) 170 MB each time.
        if download or not os.path.isdir(extraction_dir):
            _extract_into_place(target, extraction_dir, "tar" if untar else archive_format)
        return extraction_dir
    return target
