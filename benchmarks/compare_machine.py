"""The machine a compare.py run describes: the CPU model and its caches (the peak depends on
them), and which densekit sources were measured.

Standard library only, like compare.py."""

import math
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


ROUND_TRIP = "from densekit._core import _testing; print(_testing.cross_core_round_trip_ns())"


def cross_core_round_trip_ns(python):
    """Nanoseconds for a flag to go between two threads and back, measured by densekit's core in
    `python` (None without it). On a virtual machine the hypervisor moves the vCPUs while a run
    goes on: close together (tens of ns) or far apart (hundreds), and every figure that hands data
    between the cores follows, so the run records it before and after each runner."""
    if python is None:
        return None
    try:
        out = subprocess.run([python, "-c", ROUND_TRIP], capture_output=True, text=True, timeout=60).stdout.strip()
        value = float(out.splitlines()[-1])
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError):
        return None
    return None if math.isnan(value) else value


def render_round_trips(round_trips):
    """One line: each library's runs as before/after round trips in ns."""
    def ns(v):
        return "-" if v is None else f"{v:.0f}"
    parts = [f"{lib} " + ", ".join(f"{ns(a)}/{ns(b)}" for a, b in pairs) for lib, pairs in round_trips.items()]
    return ("Cross-core round trip, ns (two threads passing a flag, before/after each runner; the vCPUs' "
            "placement): " + "; ".join(parts))
