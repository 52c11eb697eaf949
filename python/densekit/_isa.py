"""Picks the build of the C++ core for this CPU: the extension is compiled once per instruction
set (baseline x86-64, x86-64-v3 with AVX2, x86-64-v4 with AVX-512) and a baseline-compiled
detector says which ones the CPU runs. DENSEKIT_ISA=x86_64 | x86_64_v3 | x86_64_v4 forces one."""

import importlib
import os
import sys

from densekit import _cpu

BUILT = [tag for tag in _cpu.variants.split(",") if tag]  # worst to best


def candidates():
    forced = os.environ.get("DENSEKIT_ISA", "").strip().replace("-", "_")
    if forced:
        if forced not in BUILT:
            raise ImportError(f"DENSEKIT_ISA={forced!r} is not a variant of this build of densekit; built: {BUILT}.")
        if not _cpu.supports(forced):
            raise ImportError(f"DENSEKIT_ISA={forced!r}: this CPU cannot run that instruction set.")
        return [forced]
    return [tag for tag in reversed(BUILT) if _cpu.supports(tag)]


def load_core():
    """Imports the best variant the CPU runs, falling back to the next one if an import fails."""
    errors = []
    for tag in candidates():
        try:
            module = importlib.import_module(f"densekit._core_{tag}")
        except ImportError as error:
            errors.append(f"{tag}: {error}")
            continue
        module.ISA = tag
        sys.modules["densekit._core"] = module
        # the tests' entry points (cpp/bindings/testing.cpp): `from densekit._core import _testing`
        # works through the attribute; this makes `import densekit._core._testing` work too
        sys.modules["densekit._core._testing"] = module._testing
        return module
    raise ImportError("densekit could not load its C++ core for this CPU: " + "; ".join(errors or ["no variant runs here"]))
