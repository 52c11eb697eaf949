"""compare.py's chart: densekit's speed-up over each library per workload, bars on a log scale,
drawn from compare.json. matplotlib is imported only when drawing, so compare.py runs without
it (and asks another interpreter to draw)."""

import json

from compare_table import LABELS, LIBRARIES, fmt_ratio


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
