"""W1-W6 for any library with the Keras API (densekit and Keras itself): the same calls,
so the two runners measure exactly the same user code."""

import time

import _common


def w1_epochs(keras, wl, x, y, batch_size, epochs, spec=None):
    """Per-epoch seconds of one fit of a fresh W1 model (or `spec`'s; epoch 1 is warm-up)."""
    model = wl.build_keras_model(keras, spec or wl.W1)
    timer = _common.epoch_timer(keras.callbacks.Callback)
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[timer])
    return model, timer.times


def steady(times):
    """Best steady-state epoch: the minimum over epochs 2.. (epoch 1 only if it is all there is)."""
    return min(times[1:]) if len(times) > 1 else times[0]


def whole_fit(keras, wl, spec, x, y, batch_size, epochs):
    """Seconds of fit(verbose=0) of a freshly built and compiled model (build+compile excluded)."""
    model = wl.build_keras_model(keras, spec)
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    return time.perf_counter() - start


def tutorial_fit(keras, wl, x, y, batch_size, epochs):
    """W6: seconds of the breast-cancer tutorial's fit of a freshly built and compiled model
    (build+compile excluded): metrics=["accuracy"], validation_split=0.2, verbose=2, its epoch
    lines printed to a buffer that must then hold one line per epoch."""
    model = wl.build_keras_model(keras, wl.W6, metrics=wl.W6_METRICS)
    with _common.captured_stdout(epochs):
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=2, validation_split=wl.W6_VALIDATION_SPLIT)
        elapsed = time.perf_counter() - start
    return elapsed


def run(keras, wl, sz, args, results, samples):
    x1 = y1 = model = None
    if any(_common.wanted(args, w) for w in ("W1", "W4")):
        x1, y1 = wl.mnist_shaped(sz["w1_rows"])
    if _common.wanted(args, "W1"):
        for bs in (32, 256):
            _common.log(f"  W1 batch {bs}: {sz['w1_epochs']} epochs of {len(x1)} rows")
            model, times = w1_epochs(keras, wl, x1, y1, bs, sz["w1_epochs"])
            results[f"w1_bs{bs}_epoch_s"] = steady(times)
            samples[f"w1_bs{bs}_epoch_s"] = times
    _common.whole_fits(args, wl, sz, lambda *fit_args: whole_fit(keras, wl, *fit_args), results, samples)
    if _common.wanted(args, "W4"):
        if model is None:
            model = wl.build_keras_model(keras, wl.W1)
            model.fit(x1[:256], y1[:256], batch_size=32, epochs=1, verbose=0)
        _common.log("  W4: single-row latency and 10k-row throughput")
        row = wl.single_row()
        rows = wl.predict_rows(sz["w4_rows"])
        latencies = _common.per_call_latencies(
            {"predict": lambda: model.predict(row, verbose=0), "call": lambda: model(row)},
            sz["w4_calls"], sz["w4_loops"])
        for name, (best, per_loop, n) in latencies.items():
            results[f"w4_{name}_us"] = best * 1e6
            samples[f"w4_{name}_us"] = [s * 1e6 for s in per_loop]
            samples[f"w4_{name}_calls_per_loop"] = n
        batched = {"predict": lambda: model.predict(rows, verbose=0), "call": lambda: model(rows)}
        for fn in batched.values():
            fn()
        for name, (best, all_s) in _common.best_of_alternating(batched, sz["w4_loops"]).items():
            results[f"w4_{name}_10k_rows_per_s"] = len(rows) / best
            samples[f"w4_{name}_10k_s"] = all_s
    if _common.wanted(args, "W5"):
        x5, y5 = wl.wide_inputs(sz["w5_rows"])
        _common.log(f"  W5 wide network: {sz['w5_epochs']} epochs of {len(x5)} rows, batch {sz['w5_batch']}")
        _, times = w1_epochs(keras, wl, x5, y5, sz["w5_batch"], sz["w5_epochs"], spec=wl.W5)
        results["w5_epoch_s"], samples["w5_epoch_s"] = steady(times), times
    if _common.wanted(args, "W6"):
        x6, y6 = wl.breast_cancer_scaled()
        _common.log(f"  W6 tutorial fit: {sz['w6_epochs']} epochs, batch {sz['w6_batch']}, validation_split "
                    f"{wl.W6_VALIDATION_SPLIT}, verbose=2, best of {sz['repeats']}")
        results["w6_fit_s"], samples["w6_fit_s"] = _common.best_of(
            lambda: tutorial_fit(keras, wl, x6, y6, sz["w6_batch"], sz["w6_epochs"]), sz["repeats"])
    return x1, y1
