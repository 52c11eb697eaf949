"""scikit-learn's runner: MLPClassifier / MLPRegressor with solver="adam",
learning_rate_init=0.001, alpha=0 (no L2, like the Keras models), shuffle=True, and tol=0 with
n_iter_no_change=inf so every epoch runs (max_iter=epochs). scikit-learn has no model(x);
W4 measures predict_proba(). No W5 or W6 (issue 16 compares densekit with Keras and PyTorch
there). Prints one JSON object.

Set-up: python -m venv /work/venv-sklearn && /work/venv-sklearn/bin/pip install scikit-learn numpy
"""

import time
import warnings

import _common


def main():
    args = _common.parse_args("scikit-learn's benchmark runner (see benchmarks/compare.py)")
    report = {"library": "sklearn", "machine": _common.machine()}
    wl = _common.load_workloads()
    sz = wl.sizes(args.quick)
    results, samples = {}, {}
    stmt = "from sklearn.neural_network import MLPClassifier"
    if _common.wanted(args, "import"):
        results["import_s"], samples["import_s"] = _common.import_time(stmt, sz["repeats"])
        report["import_statement"] = stmt

    import numpy as np
    import sklearn
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    warnings.simplefilter("ignore", ConvergenceWarning)
    report.update(version=sklearn.__version__, numpy=np.__version__)
    _common.log(f"scikit-learn {sklearn.__version__}, {args.threads} BLAS threads")

    def build(spec, batch_size, epochs):
        sizes, hidden, out, _ = spec
        cls = MLPRegressor if out == "linear" else MLPClassifier
        return cls(hidden_layer_sizes=tuple(sizes[1:-1]), activation=hidden, solver="adam", alpha=0.0,
                   batch_size=batch_size, learning_rate_init=0.001, max_iter=epochs, shuffle=True,
                   tol=0.0, n_iter_no_change=np.inf, random_state=0)

    def epoch_times(est):
        """Per-epoch seconds: scikit-learn calls _update_no_improvement_count once at the end of
        every epoch of its Adam loop; the time between two calls is one whole epoch."""
        stamps = []
        original = getattr(est, "_update_no_improvement_count", None)
        if original is None:  # private API gone: the caller falls back to timing a 1-epoch fit()
            return stamps

        def stamped(*a, **k):
            result = original(*a, **k)
            stamps.append(time.perf_counter())
            return result

        est._update_no_improvement_count = stamped
        return stamps

    def whole_fit(spec, x, y, batch_size, epochs):
        est = build(spec, batch_size, epochs)
        start = time.perf_counter()
        est.fit(x, y)
        return time.perf_counter() - start

    x1 = y1 = est = None
    if _common.wanted(args, "W1") or _common.wanted(args, "W4"):
        x1, y1 = wl.mnist_shaped(sz["w1_rows"])
    if _common.wanted(args, "W1"):
        for bs in (32, 256):
            _common.log(f"  W1 batch {bs}: {sz['w1_epochs']} epochs of {len(x1)} rows")
            est = build(wl.W1, bs, sz["w1_epochs"])
            stamps = epoch_times(est)
            est.fit(x1, y1)
            times = [b - a for a, b in zip(stamps[:-1], stamps[1:])]  # epochs 2..n
            if not times:  # a single epoch: time it whole
                est2 = build(wl.W1, bs, 1)
                start = time.perf_counter()
                est2.fit(x1, y1)
                times = [time.perf_counter() - start]
            results[f"w1_bs{bs}_epoch_s"], samples[f"w1_bs{bs}_epoch_s"] = min(times), times
    _common.whole_fits(args, wl, sz, whole_fit, results, samples, classification_labels=lambda y: y.astype(np.int64))
    if _common.wanted(args, "W4"):
        _common.log("  W4: single-row latency and 10k-row throughput (predict_proba)")
        if est is None:
            est = build(wl.W1, 32, 1).fit(x1[:256], y1[:256])
        row, rows = wl.single_row(), wl.predict_rows(sz["w4_rows"])
        best, per_loop, n = _common.per_call_latency(lambda: est.predict_proba(row), sz["w4_calls"], sz["w4_loops"])
        results["w4_predict_us"], samples["w4_predict_us"] = best * 1e6, [s * 1e6 for s in per_loop]
        samples["w4_predict_calls_per_loop"] = n
        est.predict_proba(rows)
        best, all_s = _common.best_of(lambda: est.predict_proba(rows), sz["w4_loops"])
        results["w4_predict_10k_rows_per_s"], samples["w4_predict_10k_s"] = len(rows) / best, all_s
    extras = {}
    if _common.wanted(args, "peak"):  # one more sample of numpy's peak, taken at another time of the run
        _common.log("  peak: sgemm, numpy")
        extras["peak"] = {"numpy": _common.numpy_peak(np, wl, sz, args.threads)}
    report.update(results=results, samples=samples, extras=extras)
    _common.emit(report, args, wl, sz)


if __name__ == "__main__":
    main()
