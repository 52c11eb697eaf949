"""The machine a compare.py run describes: the CPU model and its caches (the peak depends on
them), and which densekit sources were measured.

Standard library only, like compare.py."""

import os
import subprocess


def lscpu():
    """lscpu's fields ({"Model name": ..., "L2 cache": ...}), {} where lscpu is missing."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10,
                             env=dict(os.environ, LC_ALL="C")).stdout
    except (OSError, subprocess.TimeoutExpired):
        return {}
    fields = {}
    for line in out.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip() not in fields:
            fields[name.strip()] = value.strip()
    return fields


def cpu_model(fields=None):
    """The CPU model: lscpu's "Model name", else /proc/cpuinfo's "model name", else platform's guess."""
    fields = lscpu() if fields is None else fields
    if fields.get("Model name"):
        return fields["Model name"]
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform
    return platform.processor() or platform.machine()


def cpu_caches(fields):
    """lscpu's cache sizes ("L2 cache": "4 MiB (2 instances)", ...): the peak depends on them."""
    return {name: fields[name] for name in ("L1d cache", "L2 cache", "L3 cache") if fields.get(name)}


def git_describe(path):
    """Which densekit sources: the checkout's commit (+ "-dirty" with local changes), "?" outside one."""
    try:
        return subprocess.run(["git", "-C", path, "describe", "--always", "--dirty"], capture_output=True,
                              text=True, timeout=10).stdout.strip() or "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"
