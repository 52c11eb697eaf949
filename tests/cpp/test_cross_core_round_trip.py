"""The cross-core round trip the benchmarks print beside their figures (benchmarks/compare.py,
benchmarks/step_profile.py): two threads passing a flag, in densekit's testing module."""
import math
import os
import shutil
import subprocess
import sys

import pytest

from densekit._core import _testing

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks"))
import compare_machine  # noqa: E402


def allowed_cpus():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def test_one_allowed_cpu_gives_no_figure():
    """Under taskset with one CPU the two threads would take turns: no figure (NaN), at once."""
    code = "from densekit._core import _testing; import math; print(math.isnan(_testing.cross_core_round_trip_ns()))"
    if not hasattr(os, "sched_getaffinity") or not shutil.which("taskset"):
        pytest.skip("needs taskset")
    cpu = min(os.sched_getaffinity(0))
    out = subprocess.run(["taskset", "-c", str(cpu), sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.strip() == "True", out.stderr[-2000:]


def test_a_round_trip_takes_a_measurable_time():
    ns = _testing.cross_core_round_trip_ns(trips=2000, repeats=3)
    if allowed_cpus() < 2:
        assert math.isnan(ns)
    else:
        # more than a core's own cache access, far less than a scheduler's time slice per trip
        assert 5.0 < ns < 1e6


@pytest.mark.parametrize("trips,repeats", [(0, 1), (1, 0), (-5, 3), (10 ** 10, 1), (1, 10 ** 4), (2 ** 62, 2 ** 62)])
def test_counts_must_be_in_range(trips, repeats):
    with pytest.raises(ValueError, match="must be in"):
        _testing.cross_core_round_trip_ns(trips=trips, repeats=repeats)


def test_compare_reports_each_runner_before_and_after():
    line = compare_machine.render_round_trips({"densekit": [(61.6, 64.2), (None, 330.0)], "PyTorch": [(70.0, 71.0)]})
    assert line.endswith("densekit 62/64, -/330; PyTorch 70/71")
    assert compare_machine.cross_core_round_trip_ns(None) is None
    if allowed_cpus() >= 2:
        assert compare_machine.cross_core_round_trip_ns(sys.executable) > 0
