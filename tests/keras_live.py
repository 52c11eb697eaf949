"""Runs a script under real Keras 3 (this interpreter's, or DENSEKIT_KERAS_PYTHON's), for the
tests that check Keras reads densekit's files and densekit reads Keras's; skips without it."""

import importlib.util
import json
import os
import subprocess
import sys

import pytest


def run_keras(script, *args):
    """The JSON value the script prints on its last line."""
    python = sys.executable if importlib.util.find_spec("keras") else os.environ.get("DENSEKIT_KERAS_PYTHON")
    if not python:
        pytest.skip("needs Keras 3: set DENSEKIT_KERAS_PYTHON to a Python with keras installed")
    prelude = "import os\nos.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')\n"
    run = subprocess.run([python, "-c", prelude + script, *map(str, args)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])
