"""Runs bad-input cases in child processes, so that a crash (a signal, an abort) or a hang is caught
and counted instead of ending the test run.

A child interpreter imports densekit once and runs cases one at a time as the parent names them
on its stdin, answering each with one JSON line on a private copy of its stdout (what the cases
print goes to stderr). If the child dies or stops answering, the parent records that case as a
crash (with the signal) or a hang, and starts a fresh child for the remaining cases. So a few
interpreter start-ups cover hundreds of cases, and every case is still isolated from a crash of
any other.

Run as a script, this module is the child: ``python bad_input_runner.py CASES_MODULE_PATH SCRATCH``.
The parent owns each child's scratch directory and removes it when the child ends, so a child
killed by a crash or a hang leaves nothing behind.
"""

import importlib.util
import json
import os
import queue
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MEMORY_LIMIT = 6 << 30  # address space of a child: a runaway allocation fails instead of eating the host


def load_cases_module(path):
    spec = importlib.util.spec_from_file_location("bad_input_cases_child", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the child ---------------------------------------------------------------------------------------

def _describe(exc):
    return {"outcome": "raised", "type": type(exc).__name__, "mro": [c.__name__ for c in type(exc).__mro__],
            "message": str(exc)[:2000]}


def child_main(cases_path, scratch):
    import faulthandler
    import resource
    import warnings

    faulthandler.enable()  # a crash leaves a Python traceback on stderr
    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ValueError, OSError):
        pass
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # what a case prints must not interleave with the answers
    sys.stdout = sys.stderr
    warnings.simplefilter("ignore")
    module = load_cases_module(cases_path)
    cases = {c.id: c for c in module.CASES}
    import densekit

    answers.write(json.dumps({"ready": True}) + "\n")
    for n, line in enumerate(sys.stdin):
        case_id = line.strip()
        if not case_id:
            continue
        print(f"--- case {case_id}", file=sys.stderr, flush=True)
        densekit.backend.clear_session()
        work = Path(scratch) / f"case{n}"
        work.mkdir()
        try:
            result = cases[case_id].run(work)
        except BaseException as exc:  # noqa: BLE001 -- reported to the parent, which judges it
            answer = _describe(exc)
        else:
            answer = {"outcome": "returned", "value": repr(result)[:300]}
        answer["id"] = case_id
        answers.write(json.dumps(answer) + "\n")


# --- the parent --------------------------------------------------------------------------------------

class _Child:
    def __init__(self, cases_path, env):
        self.stderr = tempfile.TemporaryFile()
        self.scratch = tempfile.mkdtemp(prefix="bad-input-")
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), str(cases_path), self.scratch],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, env=env,
                                     text=True, bufsize=1)
        self.ready = None

    def read_line(self, timeout):
        """The next answer line; None at end of file; raises TimeoutError."""
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError
        line = self.proc.stdout.readline()
        return line or None

    def stderr_tail(self, limit=3000):
        self.stderr.flush()
        self.stderr.seek(0)
        text = self.stderr.read().decode(errors="replace")
        # only what the last case wrote
        return text[text.rfind("--- case "):][-limit:]

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.stderr.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


def _death(returncode):
    if returncode is not None and returncode < 0:
        try:
            return f"killed by signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with status {returncode}"


def _worker(cases_path, env, todo, results, timeout, startup_timeout, stats):
    child = None
    try:
        while True:
            try:
                case_id = todo.get_nowait()
            except queue.Empty:
                return
            if child is None:
                child = _Child(cases_path, env)
                stats["children"] += 1
                try:
                    if child.read_line(startup_timeout) is None:
                        raise RuntimeError(f"a bad-input child failed to start: {child.stderr_tail()}")
                except TimeoutError:
                    raise RuntimeError("a bad-input child did not start in time") from None
            try:
                child.proc.stdin.write(case_id + "\n")
                child.proc.stdin.flush()
                line = child.read_line(timeout)
            except TimeoutError:
                results[case_id] = {"id": case_id, "outcome": "hang",
                                    "detail": f"no answer in {timeout} s", "stderr": child.stderr_tail()}
                child.kill()
                child = None
                continue
            except BrokenPipeError:
                line = None
            if line is None:
                child.proc.wait()
                results[case_id] = {"id": case_id, "outcome": "crash", "detail": _death(child.proc.returncode),
                                    "stderr": child.stderr_tail()}
                child.kill()
                child = None
                continue
            results[case_id] = json.loads(line)
    finally:
        if child is not None:
            child.proc.stdin.close()
            child.proc.wait(timeout=30)
            child.kill()


def run_cases(cases_path, case_ids, workers=2, timeout=60, startup_timeout=120):
    """{case id: answer} for every case, run by ``workers`` children in parallel. An answer is
    {"outcome": "raised", "type", "mro", "message"}, {"outcome": "returned", "value"} (its repr),
    {"outcome": "crash", "detail", "stderr"} or {"outcome": "hang", "detail", "stderr"}.
    Also returns how many children were started."""
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(Path(cases_path).resolve().parent), str(HERE), *sys.path] if p)
    todo = queue.Queue()
    for case_id in case_ids:
        todo.put(case_id)
    results, stats, errors = {}, {"children": 0}, []

    def work():
        try:
            _worker(cases_path, env, todo, results, timeout, startup_timeout, stats)
        except BaseException as exc:  # noqa: BLE001 -- re-raised in the calling thread
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    stats["seconds"] = time.monotonic() - start
    return results, stats


if __name__ == "__main__":
    child_main(sys.argv[1], sys.argv[2])


def judge(case, answer):
    """None when the case behaved as documented, else what went wrong."""
    outcome = answer["outcome"]
    if outcome in ("crash", "hang"):
        return f"{outcome}: the child {answer['detail']}\n{answer['stderr']}"
    if case.exc is None:
        if outcome == "returned":
            return None
        return f"valid input was refused: {answer['type']}: {answer['message']}"
    if outcome == "returned":
        return f"accepted without an error (returned {answer['value']}); expected {case.exc.__name__}"
    if case.exc.__name__ not in answer["mro"]:
        return f"raised {answer['type']}: {answer['message']}\nexpected {case.exc.__name__}"
    if case.match not in answer["message"]:
        return f"the message does not name the problem ({case.match!r}): {answer['type']}: {answer['message']}"
    return None
