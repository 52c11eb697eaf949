"""Every test here runs against a fresh, empty Keras cache and without a network: `urlopen`
fails as it does offline unless a test serves a URL itself with the `serve` fixture."""

import urllib.error
import urllib.request

import pytest
from dataset_files import Response


@pytest.fixture(autouse=True)
def keras_home(tmp_path, monkeypatch):
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # the real ~/.keras stays untouched either way
    return home


@pytest.fixture(autouse=True)
def offline_requests(monkeypatch):
    """The URLs asked for while offline (each one failed)."""
    requests = []

    def offline(url, *args, **kwargs):
        requests.append(url)
        raise urllib.error.URLError(OSError(-2, "Name or service not known"))

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    return requests


@pytest.fixture
def serve(monkeypatch):
    """``serve[url] = bytes`` (or a `Response` factory) makes `urlopen(url)` return those bytes;
    ``serve.requests`` lists the URLs asked for."""

    class Server(dict):
        requests = []

    server = Server()

    def urlopen(url, *args, **kwargs):
        server.requests.append(url)
        if url not in server:
            raise urllib.error.URLError(OSError(-2, "Name or service not known"))
        content = server[url]
        return content() if callable(content) else Response(content)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return server
