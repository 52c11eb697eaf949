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
    ("w5_epoch_s", "W5 epoch, 784-2048-2048-10, bs 256", "s"),
    ("w6_fit_s", "W6 tutorial fit (50 ep, val, verbose 2)", "s"),
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


def _merge_threads(items):
    items = [t for t in items if t]
    if not items:
        return None
    many = [x for t in items for x in t["threads_samples"]]
    one = [x for t in items for x in t["one_thread_samples"]]
    return {"threads": items[0]["threads"], "threads_s": min(many), "one_thread_s": min(one),
            "speedup": min(one) / min(many), "threads_samples": many, "one_thread_samples": one}


def _merge_peak(items):
    """One runner's peak entries of several rounds ({source: {"gflops": {shape: x}, ...}}):
    the best figure per source and shape, and every round's figures."""
    items = [p for p in items if p]
    if not items:
        return None
    out = {}
    for source in {s for p in items for s in p}:
        entries = [p[source] for p in items if source in p]
        shapes = {shape for e in entries for shape in e["gflops"]}
        out[source] = dict(entries[0], gflops={shape: max(e["gflops"].get(shape, 0) for e in entries) for shape in shapes},
                           samples={shape: [e["gflops"].get(shape) for e in entries] for shape in shapes})
    return out


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
    for key, merge in (("contended", _merge_contended), ("threads", _merge_threads), ("peak", _merge_peak)):
        value = merge([e.get(key) for e in extras])
        if value:
            out[key] = value
    mems = [e["memory"] for e in extras if e.get("memory")]
    if mems:
        out["memory"] = min(mems, key=lambda m: m["peak_ratio"])
    merged["extras"] = out
    return merged


def add_w5_run(runs, lib, report, threads):
    """Folds a library's W5 run at --w5-threads into its report: W5's figures into the results,
    that run's peak (at the same thread count) into extras["w5_run"], never extras["peak"]."""
    run = runs.setdefault(lib, {key: value for key, value in report.items() if key not in ("results", "samples", "extras")})
    for key in ("results", "samples"):
        run.setdefault(key, {}).update({k: v for k, v in report.get(key, {}).items() if k.startswith("w5_")})
    run.setdefault("extras", {})["w5_run"] = {"threads": threads, "peak": report.get("extras", {}).get("peak"),
                                              "runner_wall_s": report.get("runner_wall_s"),
                                              "rounds": report.get("rounds", 1)}
    run.setdefault("flops", report.get("flops"))


def build_table(runs, label_suffix=None):
    dk = runs.get("densekit", {}).get("results", {})
    others = [lib for lib in LIBRARIES if lib != "densekit" and lib in runs]
    table = []
    for key, label, kind in ROWS:
        label += (label_suffix or {}).get(key, "")
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


def peak_summary(peaks):
    """The machine's sgemm peak from every runner's peak entries ({lib: {source: {"gflops":
    {shape: x}, "what": ...}}}): the best figure of each source (numpy's is sampled by every
    runner, at different times of the run) and the best of all."""
    by_source = {}
    for lib, peak in peaks.items():
        for source, entry in (peak or {}).items():
            shape, gflops = max(entry["gflops"].items(), key=lambda item: item[1] or 0)
            best = by_source.setdefault(source, {"gflops": 0, "runners": []})
            best["runners"].append(lib)
            if gflops and gflops > best["gflops"]:
                best.update(gflops=gflops, shape=shape, what=entry.get("what", source), threads=entry.get("threads"),
                            runner=lib)
    by_source = {source: best for source, best in by_source.items() if best["gflops"]}
    if not by_source:
        return None
    best = max(by_source, key=lambda s: by_source[s]["gflops"])
    return dict(by_source[best], source=best, by_source=by_source)


def render_peak(peak, shapes):
    parts = []
    for source in ("numpy", "torch", "densekit"):
        entry = peak["by_source"].get(source)
        if entry:
            runners = entry["runners"]
            parts.append(f"{entry['what']} {entry['gflops']:.0f}"
                         + (f" (best of {len(runners)} runners)" if len(runners) > 1 else ""))
    threads = f"{peak['threads']} thread{'s' if peak['threads'] != 1 else ''}"
    return (f"Peak sgemm, float32, {threads}, GFLOP/s (best over {', '.join(shapes)}): "
            + "; ".join(parts) + f" -> peak {peak['gflops']:.0f} ({peak['source']}, {peak['shape']})")


def machine_extras(runs, w5_threads):
    """The lines after the table and their figures: the sgemm peak, densekit's paths as a share
    of it, W5's GFLOP/s per library, memory, the contended case and whether threads pay."""
    lines, summary = [], {}
    flops = next((r["flops"] for r in runs.values() if r.get("flops")), None)
    peak = peak_summary({lib: r.get("extras", {}).get("peak") for lib, r in runs.items()})
    w5_peak = peak
    if any(r.get("extras", {}).get("w5_run") for r in runs.values()):
        w5_peak = peak_summary({lib: r["extras"]["w5_run"].get("peak") for lib, r in runs.items()
                                if r.get("extras", {}).get("w5_run")})
    every_peak = [p for r in runs.values() for p in (r.get("extras", {}).get("peak"),
                                                    (r.get("extras", {}).get("w5_run") or {}).get("peak")) if p]
    shapes = sorted({shape for p in every_peak for e in p.values() for shape in e["gflops"]},
                    key=lambda t: [int(x) for x in t.split("x")])
    if peak:
        summary["peak"] = peak
        lines.append(render_peak(peak, shapes))
    if w5_peak is not peak and w5_peak:
        summary["peak_w5_threads"] = w5_peak
        lines.append(render_peak(w5_peak, shapes) + "  [for W5]")
    dk = runs.get("densekit", {}).get("results", {})
    if flops:
        shares = {}  # densekit's paths: GFLOP/s and the share of the peak at their thread count

        def share(name, flop, seconds, roof):
            if seconds:
                gflops = flop / seconds / 1e9
                shares[name] = {"gflops": gflops, "of_peak": gflops / roof["gflops"] if roof else None}

        share("w1_bs32", flops["w1_epoch_flop"], dk.get("w1_bs32_epoch_s"), peak)
        share("w1_bs256", flops["w1_epoch_flop"], dk.get("w1_bs256_epoch_s"), peak)
        rate = dk.get("w4_predict_10k_rows_per_s")
        share("w4_predict_10k", flops["w4_predict_row_flop"], 1 / rate if rate else None, peak)
        share("w5", flops["w5_epoch_flop"], dk.get("w5_epoch_s"), w5_peak)
        summary["densekit_of_peak"] = shares
        names = {"w1_bs32": f"W1 bs32 ({flops['w1_epoch_flop'] / 1e9:.1f} GFLOP an epoch)", "w1_bs256": "W1 bs256",
                 "w4_predict_10k": f"W4 predict() 10k rows ({flops['w4_predict_row_flop'] / 1e3:.0f} kFLOP a row)",
                 "w5": f"W5 ({flops['w5_epoch_flop'] / 1e9:.0f} GFLOP an epoch)"}
        parts = [f"{names[k]} {v['gflops']:.0f} GFLOP/s" + (f" = {v['of_peak']:.0%}" if v["of_peak"] else "")
                 for k, v in shares.items()]
        if parts:
            lines.append("densekit as a share of the peak: " + "; ".join(parts))
        w5 = {lib: flops["w5_epoch_flop"] / r["results"]["w5_epoch_s"] / 1e9 for lib, r in runs.items()
              if r.get("results", {}).get("w5_epoch_s")}
        if w5:
            summary["w5_gflops"] = w5
            lines.append(f"W5 GFLOP/s ({w5_threads} thread{'s' if w5_threads > 1 else ''}, "
                         f"{flops['w5_epoch_flop'] / 1e9:.0f} GFLOP an epoch): "
                         + ", ".join(f"{LABELS[lib]} {v:.0f}" + (f" ({v / w5_peak['gflops']:.0%})" if w5_peak else "")
                                     for lib, v in w5.items())
                         + (" (% of the peak)" if w5_peak else ""))
    ex = runs.get("densekit", {}).get("extras", {})
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
    t = ex.get("threads")
    if t:
        lines.append(f"Threads, densekit W1 bs32: 1 thread {fmt_seconds(t['one_thread_s'])}, {t['threads']} threads "
                     f"{fmt_seconds(t['threads_s'])} -> speed-up {t['speedup']:.2f}x")
        summary["threads_speedup"] = t["speedup"]
    return lines, summary


def targets(runs, summary):
    """The targets this run can check: (issue, text, value, kind, met or None when not measured).
    Issue 16's, then those of issue 6 that issue 16 does not restate."""
    dk = runs.get("densekit", {}).get("results", {})

    def ratio(lib, key, kind="s"):
        return speedup(dk.get(key), runs.get(lib, {}).get("results", {}).get(key), kind)

    def of_peak(name):
        return summary.get("densekit_of_peak", {}).get(name, {}).get("of_peak")

    mem = runs.get("densekit", {}).get("extras", {}).get("memory", {})
    threads = runs.get("densekit", {}).get("extras", {}).get("threads", {}).get("threads", "N")
    rate = max(filter(None, [dk.get("w4_predict_10k_rows_per_s"), dk.get("w4_call_10k_rows_per_s")]), default=None)
    call_vs_predict = (dk["w4_call_us"] / dk["w4_predict_us"]) if dk.get("w4_call_us") and dk.get("w4_predict_us") else None
    checks = [  # (issue, text, value, kind of value, test)
        (16, "W1 bs256 >= 80% of the peak", of_peak("w1_bs256"), "%", lambda v: v >= 0.8),
        (16, "W1 bs32 >= 55% of the peak", of_peak("w1_bs32"), "%", lambda v: v >= 0.55),
        (16, "W1 bs32 >= 8x Keras", ratio("keras", "w1_bs32_epoch_s"), "x", lambda v: v >= 8),
        (16, "W1 bs32 >= 5x PyTorch", ratio("torch", "w1_bs32_epoch_s"), "x", lambda v: v >= 5),
        (16, "W2 >= 300x Keras", ratio("keras", "w2_fit_s"), "x", lambda v: v >= 300),
        (16, "W2 >= 20x PyTorch", ratio("torch", "w2_fit_s"), "x", lambda v: v >= 20),
        (16, "W3 >= 130x Keras", ratio("keras", "w3_fit_s"), "x", lambda v: v >= 130),
        (16, "W4 predict() 1 row <= 10 us", dk.get("w4_predict_us"), "us", lambda v: v <= 10),
        (16, "W4 predict() 1 row >= 3x PyTorch", ratio("torch", "w4_predict_us"), "x", lambda v: v >= 3),
        (16, "W4 predict() 10k rows >= 70% of the peak (FLOP terms)", of_peak("w4_predict_10k"), "%",
         lambda v: v >= 0.7),
        (16, "W5 >= 80% of the peak", of_peak("w5"), "%", lambda v: v >= 0.8),
        (16, "W5 >= 1.3x PyTorch", ratio("torch", "w5_epoch_s"), "x", lambda v: v >= 1.3),
        (16, "W5 >= 1.3x Keras", ratio("keras", "w5_epoch_s"), "x", lambda v: v >= 1.3),
        (16, "W6 >= 200x Keras", ratio("keras", "w6_fit_s"), "x", lambda v: v >= 200),
        (16, "W6 >= 20x PyTorch", ratio("torch", "w6_fit_s"), "x", lambda v: v >= 20),
        (16, f"threads pay: W1 bs32 with {threads} threads >= 1.4x faster than with 1", summary.get("threads_speedup"),
         "x", lambda v: v >= 1.4),
        (16, "contended W1 bs32 <= 2.5 x quiet", summary.get("contended_densekit"), "x", lambda v: v <= 2.5),
        (6, "W1 bs32 <= 0.33 s", dk.get("w1_bs32_epoch_s"), "s", lambda v: v <= 0.33),
        (6, "W1 bs256 <= 0.24 s", dk.get("w1_bs256_epoch_s"), "s", lambda v: v <= 0.24),
        (6, "W2 <= 10 ms", dk.get("w2_fit_s"), "s", lambda v: v <= 0.010),
        (6, "W2 >= 15x scikit-learn", ratio("sklearn", "w2_fit_s"), "x", lambda v: v >= 15),
        (6, "W3 <= 50 ms", dk.get("w3_fit_s"), "s", lambda v: v <= 0.050),
        (6, "W3 >= 30x scikit-learn", ratio("sklearn", "w3_fit_s"), "x", lambda v: v >= 30),
        (6, "W4 >= 600k rows/s batched", rate, "rate", lambda v: v >= 600e3),
        (6, "W4 model(x) as fast as predict() (call/predict <= 1.1)", call_vs_predict, "x", lambda v: v <= 1.1),
        (6, "import densekit <= 0.2 s", dk.get("import_s"), "s", lambda v: v <= 0.2),
        (6, "peak memory <= 1.2 x (data + model)", mem.get("peak_ratio"), "x", lambda v: v <= 1.2),
    ]
    return [(issue, text, value, kind, None if value is None else bool(test(value)))
            for issue, text, value, kind, test in checks]


def fmt_target_value(value, kind):
    if value is None:
        return ""
    if kind in ("s", "us", "rate"):
        return fmt_value(value, kind)
    return f"{value:.0%}" if kind == "%" else fmt_ratio(value)


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
    try:  # which densekit sources: the checkout's commit (+ "-dirty" with local changes)
        machine["git"] = subprocess.run(["git", "-C", HERE, "describe", "--always", "--dirty"], capture_output=True,
                                        text=True, timeout=10).stdout.strip() or "?"
    except (OSError, subprocess.TimeoutExpired):
        machine["git"] = "?"
    started = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    rounds, w5_rounds, errors = {}, {}, {}
    for r in range(args.rounds):
        order = list(LIBRARIES) if r % 2 == 0 else list(reversed(LIBRARIES))  # vary each library's time slot
        for lib in order:
            if lib not in pythons:
                continue
            if args.rounds > 1:
                print(f"round {r + 1} of {args.rounds}", file=sys.stderr, flush=True)
            if (main_only or not w5_apart) and lib not in errors:
                report, error = run_runner(lib, pythons[lib], args, env, args.threads, main_only)
                if report:
                    rounds.setdefault(lib, []).append(report)
                else:
                    errors[lib] = error
            w5_key = f"{lib} (W5 at {w5_threads} threads)"
            if w5_apart and lib in W5_LIBRARIES and w5_key not in errors:
                report, error = run_runner(lib, pythons[lib], args, env, w5_threads, ["W5", "peak"])
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
    headings = {16: "Issue 16 targets (this run, this machine)",
                6: "Issue 6 targets not restated by issue 16 (absolute times were set on an AMD Zen 5 host)"}
    for issue, heading in headings.items():
        if not checks or "densekit" not in runs:
            break
        say("")
        say(heading + (" [--quick: reduced sizes, met / NOT met mean nothing]:" if args.quick else ":"))
        for number, text, value, kind, met in checks:
            if number == issue:
                state = "not measured" if met is None else ("met" if met else "NOT met")
                shown = "" if value is None else f" ({fmt_target_value(value, kind)})"
                say(f"  [{'-' if met is None else 'x' if met else ' '}] {text}{shown}: {state}")
    if args.quick:
        say("(--quick: W1 3000 rows, W2 10 epochs, W3 2000 rows x 2 epochs, W5 1024 rows, W6 5 epochs, the peak 0.3 s "
            "a shape; ratios are not comparable to full runs)")

    os.makedirs(args.out, exist_ok=True)
    result = {"started": started, "command": command, "machine": machine, "threads": args.threads,
              "w5_threads": w5_threads, "rounds": args.rounds, "runs_per_round": rounds,
              "w5_runs_per_round": w5_rounds,
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
