"""Reading a densekit model file's header in tests (docs/format.md: an 8-byte little-endian
length, then that many bytes of JSON)."""

import json


def format_version(path):
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        return json.loads(f.read(n))["__metadata__"]["format_version"]
