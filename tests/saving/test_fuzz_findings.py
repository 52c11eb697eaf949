"""Inputs the fuzzers (cpp/fuzz, benchmarks/fuzz) found to crash the loader, kept in
tests/data/malformed/: each is loaded through the Python entry point in a child process, so a
crash fails the test instead of ending the run, and must be refused with a clear exception."""

import os
import subprocess
import sys
import textwrap

import pytest

MALFORMED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "malformed")

# file -> (how it is loaded, the exception, words the message must hold)
FINDINGS = {
    # A Sequential config whose InputLayer entry has no "config": read out of bounds (ASan).
    "config_input_layer_without_config.json": ("model_from_json", "ValueError", "config"),
    # A functional config holding a nested model whose layer entry has no "class_name": a
    # KeyError from the inlining of nested models (atheris, 2026-12-05).
    "config_nested_entry_without_class_name.json": ("model_from_json", "ValueError", "nested model"),
    # A single object's config under a reserved class name without the keys it holds: a
    # KeyError from deserialize_keras_object (atheris, 2026-12-05, before the entry point was
    # committed).
    "object_tensor_without_value.json": ("deserialize_keras_object", "ValueError", "malformed"),
}

LOADERS = {
    "model_from_json": "densekit.models.model_from_json(open(path).read())",
    "load_model": "densekit.models.load_model(path)",
    "deserialize_keras_object": "import json; densekit.saving.deserialize_keras_object(json.load(open(path)))",
}


def test_every_kept_finding_is_listed():
    assert sorted(os.listdir(MALFORMED)) == sorted(FINDINGS)


@pytest.mark.parametrize("name", sorted(FINDINGS))
def test_a_fuzzer_finding_is_refused_cleanly(name):
    loader, exception, words = FINDINGS[name]
    code = textwrap.dedent(f"""
        import sys, densekit
        path = sys.argv[1]
        try:
            {LOADERS[loader]}
            print("LOADED")
        except Exception as e:
            print(type(e).__name__ + ": " + str(e))
    """)
    child = subprocess.run([sys.executable, "-c", code, os.path.join(MALFORMED, name)], capture_output=True, text=True,
                           timeout=120)
    assert child.returncode == 0, f"the loader crashed (exit status {child.returncode}): {child.stderr[-2000:]}"
    assert child.stdout.startswith(exception + ": ") and words in child.stdout, child.stdout
