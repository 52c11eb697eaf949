"""The bad-input matrix: every public entry point × every kind of bad input (wrong rank, width or
dtype, NaN/inf, empty, one row, mismatched lengths, labels out of range or fractional, bad
hyperparameters, unknown names, wrong types, wrong dict keys, corrupt files) gives the documented
exception with a message naming the problem: never a crash, a hang or silently accepted garbage.

The cases (bad_input_data_cases.py, bad_input_api_cases.py) run in child processes
(bad_input_runner.py), a case at a time, so a crash is caught, named and counted; a child that
dies is replaced by a fresh one for the remaining cases.
"""

import collections
import importlib.util
import os
import signal
import textwrap
from pathlib import Path

import pytest

from bad_input_cases import CASES
from bad_input_runner import judge, run_cases
from bad_input_table import KINDS

HERE = Path(__file__).resolve().parent
WORKERS = 2


@pytest.fixture(scope="module")
def outcomes():
    results, stats = run_cases(HERE / "bad_input_cases.py", [c.id for c in CASES], workers=WORKERS)
    return results, stats


def _param(case):
    marks = [pytest.mark.xfail(strict=True, reason=f"finding: {case.finding}")] if case.finding else []
    if case.needs and importlib.util.find_spec(case.needs) is None:
        marks.append(pytest.mark.skip(reason=f"needs {case.needs}, an optional extra (pip install 'densekit[keras]')"))
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_case(case, outcomes):
    results, _ = outcomes
    problem = judge(case, results[case.id])
    assert problem is None, f"{case.id}: {problem}"


def test_the_matrix_is_large_and_covers_every_kind():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), [i for i, n in collections.Counter(ids).items() if n > 1]
    assert len(CASES) >= 200
    kinds = collections.Counter(c.kind for c in CASES)
    assert set(kinds) == set(KINDS), set(KINDS) - set(kinds)


def test_no_case_crashed_or_hung_except_known_findings(outcomes):
    results, stats = outcomes
    findings = {c.id for c in CASES if c.finding}
    died = {i: f"{a['outcome']}: {a['detail']}" for i, a in results.items() if a["outcome"] in ("crash", "hang")}
    assert not {i: d for i, d in died.items() if i not in findings}
    assert stats["children"] <= WORKERS + len(died)  # a child is replaced only after a crash or a hang


SELF_TEST = """
import os, signal, time
from bad_input_table import Case

def segfault(tmp):
    import ctypes
    ctypes.string_at(0)

CASES = [
    Case("self", "wrong_type", "raises", lambda tmp: int("x"), ValueError, "invalid literal"),
    Case("self", "wrong_type", "segfault", segfault, ValueError, "x"),
    Case("self", "wrong_type", "after_segfault", lambda tmp: None),
    Case("self", "wrong_type", "abort", lambda tmp: os.abort(), ValueError, "x"),
    Case("self", "wrong_type", "hang", lambda tmp: time.sleep(60), ValueError, "x"),
    Case("self", "wrong_type", "after_hang", lambda tmp: [][0], IndexError, "out of range"),
    Case("self", "wrong_type", "wrong_type", lambda tmp: {}["k"], ValueError, "k"),
    Case("self", "wrong_type", "accepted", lambda tmp: 42, ValueError, "x"),
]
"""


def test_the_runner_catches_crashes_and_hangs(tmp_path):
    path = tmp_path / "self_cases.py"
    path.write_text(textwrap.dedent(SELF_TEST))
    from bad_input_runner import load_cases_module

    cases = {c.id: c for c in load_cases_module(path).CASES}
    results, stats = run_cases(path, list(cases), workers=1, timeout=3)
    verdict = {i: judge(cases[i], results[i]) for i in cases}
    assert verdict["self-wrong_type-raises"] is None
    assert verdict["self-wrong_type-segfault"].startswith("crash: the child killed by signal SIGSEGV")
    assert "segfault" in verdict["self-wrong_type-segfault"]  # faulthandler's traceback names the function
    assert verdict["self-wrong_type-after_segfault"] is None
    assert verdict["self-wrong_type-abort"].startswith("crash: the child killed by signal SIGABRT")
    assert verdict["self-wrong_type-hang"].startswith("hang: the child no answer in 3 s")
    assert verdict["self-wrong_type-after_hang"] is None
    assert verdict["self-wrong_type-wrong_type"].startswith("raised KeyError")
    assert verdict["self-wrong_type-accepted"].startswith("accepted without an error (returned 42)")
    assert stats["children"] == 4
