"""Merging runner reports: a library's rounds (--rounds N) into one report with the best figure
of every round, and its separate W5 run (--w5-threads N) into that report.

Standard library only, like compare.py."""


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
