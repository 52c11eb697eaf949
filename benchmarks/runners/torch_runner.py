"""PyTorch's runner: a plain training loop (manual batching over a shuffled index permutation
each epoch, no DataLoader), Adam (lr 0.001), the same architectures; softmax and sigmoid are
folded into CrossEntropyLoss / BCEWithLogitsLoss as PyTorch code does. Prints one JSON object.

Set-up: python -m venv /work/venv-torch && /work/venv-torch/bin/pip install torch==2.13.0 numpy
"""

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
        # PyTorch's GEMM at the roofline shape, for reference next to numpy's (densekit's runner).
        a, b = torch.rand(256, 784), torch.rand(784, 300)
        extras["gemm_gflops_256x784x300"] = _common.gemm_gflops(lambda: torch.mm(a, b))
        extras["numpy_roofline_gflops"] = _common.numpy_roofline(np)  # one more roofline sample
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
    _common.emit(report, args)


if __name__ == "__main__":
    main()
