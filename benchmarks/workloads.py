"""The benchmark workloads of issues 6 (W1-W4) and 16 (W5, W6, the machine's sgemm peak),
shared by every library's runner and by the pytest-benchmark suite.

Depends only on numpy (never imports densekit), so the Keras, PyTorch and scikit-learn
runners can load it by path from their own virtualenvs. All data is float32 from fixed seeds.
"""

import gzip
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
BREAST_CANCER_CSV = os.path.join(HERE, os.pardir, "python", "densekit", "datasets", "breast_cancer.csv.gz")

# Layer specs: (layer sizes input..output, hidden activation, output activation, loss).
W1 = ((784, 300, 100, 10), "relu", "softmax", "sparse_categorical_crossentropy")
W2 = ((30, 30, 15, 1), "relu", "sigmoid", "binary_crossentropy")
W3 = ((8, 32, 32, 1), "relu", "linear", "mse")
# W5: a wide network where the GEMMs dominate (issue 16).
W5 = ((784, 2048, 2048, 10), "relu", "softmax", "sparse_categorical_crossentropy")
# W6: the breast-cancer tutorial's fit, the network of W2 (30 relu-15 relu-1 sigmoid on 30 features),
# trained as the tutorial does: metrics=["accuracy"], validation_split=0.2, verbose=2.
W6 = W2
W6_METRICS = ["accuracy"]
W6_VALIDATION_SPLIT = 0.2
SPECS = {"W1": W1, "W2": W2, "W3": W3, "W5": W5, "W6": W6}

# The machine's sgemm peak: (m, k, n) of (m x k)@(k x n) float32 products, large and square-ish
# (1024^3, and W5's middle layer at batch 256), at the run's thread count.
PEAK_SHAPES = ((1024, 1024, 1024), (256, 2048, 2048))

# Training settings of each workload (full sizes; --quick shrinks them, see sizes()).
FULL = {
    "w1_rows": 60000, "w1_epochs": 4,           # epoch 1 is warm-up; the best of epochs 2..4 is reported
    "w2_epochs": 100, "w2_batch": 64,
    "w3_rows": 16512, "w3_epochs": 20, "w3_batch": 32,
    "w4_calls": 1000, "w4_loops": 5, "w4_rows": 10000,
    "repeats": 3,                                # best-of-N for whole fits and import time
    "contended_rounds": 2,           # alternating (quiet epoch, epoch with one core kept busy)
    "threads_rounds": 2,             # alternating (W1 bs32 epoch at --threads, epoch at 1 thread)
    "w5_rows": 20000, "w5_epochs": 3, "w5_batch": 256,   # epoch 1 is warm-up
    "w6_epochs": 50, "w6_batch": 32,
    "peak_budget_s": 2.0,            # seconds of GEMM loops per shape and library
}
QUICK = {
    "w1_rows": 3000, "w1_epochs": 2,
    "w2_epochs": 10, "w2_batch": 64,
    "w3_rows": 2000, "w3_epochs": 2, "w3_batch": 32,
    "w4_calls": 100, "w4_loops": 2, "w4_rows": 2000,
    "repeats": 2,
    "contended_rounds": 1,
    "threads_rounds": 1,
    "w5_rows": 1024, "w5_epochs": 2, "w5_batch": 256,
    "w6_epochs": 5, "w6_batch": 32,
    "peak_budget_s": 0.3,
}


def sizes(quick=False):
    return dict(QUICK if quick else FULL)


def mnist_shaped(n=60000, seed=0):
    """W1 data: n x 784 float32 uniform in [0, 1) and n int32 labels in 0..9.

    Generated without temporaries, so the peak-memory measurement sees only the arrays."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 784), dtype=np.float32)
    y = rng.integers(0, 10, n, dtype=np.int32)
    return x, y


def breast_cancer_scaled(path=BREAST_CANCER_CSV, train_rows=455, seed=0):
    """W2 data: the breast-cancer tutorial's 455 training rows, standardised with the training
    mean/std. The CSV's first line is a header ("569,30,malignant,benign"); each row holds
    30 features and the label (0 = malignant, 1 = benign)."""
    with gzip.open(path, "rt") as f:
        rows = np.loadtxt(f, delimiter=",", skiprows=1)
    x, y = rows[:, :-1], rows[:, -1]
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order][:train_rows], y[order][:train_rows]
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    return np.ascontiguousarray(x, dtype=np.float32), y.astype(np.float32)


def wide_inputs(n=20000, seed=5):
    """W5 data: n x 784 float32 uniform in [0, 1) and n int32 labels in 0..9 (mnist_shaped's
    generator with a seed of its own)."""
    return mnist_shaped(n, seed)


def regression(n=16512, seed=0):
    """W3 data: n x 8 float32 standard normal (California-housing shaped), a smooth
    nonlinear target with a little noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype(np.float32)
    y = np.sin(x[:, 0]) + 0.5 * x[:, 1] * x[:, 2] - 0.3 * x[:, 3] ** 2 + 0.1 * rng.normal(size=n)
    return x, y.astype(np.float32)


def single_row(seed=1):
    """W4 input: one W1-shaped row."""
    return np.random.default_rng(seed).random((1, 784), dtype=np.float32)


def predict_rows(n=10000, seed=2):
    """W4 throughput input: n W1-shaped rows."""
    return np.random.default_rng(seed).random((n, 784), dtype=np.float32)


def macs_per_sample(spec):
    sizes_ = spec[0]
    return [a * b for a, b in zip(sizes_[:-1], sizes_[1:])]


def training_flops_per_sample(spec=W1):
    """FLOPs of one training step per sample: forward 2*MACs, backward dW 2*MACs, and dX
    2*MACs for every layer but the first (the input needs no gradient). With MACs = in*out per
    layer: 2*sum(in*out) + 2*sum(in*out) + 2*sum(in*out over layers 2..). Biases, activations,
    the loss and the optimizer are left out (they are O(out), not O(in*out)).

    W1: 1,126,800 per sample (67.6 GFLOP per 60,000-row epoch). W5: 31,711,232 per sample
    (634 GFLOP per 20,000-row epoch; issue 16's 698 GFLOP also counts the first layer's dX,
    6*rows*sum(in*out), which no library computes)."""
    macs = macs_per_sample(spec)
    return 2 * sum(macs) + 2 * sum(macs) + 2 * sum(macs[1:])


def forward_flops_per_sample(spec=W1):
    """FLOPs of one sample's forward pass (predict): 2*sum(in*out) (biases and activations left out)."""
    return 2 * sum(macs_per_sample(spec))


def n_params(spec):
    sizes_ = spec[0]
    return sum(a * b + b for a, b in zip(sizes_[:-1], sizes_[1:]))


def build_keras_model(keras, spec, seed=0, optimizer="adam", metrics=None):
    """A Sequential model of a spec, built and compiled with Adam (learning rate 0.001) and
    ``metrics``, for any module with the Keras API: pass ``densekit`` or ``keras`` (nothing is
    imported here)."""
    sizes_, hidden, out, loss = spec
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((sizes_[0],))]
                             + [keras.layers.Dense(n, activation=hidden) for n in sizes_[1:-1]]
                             + [keras.layers.Dense(sizes_[-1], activation=out)])
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    return model
