"""compare.py's table: the libraries' columns, the workload rows, how figures and ratios are
written, and the speed-up of densekit over each other library.

Standard library only, like compare.py."""

LIBRARIES = ("densekit", "keras", "torch", "sklearn")
LABELS = {"densekit": "densekit", "keras": "Keras", "torch": "PyTorch", "sklearn": "scikit-learn"}

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
