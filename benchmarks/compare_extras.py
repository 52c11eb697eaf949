"""The lines compare.py prints after the table, from the runners' extras: the machine's sgemm
peak, densekit's paths as a share of it, W5's GFLOP/s per library, memory, the contended case
and whether threads pay.

Standard library only, like compare.py."""

from compare_table import LABELS, fmt_seconds


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
