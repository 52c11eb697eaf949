"""PyTorch's runner: a plain training loop (manual batching over a shuffled index permutation
each epoch, no DataLoader), Adam (lr 0.001), the same architectures; softmax and sigmoid are
folded into CrossEntropyLoss / BCEWithLogitsLoss as PyTorch code does. W6 is the same loop
computing, each epoch, what Keras's fit(metrics=["accuracy"], validation_split=0.2, verbose=2)
prints, and printing it. Prints one JSON object.

Set-up: python -m venv /work/venv-torch && /work/venv-torch/bin/pip install torch==2.13.0 numpy
"""

import math
import time

import _common


def main():
    args = _common.parse_args("PyTorch's benchmark runner (see benchmarks/compare.py)")
    report = {"library": "torch", "machine": _common.machine()}
    wl = _common.load_workloads()
    sz = wl.sizes(args.quick)
    results, samples, extras = {}, {}, {}
    if _common.wanted(args, "import"):
        results["import_s"], samples["import_s"] = _common.import_time("import torch", sz["repeats"])

    import numpy as np
    import torch
    from torch import nn

    torch.set_num_threads(args.threads)
    report.update(version=torch.__version__, numpy=np.__version__, num_threads=torch.get_num_threads(),
                  cpu_capability=torch.backends.cpu.get_cpu_capability())
    _common.log(f"torch {torch.__version__} ({report['cpu_capability']}), {torch.get_num_threads()} threads")

    def build(spec, seed=0):
        torch.manual_seed(seed)
        sizes, _, _, _ = spec
        layers = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(a, b))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
        return nn.Sequential(*layers)

    def loss_fn(spec):
        loss = spec[3]
        if loss == "sparse_categorical_crossentropy":
            return nn.CrossEntropyLoss()
        if loss == "binary_crossentropy":
            return nn.BCEWithLogitsLoss()
        return nn.MSELoss()

    def targets(spec, y):
        if spec[3] == "sparse_categorical_crossentropy":
            return torch.from_numpy(y.astype(np.int64))
        return torch.from_numpy(y.astype(np.float32)).reshape(-1, 1)

    class Trainer:
        def __init__(self, spec, x, y, batch_size):
            self.model = build(spec)
            self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
            self.loss = loss_fn(spec)
            self.x, self.y = torch.from_numpy(x), targets(spec, y)
            self.batch_size = batch_size
            self.gen = torch.Generator().manual_seed(0)

        def epoch(self):
            model, opt, loss, bs = self.model, self.opt, self.loss, self.batch_size
            model.train()
            n = len(self.x)
            perm = torch.randperm(n, generator=self.gen)
            for start in range(0, n, bs):
                idx = perm[start:start + bs]
                opt.zero_grad(set_to_none=True)
                out = loss(model(self.x[idx]), self.y[idx])
                out.backward()
                opt.step()

    def w1_epochs(trainer, epochs, budget_s=None, min_epochs=1):
        times = []
        for _ in range(epochs):
            start = time.perf_counter()
            trainer.epoch()
            times.append(time.perf_counter() - start)
            if budget_s is not None and len(times) >= min_epochs and sum(times) > budget_s:
                break
        return times

    def steady(times):
        return min(times[1:]) if len(times) > 1 else times[0]

    def whole_fit(spec, x, y, batch_size, epochs):
        trainer = Trainer(spec, x, y, batch_size)  # model and optimizer creation excluded
        start = time.perf_counter()
        trainer.x, trainer.y = torch.from_numpy(x), targets(spec, y)  # numpy in, as fit() takes it
        for _ in range(epochs):
            trainer.epoch()
        return time.perf_counter() - start

    def tutorial_fit(x, y, batch_size, epochs):
        """W6: the tutorial's fit as a plain loop. Keras's validation_split holds out the LAST
        20 % of the rows, unshuffled (keras/src/trainers/data_adapters/array_slicing.py); each
        epoch shuffles the rest, trains, and prints one line: the epoch's mean training loss
        and accuracy (over all its batches, as Keras's running means), then the validation
        loss and accuracy of the held-out rows."""
        trainer = Trainer(wl.W6, x, y, batch_size)  # model and optimizer creation excluded
        model, opt, loss = trainer.model, trainer.opt, trainer.loss
        with _common.captured_stdout(epochs):
            start = time.perf_counter()
            xt, yt = torch.from_numpy(x), targets(wl.W6, y)  # numpy in, as fit() takes it
            split = int(math.floor(len(xt) * (1.0 - wl.W6_VALIDATION_SPLIT)))
            x_train, y_train, x_val, y_val = xt[:split], yt[:split], xt[split:], yt[split:]
            steps = math.ceil(split / batch_size)
            for epoch in range(epochs):
                began = time.perf_counter()
                model.train()
                perm = torch.randperm(split, generator=trainer.gen)
                loss_sum, correct = 0.0, 0
                for first in range(0, split, batch_size):
                    idx = perm[first:first + batch_size]
                    xb, yb = x_train[idx], y_train[idx]
                    opt.zero_grad(set_to_none=True)
                    logits = model(xb)
                    out = loss(logits, yb)
                    out.backward()
                    opt.step()
                    loss_sum += out.item() * len(idx)
                    correct += int(((logits > 0) == (yb > 0.5)).sum())
                model.eval()
                with torch.no_grad():
                    val_logits = model(x_val)
                    val_loss = loss(val_logits, y_val).item()
                    val_acc = ((val_logits > 0) == (y_val > 0.5)).float().mean().item()
                print(f"Epoch {epoch + 1}/{epochs}")
                print(f"{steps}/{steps} - {time.perf_counter() - began:.0f}s - accuracy: {correct / split:.4f} - "
                      f"loss: {loss_sum / split:.4f} - val_accuracy: {val_acc:.4f} - val_loss: {val_loss:.4f}")
            return time.perf_counter() - start

    def sgemm_peak():
        def product(m, k, n):
            a, b = torch.rand(m, k), torch.rand(k, n)
            c = torch.empty(m, n)
            return lambda: torch.mm(a, b, out=c)

        return {"torch": {"gflops": _common.sgemm_peak(product, wl.PEAK_SHAPES, sz["peak_budget_s"]),
                          "threads": torch.get_num_threads(), "what": f"torch.mm ({report['cpu_capability']})"},
                "numpy": _common.numpy_peak(np, wl, sz, args.threads)}

    if _common.wanted(args, "peak"):
        _common.log("  peak: sgemm, torch.mm and numpy")
        extras["peak"] = sgemm_peak()
    x1 = y1 = trainer = None
    if any(_common.wanted(args, w) for w in ("W1", "W4", "contended")):
        x1, y1 = wl.mnist_shaped(sz["w1_rows"])
    if _common.wanted(args, "W1"):
        for bs in (32, 256):
            _common.log(f"  W1 batch {bs}: {sz['w1_epochs']} epochs of {len(x1)} rows")
            trainer = Trainer(wl.W1, x1, y1, bs)
            # on a loaded machine PyTorch's epochs can take minutes: stop after 2 once past 120 s
            times = w1_epochs(trainer, sz["w1_epochs"], budget_s=120.0, min_epochs=2)
            results[f"w1_bs{bs}_epoch_s"], samples[f"w1_bs{bs}_epoch_s"] = steady(times), times
    _common.whole_fits(args, wl, sz, whole_fit, results, samples)
    if _common.wanted(args, "W4"):
        _common.log("  W4: single-row latency and 10k-row throughput")
        module = trainer.model if trainer is not None else build(wl.W1)
        module.eval()
        row, rows = wl.single_row(), wl.predict_rows(sz["w4_rows"])
        row_t, rows_t = torch.from_numpy(row), torch.from_numpy(rows)

        def predict(a):  # numpy in, numpy out: the equivalent of Keras's predict()
            with torch.no_grad():
                return module(torch.from_numpy(a)).numpy()

        def call(t):  # module(x) on a tensor
            with torch.no_grad():
                return module(t)

        latencies = _common.per_call_latencies({"predict": lambda: predict(row), "call": lambda: call(row_t)},
                                               sz["w4_calls"], sz["w4_loops"])
        for name, (best, per_loop, n) in latencies.items():
            results[f"w4_{name}_us"], samples[f"w4_{name}_us"] = best * 1e6, [s * 1e6 for s in per_loop]
            samples[f"w4_{name}_calls_per_loop"] = n
        batched = {"predict": lambda: predict(rows), "call": lambda: call(rows_t)}
        for fn in batched.values():
            fn()
        for name, (best, all_s) in _common.best_of_alternating(batched, sz["w4_loops"]).items():
            results[f"w4_{name}_10k_rows_per_s"], samples[f"w4_{name}_10k_s"] = len(rows) / best, all_s
    if _common.wanted(args, "W5"):
        x5, y5 = wl.wide_inputs(sz["w5_rows"])
        _common.log(f"  W5 wide network: {sz['w5_epochs']} epochs of {len(x5)} rows, batch {sz['w5_batch']}")
        times = w1_epochs(Trainer(wl.W5, x5, y5, sz["w5_batch"]), sz["w5_epochs"])
        results["w5_epoch_s"], samples["w5_epoch_s"] = steady(times), times
    if _common.wanted(args, "W6"):
        x6, y6 = wl.breast_cancer_scaled()
        _common.log(f"  W6 tutorial fit: {sz['w6_epochs']} epochs, batch {sz['w6_batch']}, best of {sz['repeats']}")
        results["w6_fit_s"], samples["w6_fit_s"] = _common.best_of(
            lambda: tutorial_fit(x6, y6, sz["w6_batch"], sz["w6_epochs"]), sz["repeats"])
    if _common.wanted(args, "contended"):
        rounds = sz["contended_rounds"]
        _common.log(f"  contended: W1 batch 32, a warm-up epoch, then {rounds} x (quiet epoch, epoch with a busy loop)")
        trainer = Trainer(wl.W1, x1, y1, 32)
        w1_epochs(trainer, 1)
        quiet, contended = [], []
        for _ in range(rounds):  # alternate, so both see the same background load
            quiet += w1_epochs(trainer, 1)
            with _common.BusyLoop():
                contended += w1_epochs(trainer, 1)
            if sum(contended) > 60.0:  # an epoch can take a minute here (spinning OpenMP threads)
                break
        extras["contended"] = _common.contended_summary(quiet, contended)

    report.update(results=results, samples=samples, extras=extras)
    _common.emit(report, args, wl, sz)


if __name__ == "__main__":
    main()
