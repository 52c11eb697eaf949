"""densekit.utils.get_file: Keras's cache layout and hash checks, downloads that never leave a
partial file in place of the real one, extraction, and the error that says what to do offline."""

import io
import os
import tarfile
import zipfile

import pytest
from dataset_files import Response, cached, md5, sha256

import densekit as keras
from densekit.utils import file_utils

URL = "https://example.com/files/data.bin"
CONTENT = bytes(range(256)) * 10  # 2,560 bytes: three chunks of the fake server's 1,000


def leftovers(folder):
    """Temporary files or folders a download or extraction left behind."""
    return [name for name in os.listdir(folder) if ".part" in name]


def test_a_cached_file_is_returned_without_a_request(keras_home, offline_requests):
    path = cached(keras_home, "data.bin")
    open(path, "wb").write(CONTENT)
    assert keras.utils.get_file("data.bin", URL) == path
    assert keras.utils.get_file("data.bin", URL, file_hash=sha256(CONTENT)) == path
    assert keras.utils.get_file("data.bin", URL, file_hash=md5(CONTENT)) == path
    assert offline_requests == []


def test_the_cache_is_keras_home_then_home_dot_keras(tmp_path, monkeypatch, serve):
    serve[URL] = CONTENT
    assert keras.utils.get_file(origin=URL) == str(tmp_path / "keras_home" / "datasets" / "data.bin")
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    expected = tmp_path / "user" / ".keras" / "datasets" / "data.bin"
    assert keras.utils.get_file(origin=URL) == str(expected)
    assert expected.read_bytes() == CONTENT


def test_cache_dir_and_cache_subdir(tmp_path, serve):
    serve[URL] = CONTENT
    assert keras.utils.get_file("x.bin", URL, cache_dir=str(tmp_path / "c"), cache_subdir="sub") == \
        str(tmp_path / "c" / "sub" / "x.bin")
    absolute = tmp_path / "absolute"
    assert keras.utils.get_file("x.bin", URL, cache_subdir=str(absolute)) == str(absolute / "x.bin")
    assert (absolute / "x.bin").read_bytes() == CONTENT


def test_a_download_is_written_whole_with_a_progress_bar(keras_home, serve, capsys):
    serve[URL] = CONTENT
    path = keras.utils.get_file(origin=URL, file_hash=sha256(CONTENT))
    out = capsys.readouterr().out
    assert out.startswith(f"Downloading data from {URL}\n")
    assert out.count("2560/2560") == 1 and "━" * 20 in out and out.endswith("\n")
    assert open(path, "rb").read() == CONTENT
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask  # as a plain download; not a temp file's 0600
    assert serve.requests == [URL]
    assert leftovers(os.path.dirname(path)) == []


def test_a_download_of_unknown_length_still_completes(serve, capsys):
    serve[URL] = lambda: Response(CONTENT, length=None)
    path = keras.utils.get_file(origin=URL)
    assert open(path, "rb").read() == CONTENT
    assert "2560/Unknown" in capsys.readouterr().out


def test_a_wrong_hash_raises_and_keeps_nothing(keras_home, serve):
    serve[URL] = CONTENT
    wrong = "0" * 64
    with pytest.raises(ValueError) as error:
        keras.utils.get_file(origin=URL, file_hash=wrong)
    message = str(error.value)
    assert "sha256" in message and wrong in message and sha256(CONTENT) in message and "not kept" in message
    folder = os.path.join(keras_home, "datasets")
    assert os.listdir(folder) == []


def test_a_short_download_keeps_nothing(keras_home, serve):
    """The server closes the connection early without an error: fewer bytes than announced."""
    serve[URL] = lambda: Response(CONTENT[:1500], length=2560)
    with pytest.raises(OSError, match="the connection closed after 1500 of 2560 bytes"):
        keras.utils.get_file(origin=URL)
    assert os.listdir(os.path.join(keras_home, "datasets")) == []


def test_a_dropped_connection_keeps_nothing(keras_home, serve):
    serve[URL] = lambda: Response(CONTENT, fail_after=1000)
    with pytest.raises(OSError, match="Connection reset by peer"):
        keras.utils.get_file(origin=URL)
    assert os.listdir(os.path.join(keras_home, "datasets")) == []


def test_an_interrupted_download_keeps_the_previous_file(keras_home, serve):
    """Ctrl-C during a forced download: the old file is still there, whole, and no partial file."""
    path = cached(keras_home, "data.bin")
    open(path, "wb").write(b"old")
    serve[URL] = lambda: Response(CONTENT, fail_after=2000, interrupt=True)
    with pytest.raises(KeyboardInterrupt):
        keras.utils.get_file(origin=URL, force_download=True)
    assert open(path, "rb").read() == b"old"
    assert leftovers(os.path.dirname(path)) == []


def test_a_full_disk_is_not_reported_as_a_network_failure(keras_home, serve, monkeypatch):
    class FullDisk(io.BytesIO):
        def write(self, data):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(file_utils, "open", lambda path, mode: FullDisk(), raising=False)
    serve[URL] = CONTENT
    folder = os.path.join(str(keras_home), "datasets")
    with pytest.raises(OSError, match=f"Could not save the download of {URL} in {folder}: .*No space left on device"):
        keras.utils.get_file(origin=URL)


def test_a_cached_file_with_the_wrong_hash_is_downloaded_again(keras_home, serve, capsys):
    path = cached(keras_home, "data.bin")
    open(path, "wb").write(b"truncated")
    serve[URL] = CONTENT
    assert keras.utils.get_file(origin=URL, file_hash=sha256(CONTENT)) == path
    assert open(path, "rb").read() == CONTENT
    assert "A local file was found, but it seems to be incomplete or outdated because the sha256" in \
        capsys.readouterr().out


def test_force_download_replaces_a_cached_file(keras_home, serve):
    path = cached(keras_home, "data.bin")
    open(path, "wb").write(b"old")
    serve[URL] = CONTENT
    keras.utils.get_file(origin=URL, force_download=True)
    assert open(path, "rb").read() == CONTENT


def test_offline_without_a_cached_file_says_what_to_put_where(keras_home):
    with pytest.raises(OSError) as error:
        keras.utils.get_file("data.bin", URL)
    path = os.path.join(str(keras_home), "datasets", "data.bin")
    message = str(error.value)
    assert message.startswith(f"URL fetch failure on {URL}: [Errno -2] Name or service not known.")
    assert f"No copy of the file is cached at {path}." in message
    assert f"download {URL} on a machine that has one and copy it to {path}" in message
    assert os.listdir(os.path.dirname(path)) == []


def test_offline_with_an_outdated_cached_file_says_it_does_not_match(keras_home):
    path = cached(keras_home, "data.bin")
    open(path, "wb").write(b"old")
    with pytest.raises(OSError, match=f"The copy at {path} does not match the expected hash {'1' * 64}"):
        keras.utils.get_file("data.bin", URL, file_hash="1" * 64)


def test_an_http_error_names_its_status(monkeypatch):
    import urllib.error
    import urllib.request

    def not_found(url, *args, **kwargs):
        raise urllib.error.HTTPError(url, 404, "Not Found", {}, None)

    monkeypatch.setattr(urllib.request, "urlopen", not_found)
    with pytest.raises(OSError, match=f"URL fetch failure on {URL}: 404 -- Not Found"):
        keras.utils.get_file(origin=URL)


def test_hash_algorithms(keras_home):
    path = cached(keras_home, "data.bin")
    open(path, "wb").write(CONTENT)
    assert file_utils.validate_file(path, sha256(CONTENT))  # 64 digits: sha256
    assert file_utils.validate_file(path, md5(CONTENT))  # otherwise md5
    assert file_utils.validate_file(path, sha256(CONTENT).upper())
    assert not file_utils.validate_file(path, md5(CONTENT), algorithm="sha256")
    assert file_utils.hash_file(path) == sha256(CONTENT)
    assert file_utils.hash_file(path, "md5") == md5(CONTENT)
    # The deprecated md5_hash argument is an md5 file_hash.
    assert keras.utils.get_file("data.bin", URL, md5_hash=md5(CONTENT)) == path


@pytest.mark.parametrize("kwargs, message", [
    ({"fname": "a.bin"}, 'specify the "origin" argument'),
    ({"fname": "dir/a.bin", "origin": URL}, "Paths are no longer accepted as the `fname` argument"),
    ({"origin": "https://example.com/files/"}, "Can't parse the file name from the origin"),
    ({"origin": URL, "hash_algorithm": "sha1"}, '`hash_algorithm` must be one of "auto", "sha256" or "md5"'),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras.utils.get_file(**kwargs)


def tar_gz(files, links=()):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in links:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return buffer.getvalue()


def zip_bytes(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_extract_a_tar_gz_named_without_a_dot(keras_home, serve):
    archive = tar_gz({"inner/a.txt": b"alpha", "inner/b.txt": b"beta"})
    serve[URL] = archive
    folder = keras.utils.get_file("things", URL, extract=True, file_hash=sha256(archive))
    datasets = os.path.join(str(keras_home), "datasets")
    assert folder == os.path.join(datasets, "things")
    assert open(os.path.join(folder, "inner", "a.txt"), "rb").read() == b"alpha"
    assert open(os.path.join(datasets, "things_archive"), "rb").read() == archive
    assert sorted(os.listdir(datasets)) == ["things", "things_archive"]


def test_extract_a_zip_named_with_a_dot_and_a_tar_with_untar(keras_home, serve):
    serve[URL] = zip_bytes({"z.txt": b"zed"})
    folder = keras.utils.get_file("stuff.zip", URL, extract=True)
    datasets = os.path.join(str(keras_home), "datasets")
    assert folder == os.path.join(datasets, "stuff_extracted")
    assert open(os.path.join(folder, "z.txt"), "rb").read() == b"zed"
    assert os.path.isfile(os.path.join(datasets, "stuff.zip"))
    serve["https://example.com/t.tar.gz"] = tar_gz({"t.txt": b"tee"})
    folder = keras.utils.get_file("old", "https://example.com/t.tar.gz", untar=True)
    assert open(os.path.join(folder, "t.txt"), "rb").read() == b"tee"


def test_an_extracted_archive_is_reused_and_replaced_after_a_new_download(keras_home, serve, monkeypatch):
    serve[URL] = tar_gz({"v.txt": b"one"})
    folder = keras.utils.get_file("ver", URL, extract=True)
    calls, extract_archive = [], file_utils.extract_archive
    monkeypatch.setattr(file_utils, "extract_archive", lambda *a: calls.append(a) or True)
    assert keras.utils.get_file("ver", URL, extract=True) == folder
    assert calls == []  # complete extraction in place: not unpacked again
    monkeypatch.setattr(file_utils, "extract_archive", extract_archive)
    serve[URL] = tar_gz({"w.txt": b"two"})
    keras.utils.get_file("ver", URL, extract=True, force_download=True)
    assert os.listdir(folder) == ["w.txt"]
    assert leftovers(os.path.dirname(folder)) == []


def test_a_file_that_is_no_archive_warns(keras_home, serve):
    serve[URL] = CONTENT
    with pytest.warns(UserWarning, match="Could not extract archive"):
        folder = keras.utils.get_file("plain", URL, extract=True)
    assert not os.path.exists(folder)
    assert leftovers(os.path.dirname(folder)) == []


def test_entries_escaping_the_folder_are_skipped(tmp_path):
    archive = tmp_path / "evil.tar.gz"
    archive.write_bytes(tar_gz({"ok.txt": b"fine", "../escaped.txt": b"bad", "/abs.txt": b"bad"},
                               links=[("link", "../../outside")]))
    target = tmp_path / "out"
    with pytest.warns(UserWarning, match="Skipping invalid path during archive extraction") as record:
        assert file_utils.extract_archive(str(archive), str(target))
    assert sorted(str(w.message).split("'")[1] for w in record) == ["../escaped.txt", "/abs.txt", "link"]
    assert os.listdir(target) == ["ok.txt"]
    assert not (tmp_path / "escaped.txt").exists()
