"""Side-by-side benchmark of densekit against Keras, PyTorch and scikit-learn (issue 6).

Runs every available runner (benchmarks/runners/*_runner.py) in the same invocation, each with
the interpreter that has its library (each may live in its own virtualenv), at the same
thread count, on the same data (benchmarks/workloads.py). Every figure is the best (minimum)
of several repeats. Prints one table (workload x library: time, and ratio other/densekit),
and writes DIR/compare.json and DIR/compare.png (bar chart of the ratios, log scale),
DIR/compare.txt (the printed output).

Standard library only: compare.py runs under any Python 3.9+; the plot needs matplotlib in
this interpreter or in one of the library interpreters.
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
LIBRARIES = ("densekit", "keras", "torch", "sklearn")
IMPORTS = {"densekit": "import densekit", "keras": "import keras", "torch": "import torch",
           "sklearn": "import sklearn.neural_network"}
LABELS = {"densekit": "densekit", "keras": "Keras", "torch": "PyTorch", "sklearn": "scikit-learn"}
SETUP = {
    "densekit": "pip install -e /work/main   (or: pip install densekit)",
    "keras": "python -m venv /work/venv-keras && /work/venv-keras/bin/pip install tensorflow-cpu numpy\n"
             "      (no TensorFlow wheel? /work/venv-keras/bin/pip install keras jax jaxlib numpy and KERAS_BACKEND=jax)",
    "torch": "python -m venv /work/venv-torch && /work/venv-torch/bin/pip install torch==2.13.0 numpy",
    "sklearn": "python -m venv /work/venv-sklearn && /work/venv-sklearn/bin/pip install scikit-learn numpy",
}
SETUP_TEXT = "\n".join(f"  {LABELS[lib]}: {cmd}" for lib, cmd in SETUP.items())
MATPLOTLIB_HINT = "pip install matplotlib  (into this interpreter or any --*-python one)"

# (key, label, kind): kind "s" = seconds (smaller is better), "us" = microseconds, "rate" = rows/s.
ROWS = [
    ("w1_bs32_epoch_s", "W1 epoch, batch 32", "s"),
    ("w1_bs256_epoch_s", "W1 epoch, batch 256", "s"),
    ("w2_fit_s", "W2 fit (100 ep, bs 64)", "s"),
    ("w3_fit_s", "W3 fit (20 ep, bs 32)", "s"),
    ("w4_predict_us", "W4 predict() 1 row", "us"),
    ("w4_call_us", "W4 model(x) 1 row", "us"),
    ("w4_predict_10k_rows_per_s", "W4 predict() 10k rows", "rate"),
    ("w4_call_10k_rows_per_s", "W4 model(x) 10k rows", "rate"),
    ("import_s", "import time", "s"),
]


def fmt_seconds(s):
    if s is None:
        return "-"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} us"


def fmt_value(value, kind):
    if value is None:
        return "-"
    if kind == "s":
        return fmt_seconds(value)
    if kind == "us":
        return fmt_seconds(value * 1e-6)
    return f"{value / 1e3:.0f}k/s" if value >= 1e4 else f"{value:.0f}/s"


def speedup(dk, other, kind):
    """How many times faster densekit is: other/densekit for times, densekit/other for rates."""
    if dk is None or other is None or dk <= 0 or other <= 0:
        return None
    return dk / other if kind == "rate" else other / dk


def fmt_ratio(r):
    if r is None:
        return "-"
    return f"{r:.0f}x" if r >= 100 else f"{r:.1f}x" if r >= 10 else f"{r:.2f}x"


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


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform
    return platform.processor() or platform.machine()


def run_runner(lib, python, args, env):
    cmd = [python, os.path.join(RUNNERS, f"{lib}_runner.py"), "--threads", str(args.threads)]
    if args.quick:
        cmd.append("--quick")
    if args.only:
        cmd += ["--only", args.only]
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


def _best(values, higher_is_better=False):
    values = [v for v in values if v is not None]
    return (max(values) if higher_is_better else min(values)) if values else None


def _merge_contended(items):
    items = [c for c in items if c]
    if not items:
        return None
    quiet = [x for c in items for x in c["quiet_samples"]]
    contended = [x for c in items for x in c["contended_samples"]]
    return {"quiet_s": min(quiet), "contended_s": min(contended), "ratio": min(contended) / min(quiet),
            "quiet_samples": quiet, "contended_samples": contended}


def merge_rounds(reports):
    """One report from a library's rounds (--rounds N): the best figure of every round."""
    if len(reports) == 1:
        return reports[0]
    merged = dict(reports[0])
    keys = {k for r in reports for k in r.get("results", {})}
    merged["results"] = {k: _best([r["results"].get(k) for r in reports], k.endswith("_per_s")) for k in keys}
    merged["samples"] = {k: [r.get("samples", {}).get(k) for r in reports] for k in {k for r in reports for k in r.get("samples", {})}}
    merged["rounds"] = len(reports)
    merged["runner_wall_s"] = sum(r.get("runner_wall_s", 0) for r in reports)
    merged["loadavg_per_round"] = [r.get("machine", {}).get("loadavg") for r in reports]
    extras = [r.get("extras", {}) for r in reports]
    out = {}
    for key in ("numpy_roofline_gflops", "gemm_gflops_256x784x300"):
        if any(key in e for e in extras):
            out[key] = _best([e.get(key) for e in extras], higher_is_better=True)
    contended = _merge_contended([e.get("contended") for e in extras])
    if contended:
        out["contended"] = contended
    mems = [e["memory"] for e in extras if e.get("memory")]
    if mems:
        out["memory"] = min(mems, key=lambda m: m["peak_ratio"])
    w5s = [e["w5"] for e in extras if e.get("w5")]
    if w5s:
        w5 = dict(w5s[0])
        w5["roofline_samples"] = [x for w in w5s for x in w["roofline_samples"]]
        w5["roofline_gflops_numpy"] = max(w5["roofline_samples"])
        w5["densekit_gemm_samples"] = [x for w in w5s for x in w.get("densekit_gemm_samples", [])]
        if w5["densekit_gemm_samples"]:
            w5["densekit_gemm_gflops"] = max(w5["densekit_gemm_samples"])
        for bs in (32, 256):
            t = merged["results"].get(f"w1_bs{bs}_epoch_s")
            if t:
                w5[f"w1_bs{bs}_gflops"] = w5["epoch_gflop"] / t
                w5[f"w1_bs{bs}_fraction"] = w5[f"w1_bs{bs}_gflops"] / w5["roofline_gflops_numpy"]
        out["w5"] = w5
    merged["extras"] = out
    return merged


def build_table(runs):
    dk = runs.get("densekit", {}).get("results", {})
    others = [lib for lib in LIBRARIES if lib != "densekit" and lib in runs]
    table = []
    for key, label, kind in ROWS:
        row = {"key": key, "workload": label, "kind": kind, "values": {}, "speedup": {}}
        for lib in runs:
            row["values"][lib] = runs[lib].get("results", {}).get(key)
        for lib in others:
            row["speedup"][lib] = speedup(dk.get(key), row["values"][lib], kind)
        if any(v is not None for v in row["values"].values()):
            table.append(row)
    return table


def render_table(table, runs):
    libs = [lib for lib in LIBRARIES if lib in runs]
    head = ["workload"] + [LABELS[lib] if lib == "densekit" else f"{LABELS[lib]}|ratio" for lib in libs]
    cells = []
    for row in table:
        line = [row["workload"]]
        for lib in libs:
            value = fmt_value(row["values"].get(lib), row["kind"])
            if lib != "densekit":
                value = f"{value} | {fmt_ratio(row['speedup'].get(lib))}"
            line.append(value)
        cells.append(line)
    widths = [max(len(str(r[i])) for r in [head] + cells) for i in range(len(head))]
    out = ["  ".join(h.ljust(w) for h, w in zip(head, widths)),
           "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in cells]
    return out


def densekit_extras(runs):
    lines, summary = [], {}
    dk = runs.get("densekit")
    if not dk:
        return lines, summary
    ex = dk.get("extras", {})
    w5 = ex.get("w5")
    if w5:
        # The roofline: the best numpy.matmul figure of the whole run (every runner samples it,
        # at different times; all use numpy's OpenBLAS at the same thread count).
        samples = {lib: runs[lib].get("extras", {}).get("numpy_roofline_gflops") for lib in runs}
        samples["densekit"] = w5["roofline_gflops_numpy"]
        samples = {lib: v for lib, v in samples.items() if v}
        roof = max(samples.values())
        torch_gemm = runs.get("torch", {}).get("extras", {}).get("gemm_gflops_256x784x300")
        own = w5.get("densekit_gemm_gflops")
        best = max(roof, torch_gemm or 0, own or 0)
        summary["w5"] = dict(w5, roofline_gflops=roof, roofline_samples_by_runner=samples,
                             torch_gemm_gflops=torch_gemm, best_gemm_gflops=best)
        for bs in (32, 256):
            summary["w5"][f"w1_bs{bs}_fraction"] = w5[f"w1_bs{bs}_gflops"] / roof
            summary["w5"][f"w1_bs{bs}_fraction_best"] = w5[f"w1_bs{bs}_gflops"] / best
        w = summary["w5"]
        lines.append(f"W5 GEMM (256x784)@(784x300) float32, 2 threads, GFLOP/s: numpy.matmul (the roofline, best "
                     f"sample of {len(samples)} runners over the run) {roof:.0f} ({w5['numpy_blas']})"
                     + (f"; torch.mm {torch_gemm:.0f}" if torch_gemm else "")
                     + (f"; densekit's own forward GEMM {own:.0f}" if own else ""))
        lines.append(f"W5 densekit training path ({w5['epoch_gflop']:.1f} GFLOP per W1 epoch): "
                     f"bs32 {w5['w1_bs32_gflops']:.0f} GFLOP/s = {w['w1_bs32_fraction']:.0%} of the roofline, "
                     f"{w['w1_bs32_fraction_best']:.0%} of the best GEMM measured ({best:.0f}); "
                     f"bs256 {w5['w1_bs256_gflops']:.0f} GFLOP/s = {w['w1_bs256_fraction']:.0%}, "
                     f"{w['w1_bs256_fraction_best']:.0%}")
    mem = ex.get("memory")
    if mem:
        lines.append(f"Memory, W1 fit (fresh process): data {mem['data_mb']:.0f} MiB + model {mem['model_mb']:.1f} MiB, "
                     f"fit adds {mem['fit_extra_mb']:.1f} MiB at peak -> peak/(data+model) = {mem['peak_ratio']:.3f}")
    for lib in ("densekit", "torch"):
        c = runs.get(lib, {}).get("extras", {}).get("contended")
        if c:
            lines.append(f"Contended W1 bs32 ({LABELS[lib]}): quiet {fmt_seconds(c['quiet_s'])}, one core busy "
                         f"{fmt_seconds(c['contended_s'])} -> {c['ratio']:.2f}x slower")
            summary[f"contended_{lib}"] = c["ratio"]
    return lines, summary


def targets(runs, summary):
    """The issue-6 targets this run can check: (text, value, kind, met or None when not measured)."""
    dk = runs.get("densekit", {}).get("results", {})

    def ratio(lib, key, kind="s"):
        return speedup(dk.get(key), runs.get(lib, {}).get("results", {}).get(key), kind)

    mem = runs.get("densekit", {}).get("extras", {}).get("memory", {})
    w5 = summary.get("w5", {})
    rate = max(filter(None, [dk.get("w4_predict_10k_rows_per_s"), dk.get("w4_call_10k_rows_per_s")]), default=None)
    call_vs_predict = (dk["w4_call_us"] / dk["w4_predict_us"]) if dk.get("w4_call_us") and dk.get("w4_predict_us") else None
    checks = [  # (text, value, kind of value, test)
        ("W1 bs32 <= 0.33 s", dk.get("w1_bs32_epoch_s"), "s", lambda v: v <= 0.33),
        ("W1 bs32 >= 8x Keras", ratio("keras", "w1_bs32_epoch_s"), "x", lambda v: v >= 8),
        ("W1 bs32 >= 5x PyTorch", ratio("torch", "w1_bs32_epoch_s"), "x", lambda v: v >= 5),
        ("W1 bs256 <= 0.24 s", dk.get("w1_bs256_epoch_s"), "s", lambda v: v <= 0.24),
        ("W1 bs256 >= 80% of the best GEMM measured", w5.get("w1_bs256_fraction_best"), "%", lambda v: v >= 0.8),
        ("W2 <= 10 ms", dk.get("w2_fit_s"), "s", lambda v: v <= 0.010),
        ("W2 >= 300x Keras", ratio("keras", "w2_fit_s"), "x", lambda v: v >= 300),
        ("W2 >= 20x PyTorch", ratio("torch", "w2_fit_s"), "x", lambda v: v >= 20),
        ("W2 >= 15x scikit-learn", ratio("sklearn", "w2_fit_s"), "x", lambda v: v >= 15),
        ("W3 <= 50 ms", dk.get("w3_fit_s"), "s", lambda v: v <= 0.050),
        ("W3 >= 130x Keras", ratio("keras", "w3_fit_s"), "x", lambda v: v >= 130),
        ("W3 >= 30x scikit-learn", ratio("sklearn", "w3_fit_s"), "x", lambda v: v >= 30),
        ("W4 predict() 1 row <= 10 us", dk.get("w4_predict_us"), "us", lambda v: v <= 10),
        ("W4 predict() >= 3x PyTorch", ratio("torch", "w4_predict_us"), "x", lambda v: v >= 3),
        ("W4 >= 600k rows/s batched", rate, "rate", lambda v: v >= 600e3),
        ("W4 model(x) as fast as predict() (call/predict <= 1.1)", call_vs_predict, "x", lambda v: v <= 1.1),
        ("import densekit <= 0.2 s", dk.get("import_s"), "s", lambda v: v <= 0.2),
        ("peak memory <= 1.2 x (data + model)", mem.get("peak_ratio"), "x", lambda v: v <= 1.2),
        ("contended W1 bs32 <= 2.5 x quiet", summary.get("contended_densekit"), "x", lambda v: v <= 2.5),
    ]
    return [(text, value, kind, None if value is None else bool(test(value))) for text, value, kind, test in checks]


def fmt_target_value(value, kind):
    if value is None:
        return ""
    if kind in ("s", "us", "rate"):
        return fmt_value(value, kind)
    return f"{value:.0%}" if kind == "%" else f"{value:.3g}x"


def plot(result_path, png_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(result_path) as f:
        data = json.load(f)
    table = [row for row in data["table"] if any(v for v in row["speedup"].values())]
    libs = [lib for lib in LIBRARIES if lib != "densekit" and any(row["speedup"].get(lib) for row in table)]
    fig, ax = plt.subplots(figsize=(11, 5.5))
    width = 0.8 / max(1, len(libs))
    colors = {"keras": "#d62728", "torch": "#ff7f0e", "sklearn": "#1f77b4"}
    for i, lib in enumerate(libs):
        xs = [j + (i - (len(libs) - 1) / 2) * width for j in range(len(table))]
        ys = [row["speedup"].get(lib) or 0 for row in table]
        bars = ax.bar(xs, [y if y > 0 else float("nan") for y in ys], width, label=LABELS[lib], color=colors[lib])
        for bar, y in zip(bars, ys):
            if y > 0:
                ax.annotate(fmt_ratio(y), (bar.get_x() + bar.get_width() / 2, y), ha="center", va="bottom",
                            fontsize=7, rotation=90, xytext=(0, 2), textcoords="offset points")
    ax.set_yscale("log")
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(table)))
    ax.set_xticklabels([row["workload"] for row in table], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("densekit speed-up (other / densekit), log scale")
    m = data["machine"]
    ax.set_title(f"densekit vs others: {m['cpu']}, {m['cores']} cores, {data['threads']} threads, "
                 f"densekit ISA {m.get('densekit_isa', '?')}" + (" (quick)" if data.get("quick") else ""), fontsize=9)
    ax.legend()
    ax.margins(y=0.15)
    fig.tight_layout()
    fig.savefig(png_path, dpi=120)
    plt.close(fig)


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
    parser.add_argument("--only", default="", help="runner subset, e.g. W1,W2 (import,W1..W5,memory,contended)")
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
    machine = {"cpu": cpu_model(), "cores": os.cpu_count(), "loadavg_start": list(os.getloadavg())}
    try:  # which densekit sources: the checkout's commit (+ "-dirty" with local changes)
        machine["git"] = subprocess.run(["git", "-C", HERE, "describe", "--always", "--dirty"], capture_output=True,
                                        text=True, timeout=10).stdout.strip() or "?"
    except (OSError, subprocess.TimeoutExpired):
        machine["git"] = "?"
    started = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    rounds, errors = {}, {}
    for r in range(args.rounds):
        order = list(LIBRARIES) if r % 2 == 0 else list(reversed(LIBRARIES))  # vary each library's time slot
        for lib in order:
            if lib in pythons and lib not in errors:
                if args.rounds > 1:
                    print(f"round {r + 1} of {args.rounds}", file=sys.stderr, flush=True)
                report, error = run_runner(lib, pythons[lib], args, env)
                if report:
                    rounds.setdefault(lib, []).append(report)
                else:
                    errors[lib] = error
    runs = {lib: merge_rounds(rounds[lib]) for lib in LIBRARIES if lib in rounds}
    machine["loadavg_end"] = list(os.getloadavg())
    if "densekit" in runs:
        machine["densekit_isa"] = runs["densekit"].get("isa")

    table = build_table(runs)
    extra_lines, summary = densekit_extras(runs)
    checks = targets(runs, summary)

    say(f"densekit benchmark, {started}" + ("  [--quick: reduced sizes, not a measurement]" if args.quick else ""))
    say(f"command: {command}")
    if args.rounds > 1:
        say(f"rounds: {args.rounds} (every runner ran {args.rounds} times, order alternating; best figure of all rounds)")
    say(f"machine: {machine['cpu']}, {machine['cores']} cores; densekit ISA: {machine.get('densekit_isa', '-')}; "
        f"{args.threads} threads for every library; load average {machine['loadavg_start'][0]:.1f} at start, "
        f"{machine['loadavg_end'][0]:.1f} at end")
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
    if checks and "densekit" in runs and not args.quick:
        say("")
        say("Issue 6 targets (this run):")
        for text, value, kind, met in checks:
            state = "not measured" if met is None else ("met" if met else "NOT met")
            shown = "" if value is None else f" ({fmt_target_value(value, kind)})"
            say(f"  [{'-' if met is None else 'x' if met else ' '}] {text}{shown}: {state}")
    if args.quick:
        say("(--quick: W1 3000 rows, W2 10 epochs, W3 2000 rows x 2 epochs; ratios are not comparable to full runs)")

    os.makedirs(args.out, exist_ok=True)
    result = {"started": started, "command": command, "machine": machine, "threads": args.threads,
              "rounds": args.rounds, "runs_per_round": rounds,
              "quick": args.quick, "runs": runs, "errors": errors, "missing": missing,
              "table": table, "densekit_summary": summary,
              "targets": [{"target": t, "value": v, "met": m} for t, v, _, m in checks]}
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
