"""A hyperparameter search, three ways (issue 13): GridSearchCV over 24 candidates x 3 folds
(72 fits, then the refit) of the breast-cancer tutorial network, with

- densekit's ``SKLearnClassifier`` (``import densekit as keras``),
- Keras's ``keras.wrappers.SKLearnClassifier`` (Keras >= 3.8; the same code with ``import keras``),
- scikit-learn's ``MLPClassifier`` at matched settings: the same hidden layers (relu), Adam with
  the same learning rates, batch sizes and number of epochs (max_iter, with tol=0 and
  n_iter_no_change=inf so every epoch runs), no L2 penalty (alpha=0), shuffling.

Each library runs in its own process (each may live in its own virtualenv) with the same thread
count, on the same data: sklearn.datasets.load_breast_cancer, the tutorial's stratified 80/20
split (random_state=42) and MinMaxScaler; the search uses the 455 training rows. Prints the CPU
model, the three times and the ratios (other / densekit), the best candidate each found, and
densekit's time with n_jobs=2 (two loky workers, one thread each).

    python benchmarks/bench_search.py --keras-python /work/venv-keras13/bin/python

Set-up of the Keras side: python -m venv /work/venv-keras13 && /work/venv-keras13/bin/pip install
tensorflow-cpu scikit-learn. scikit-learn runs with this interpreter unless --sklearn-python.
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "runners"))
import _common  # noqa: E402  (standard library only: thread settings before numpy loads)

HIDDEN = [(30, 15), (30,), (15,), (60, 30)]     # (30, 15) is the tutorial's network
LEARNING_RATES = [1e-3, 3e-3, 1e-2]
BATCH_SIZES = [32, 64]                            # 4 x 3 x 2 = 24 candidates


def load_data():
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MinMaxScaler

    bc = load_breast_cancer()
    x_train, _, y_train, _ = train_test_split(bc.data, bc.target, test_size=0.2, random_state=42, stratify=bc.target)
    return MinMaxScaler().fit_transform(x_train).astype("float32"), y_train


def keras_search(keras, epochs, n_jobs):
    """The search a Keras 3 user writes; densekit runs it with ``import densekit as keras``."""
    from sklearn.model_selection import GridSearchCV

    def build(X, y, hidden, learning_rate):
        inputs = keras.Input(shape=(X.shape[1],))
        h = inputs
        for units in hidden:
            h = keras.layers.Dense(units, activation="relu")(h)
        outputs = keras.layers.Dense(y.shape[1], activation="softmax")(h)  # y arrives one-hot
        model = keras.Model(inputs, outputs)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="categorical_crossentropy")
        return model

    grid = {"model_kwargs": [{"hidden": h, "learning_rate": lr} for h in HIDDEN for lr in LEARNING_RATES],
            "fit_kwargs": [{"epochs": epochs, "batch_size": b, "verbose": 0} for b in BATCH_SIZES]}
    return GridSearchCV(keras.wrappers.SKLearnClassifier(build), grid, cv=3, n_jobs=n_jobs)


def sklearn_search(epochs, n_jobs):
    import numpy as np
    from sklearn.model_selection import GridSearchCV
    from sklearn.neural_network import MLPClassifier

    mlp = MLPClassifier(activation="relu", solver="adam", alpha=0.0, max_iter=epochs, shuffle=True, tol=0.0,
                        n_iter_no_change=np.inf, random_state=0)
    grid = {"hidden_layer_sizes": HIDDEN, "learning_rate_init": LEARNING_RATES, "batch_size": BATCH_SIZES}
    return GridSearchCV(mlp, grid, cv=3, n_jobs=n_jobs)


def run(library, epochs, n_jobs):
    """In the library's own process: one timed search; prints a JSON line."""
    import warnings

    if library == "sklearn":
        from sklearn.exceptions import ConvergenceWarning
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter reached: as intended
        search = sklearn_search(epochs, n_jobs)
        import sklearn as lib
    else:
        lib = __import__("densekit" if library == "densekit" else "keras")
        lib.utils.set_random_seed(0)  # the same initial weights run after run (not across libraries)
        search = keras_search(lib, epochs, n_jobs)
    x, y = load_data()
    start = time.perf_counter()
    search.fit(x, y)
    seconds = time.perf_counter() - start
    best = {k: (list(v.values()) if isinstance(v, dict) else v) for k, v in search.best_params_.items()}
    print(json.dumps({"library": library, "version": lib.__version__, "seconds": seconds, "n_jobs": n_jobs,
                      "fits": len(search.cv_results_["params"]) * 3 + 1, "best_score": float(search.best_score_),
                      "best_params": str(best)}))


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    except OSError:
        return "unknown (no lscpu)"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def measure(python, library, args, n_jobs=1):
    command = [python, os.path.abspath(__file__), "--run", library, "--epochs", str(args.epochs),
               "--threads", str(args.threads), "--n-jobs", str(n_jobs)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{library} failed ({' '.join(command)}):\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keras-python", default="", help="interpreter with keras>=3.8 (skipped if empty)")
    parser.add_argument("--sklearn-python", default=sys.executable, help="interpreter with scikit-learn")
    parser.add_argument("--epochs", type=int, default=100, help="epochs per fit (the tutorial's 100)")
    parser.add_argument("--threads", type=int, default=2, help="threads for every library (default 2)")
    parser.add_argument("--run", choices=["densekit", "keras", "sklearn"], help=argparse.SUPPRESS)
    parser.add_argument("--n-jobs", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    _common.set_thread_env(args.threads)
    if args.run:
        return run(args.run, args.epochs, args.n_jobs)

    print(f"CPU: {cpu_model()} ({os.cpu_count()} logical CPUs); {args.threads} threads per library; "
          f"GridSearchCV 24 candidates x 3 folds + refit, {args.epochs} epochs per fit; "
          f"load average {os.getloadavg()[0]:.2f} at start")
    results = {"densekit": measure(sys.executable, "densekit", args)}
    results["sklearn"] = measure(args.sklearn_python, "sklearn", args)
    if args.keras_python:
        results["keras"] = measure(args.keras_python, "keras", args)
    dk = results["densekit"]["seconds"]
    print(f"{'library':<26}{'time':>10}{'ratio':>10}  best CV accuracy, best candidate")
    for name, label in (("densekit", "densekit SKLearnClassifier"), ("keras", "Keras SKLearnClassifier"),
                        ("sklearn", "scikit-learn MLPClassifier")):
        if name in results:
            r = results[name]
            print(f"{label:<26}{r['seconds']:>9.2f}s{r['seconds'] / dk:>9.1f}x  {r['best_score']:.4f} "
                  f"{r['best_params']}  ({name} {r['version']})")
    parallel = measure(sys.executable, "densekit", args, n_jobs=2)
    print(f"densekit, n_jobs=2 (loky, two workers of {max(1, args.threads // 2)} thread; includes starting the "
          f"workers): {parallel['seconds']:.2f}s; load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
