"""Side-by-side benchmark of densekit against Keras, PyTorch and scikit-learn (issues 6 and 16).

Runs every available runner (benchmarks/runners/*_runner.py) in the same invocation, each with
the interpreter that has its library (each may live in its own virtualenv), at the same
thread count, on the same data (benchmarks/workloads.py). Every figure is the best (minimum)
of several repeats. Prints the CPU model, one table (workload x library: time, and ratio
other/densekit), the machine's sgemm peak measured in the same run (best of numpy's BLAS,
torch.mm and densekit's own GEMM on large shapes) with densekit's training and predict paths
as a share of it, and the issues' target checklists; writes DIR/compare.json,
DIR/compare.png (bar chart of the ratios, log scale) and DIR/compare.txt (the printed output).

W5 (a wide network) runs at --threads like everything else; --w5-threads N runs it (and a
peak measurement at N threads, which its share of the peak is taken against) in separate
runner processes at N threads instead, e.g. 1 as issue 16's first measurement did.

Standard library only: compare.py runs under any Python 3.9+; the plot needs matplotlib in
this interpreter or in one of the library interpreters. Its parts live beside it:
compare_table.py (rows, formatting, ratios), compare_rounds.py (merging rounds),
compare_extras.py (the peak and the lines after the table), compare_targets.py (the issues'
checklists), compare_machine.py (CPU and sources) and compare_plot.py (the chart).
"""

import argparse
import datetime
import json
import os
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNERS = os.path.join(HERE, "runners")
sys.path.insert(0, HERE)  # the compare_*.py modules beside this file, however compare.py is started
from compare_extras import machine_extras  # noqa: E402
from compare_machine import (cpu_caches, cpu_model, cross_core_round_trip_ns, git_describe, lscpu,  # noqa: E402
                             render_round_trips)
from compare_plot import plot  # noqa: E402
from compare_rounds import add_w5_run, merge_rounds  # noqa: E402
from compare_table import LABELS, LIBRARIES, build_table, render_table  # noqa: E402
from compare_targets import render_targets, targets  # noqa: E402

IMPORTS = {"densekit": "import densekit", "keras": "import keras", "torch": "import torch",
           "sklearn": "import sklearn.neural_network"}
# What --only may name (the runners take the same names, case-insensitive).
ITEMS = ("import", "W1", "W2", "W3", "W4", "W5", "W6", "peak", "memory", "contended", "threads")
W5_LIBRARIES = ("densekit", "keras", "torch")  # the libraries with a W5 runner (scikit-learn has none)
SETUP = {
    "densekit": "pip install -e /work/main   (or: pip install densekit)",
    "keras": "python -m venv /work/venv-keras && /work/venv-keras/bin/pip install tensorflow-cpu numpy\n"
             "      (no TensorFlow wheel? /work/venv-keras/bin/pip install keras jax jaxlib numpy and KERAS_BACKEND=jax)",
    "torch": "python -m venv /work/venv-torch && /work/venv-torch/bin/pip install torch==2.13.0 numpy",
    "sklearn": "python -m venv /work/venv-sklearn && /work/venv-sklearn/bin/pip install scikit-learn numpy",
}
SETUP_TEXT = "\n".join(f"  {LABELS[lib]}: {cmd}" for lib, cmd in SETUP.items())
MATPLOTLIB_HINT = "pip install matplotlib  (into this interpreter or any --*-python one)"


def thread_env(threads):
    env = os.environ.copy()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                "NUMEXPR_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        env[var] = str(threads)
    env.setdefault("KERAS_BACKEND", "tensorflow")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def imports_ok(python, lib, env, attempts=3):
    """Whether `python` imports the library (retried: an editable install may be mid-rebuild)."""
    for attempt in range(attempts):
        try:
            if subprocess.run([python, "-c", IMPORTS[lib]], env=env, capture_output=True, timeout=300).returncode == 0:
                return True
        except OSError:
            return False
        except subprocess.TimeoutExpired:
            pass
        if attempt + 1 < attempts:
            time.sleep(5)
    return False


def selected(only, item):
    """Whether --only (a list of ITEMS, empty for all) asks for `item`."""
    return not only or item.lower() in {o.lower() for o in only}


def run_runner(lib, python, args, env, threads, only):
    cmd = [python, os.path.join(RUNNERS, f"{lib}_runner.py"), "--threads", str(threads)]
    if args.quick:
        cmd.append("--quick")
    if only:
        cmd += ["--only", ",".join(only)]
    print(f"[{LABELS[lib]}] {' '.join(shlex.quote(c) for c in cmd)}", file=sys.stderr, flush=True)
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {args.timeout} s"
    elapsed = time.perf_counter() - start
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        return None, f"runner failed (exit {proc.returncode}); see its output above"
    report = json.loads(lines[-1])
    report["runner_wall_s"] = elapsed
    return report, None


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Each library may live in its own virtualenv; pass its interpreter with --LIB-python. "
               "Default: this interpreter for each library it can import.\nTo create them:\n" + SETUP_TEXT +
               "\n\nExample:\n  python benchmarks/compare.py --keras-python /work/venv-keras/bin/python "
               "--torch-python /work/venv-torch/bin/python --sklearn-python /work/venv-sklearn/bin/python")
    for lib in LIBRARIES:
        parser.add_argument(f"--{lib}-python", metavar="P", help=f"interpreter with {LABELS[lib]} installed")
    parser.add_argument("--quick", action="store_true", help="reduced sizes: a smoke test, not a measurement")
    parser.add_argument("--out", metavar="DIR", default=os.path.join(HERE, "results"),
                        help="where compare.json, compare.png and compare.txt go (default benchmarks/results)")
    parser.add_argument("--threads", type=int, default=2, help="threads for every library (default 2)")
    parser.add_argument("--only", default="", help="runner subset, e.g. W1,W2 (" + ",".join(ITEMS) + ")")
    parser.add_argument("--w5-threads", type=int, metavar="N",
                        help="threads for W5 (default: --threads); another count runs W5 and a peak measurement "
                             "at N threads in runs of their own")
    parser.add_argument("--skip", default="", help="comma-separated libraries not to run")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run every runner N times, alternating the order, and keep each figure's best "
                             "(spreads every library over the run's changing background load)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per runner (default 3600)")
    parser.add_argument("--plot", metavar="JSON", help=argparse.SUPPRESS)  # internal: draw JSON's chart only
    args = parser.parse_args(argv)

    if args.plot:
        plot(args.plot, os.path.splitext(args.plot)[0] + ".png")
        return 0
    only = [item.strip() for item in args.only.split(",") if item.strip()]
    unknown = [item for item in only if item.lower() not in {i.lower() for i in ITEMS}]
    if unknown:
        parser.error(f"--only: unknown {', '.join(unknown)} (choose from {', '.join(ITEMS)})")
    w5_threads = args.w5_threads or args.threads
    if w5_threads < 1 or args.threads < 1:
        parser.error("--threads and --w5-threads take a count of at least 1")
    # W5 at its own thread count: the main runs leave it out; runs of their own measure it and
    # the peak at that count (W5's share of the peak compares like with like).
    w5_apart = w5_threads != args.threads and selected(only, "W5")
    main_only = [i for i in ITEMS if selected(only, i) and i != "W5"] if w5_apart else only

    printed = []

    def say(text=""):
        print(text, flush=True)
        printed.append(text)

    env = thread_env(args.threads)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    pythons, missing = {}, []
    for lib in LIBRARIES:
        if lib in skip:
            continue
        python = getattr(args, f"{lib}_python") or sys.executable
        if imports_ok(python, lib, env):
            pythons[lib] = python
        else:
            missing.append(lib)

    command = "python benchmarks/compare.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    fields = lscpu()
    machine = {"cpu": cpu_model(fields), "caches": cpu_caches(fields), "cores": os.cpu_count(),
               "loadavg_start": list(os.getloadavg())}
    machine["git"] = git_describe(HERE)
    started = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    rounds, w5_rounds, errors, round_trips = {}, {}, {}, {}

    def run_timed(lib, threads, only, key):
        """A runner, with the cross-core round trip just before and just after it."""
        before = cross_core_round_trip_ns(pythons.get("densekit"))
        report, error = run_runner(lib, pythons[lib], args, env, threads, only)
        round_trips.setdefault(key, []).append((before, cross_core_round_trip_ns(pythons.get("densekit"))))
        return report, error

    for r in range(args.rounds):
        order = list(LIBRARIES) if r % 2 == 0 else list(reversed(LIBRARIES))  # vary each library's time slot
        for lib in order:
            if lib not in pythons:
                continue
            if args.rounds > 1:
                print(f"round {r + 1} of {args.rounds}", file=sys.stderr, flush=True)
            if (main_only or not w5_apart) and lib not in errors:
                report, error = run_timed(lib, args.threads, main_only, LABELS[lib])
                if report:
                    rounds.setdefault(lib, []).append(report)
                else:
                    errors[lib] = error
            w5_key = f"{lib} (W5 at {w5_threads} threads)"
            if w5_apart and lib in W5_LIBRARIES and w5_key not in errors:
                report, error = run_timed(lib, w5_threads, ["W5", "peak"], f"{LABELS[lib]} W5")
                if report:
                    w5_rounds.setdefault(lib, []).append(report)
                else:
                    errors[w5_key] = error
    runs = {lib: merge_rounds(rounds[lib]) for lib in LIBRARIES if lib in rounds}
    for lib in LIBRARIES:
        if lib in w5_rounds:
            add_w5_run(runs, lib, merge_rounds(w5_rounds[lib]), w5_threads)
    runs = {lib: runs[lib] for lib in LIBRARIES if lib in runs}
    machine["loadavg_end"] = list(os.getloadavg())
    if "densekit" in runs:
        machine["densekit_isa"] = runs["densekit"].get("isa")

    table = build_table(runs, {"w5_epoch_s": f" ({w5_threads} thread{'s' if w5_threads > 1 else ''})"}
                        if w5_apart else None)
    extra_lines, summary = machine_extras(runs, w5_threads)
    checks = targets(runs, summary)

    say(f"densekit benchmark, {started}" + ("  [--quick: reduced sizes, not a measurement]" if args.quick else ""))
    say(f"command: {command}")
    if args.rounds > 1:
        say(f"rounds: {args.rounds} (every runner ran {args.rounds} times, order alternating; best figure of all rounds)")
    say(f"CPU: {machine['cpu']}" + "".join(f"; {name} {size}" for name, size in machine["caches"].items()))
    say(f"machine: {machine['cores']} cores; densekit ISA: {machine.get('densekit_isa', '-')}; "
        f"{args.threads} threads for every library" + (f" ({w5_threads} for W5)" if w5_apart else "")
        + f"; load average {machine['loadavg_start'][0]:.1f} at start, {machine['loadavg_end'][0]:.1f} at end")
    if any(b is not None for pairs in round_trips.values() for pair in pairs for b in pair):
        say(render_round_trips(round_trips))
    for lib in runs:
        r = runs[lib]
        detail = {"densekit": f"numpy {r.get('numpy')}; core built {r.get('core_built')}; repo {machine.get('git', '?')}",
                  "keras": f"{r.get('backend')} backend {r.get('tensorflow') or r.get('jax') or ''}".strip(),
                  "torch": f"CPU capability {r.get('cpu_capability')}",
                  "sklearn": "MLP, solver adam"}[lib]
        say(f"  {LABELS[lib]} {r.get('version')} ({detail}): {r.get('python')}")
    for lib in missing:
        say(f"  {LABELS[lib]}: not importable with {getattr(args, f'{lib}_python') or sys.executable}; to add it:\n"
            f"      {SETUP[lib]}\n      then pass --{lib}-python /path/to/venv/bin/python")
    for lib, error in errors.items():
        say(f"  {LABELS[lib]}: {error}")
    say("")
    say("Best (minimum) of repeats; ratio = other / densekit for times, densekit / other for rows/s "
        "(> 1: densekit faster).")
    for line in render_table(table, runs):
        say(line)
    say("")
    for line in extra_lines:
        say(line)
    if "densekit" in runs:
        for line in render_targets(checks, args.quick):
            say(line)
    if args.quick:
        say("(--quick: W1 3000 rows, W2 10 epochs, W3 2000 rows x 2 epochs, W5 1024 rows, W6 5 epochs, the peak 0.3 s "
            "a shape; ratios are not comparable to full runs)")

    os.makedirs(args.out, exist_ok=True)
    result = {"started": started, "command": command, "machine": machine, "threads": args.threads,
              "w5_threads": w5_threads, "rounds": args.rounds, "runs_per_round": rounds,
              "w5_runs_per_round": w5_rounds, "cross_core_round_trip_ns": round_trips,
              "quick": args.quick, "runs": runs, "errors": errors, "missing": missing,
              "table": table, "densekit_summary": summary,
              "targets": [{"issue": i, "target": t, "value": v, "met": m} for i, t, v, _, m in checks]}
    json_path = os.path.join(args.out, "compare.json")
    png_path = os.path.join(args.out, "compare.png")
    with open(json_path, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
    drawn = False
    try:
        plot(json_path, png_path)
        drawn = True
    except ImportError:
        for python in dict.fromkeys(pythons.values()):  # a library interpreter with matplotlib
            if python != sys.executable and subprocess.run(
                    [python, os.path.abspath(__file__), "--plot", json_path], capture_output=True).returncode == 0:
                drawn = True
                break
    say("")
    say(f"wrote {json_path}" + (f", {png_path}" if drawn else ""))
    if not drawn:
        say(f"no chart: matplotlib is not installed here ({sys.executable}); {MATPLOTLIB_HINT}")
    with open(os.path.join(args.out, "compare.txt"), "w") as f:
        f.write("\n".join(printed) + "\n")
    return 0 if runs else 1


if __name__ == "__main__":
    sys.exit(main())
