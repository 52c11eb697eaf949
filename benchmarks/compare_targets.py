"""The issues' target checklists (issues 16 and 6): which targets this run measured, whether
each is met, and the checklist lines compare.py prints.

Standard library only, like compare.py."""

from compare_table import fmt_ratio, fmt_value, speedup


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


def render_targets(checks, quick):
    """The checklist lines: issue 16's targets, then issue 6's, each under its heading."""
    lines = []
    headings = {16: "Issue 16 targets (this run, this machine)",
                6: "Issue 6 targets not restated by issue 16 (absolute times were set on an AMD Zen 5 host)"}
    for issue, heading in headings.items():
        if not checks:
            break
        lines.append("")
        lines.append(heading + (" [--quick: reduced sizes, met / NOT met mean nothing]:" if quick else ":"))
        for number, text, value, kind, met in checks:
            if number == issue:
                state = "not measured" if met is None else ("met" if met else "NOT met")
                shown = "" if value is None else f" ({fmt_target_value(value, kind)})"
                lines.append(f"  [{'-' if met is None else 'x' if met else ' '}] {text}{shown}: {state}")
    return lines
