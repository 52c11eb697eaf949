"""The cross-core round trip the benchmarks print beside their figures (benchmarks/compare.py,
benchmarks/step_profile.py): two threads passing a flag, in densekit's testing module."""
import math
import os
import sys

import pytest

from densekit._core import _testing

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks"))
import compare_machine  # noqa: E402


def test_a_round_trip_takes_a_measurable_time():
    ns = _testing.cross_core_round_trip_ns(trips=2000, repeats=3)
    if (os.cpu_count() or 1) < 2:
        assert math.isnan(ns)
    else:
        # more than a core's own cache access, far less than a scheduler's time slice per trip
        assert 5.0 < ns < 1e6


@pytest.mark.parametrize("trips,repeats", [(0, 1), (1, 0), (-5, 3)])
def test_counts_must_be_positive(trips, repeats):
    with pytest.raises(ValueError, match="must be positive"):
        _testing.cross_core_round_trip_ns(trips=trips, repeats=repeats)


def test_compare_reports_each_runner_before_and_after():
    line = compare_machine.render_round_trips({"densekit": [(61.6, 64.2), (None, 330.0)], "PyTorch": [(70.0, 71.0)]})
    assert line.endswith("densekit 62/64, -/330; PyTorch 70/71")
    assert compare_machine.cross_core_round_trip_ns(None) is None
    if (os.cpu_count() or 1) >= 2:
        assert compare_machine.cross_core_round_trip_ns(sys.executable) > 0
