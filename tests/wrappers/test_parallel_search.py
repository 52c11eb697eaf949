"""Hyperparameter search in parallel: GridSearchCV(n_jobs=2) with joblib's default backend (loky),
on a Dask LocalCluster and on Ray gives the same best_params_ and scores as n_jobs=1, and each
worker trains with the threads it is given (one each when two workers share two cores)."""

import os
import sys

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the wrappers need scikit-learn: pip install 'densekit[sklearn]'")

import joblib  # noqa: E402
import model_functions  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

import densekit as keras  # noqa: E402
from densekit.wrappers import SKLearnClassifier  # noqa: E402

GRID = {"model_kwargs": [{"hidden": 4, "learning_rate": 0.01}, {"hidden": 8, "learning_rate": 0.05}],
        "fit_kwargs": [{"epochs": 3, "verbose": 0}, {"epochs": 8, "verbose": 0}]}


def _search(x, labels, n_jobs):
    search = GridSearchCV(SKLearnClassifier(model_functions.classifier), GRID, cv=3, n_jobs=n_jobs)
    search.fit(x, labels)
    return search.best_params_, search.cv_results_["split0_test_score"], search.cv_results_["mean_test_score"]


def _assert_same(result, expected):
    assert result[0] == expected[0]
    np.testing.assert_array_equal(result[1], expected[1])
    np.testing.assert_array_equal(result[2], expected[2])


@pytest.fixture(scope="module")
def data_and_serial_result():
    rng = np.random.default_rng(1)
    index = np.repeat([0, 1, 2], 20)
    x = rng.normal(size=(60, 4)) + np.eye(3, 4)[index] * 2
    labels = np.array(["cat", "dog", "emu"])[index]
    return x, labels, _search(x, labels, n_jobs=1)


def _threads_in_worker(_):
    """The worker's process id and densekit's pool size there (what its fits run with)."""
    return os.getpid(), keras.config.get_num_threads()


def _workers_run(results, threads_each):
    assert all(pid != os.getpid() for pid, _ in results), "expected the tasks to run in worker processes"
    assert {threads for _, threads in results} == {threads_each}, f"(worker, threads): {results}"


def test_loky_search_equals_serial_search(data_and_serial_result):
    x, labels, serial = data_and_serial_result
    _assert_same(_search(x, labels, n_jobs=2), serial)


def test_slides_search_with_fit_params_in_loky_workers(regression):
    """The tf.keras 2.x form with validation_data and a callback passed through the search's
    fit: the callback and the build_fn travel to the workers, and the results equal n_jobs=1."""
    from scipy.stats import reciprocal
    from sklearn.model_selection import RandomizedSearchCV

    from densekit.wrappers.scikit_learn import KerasRegressor

    x, y = regression
    results = []
    for n_jobs in (1, 2):
        search = RandomizedSearchCV(
            KerasRegressor(model_functions.build_model, verbose=0),
            {"n_hidden": [0, 1, 2], "n_neurons": np.arange(1, 20), "learning_rate": reciprocal(3e-4, 3e-2)},
            n_iter=4, cv=3, random_state=0, n_jobs=n_jobs)
        search.fit(x[:45], y[:45], epochs=5, validation_data=(x[45:], y[45:]),
                   callbacks=[keras.callbacks.EarlyStopping(patience=2)])
        results.append((search.best_params_, search.cv_results_["mean_test_score"]))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_loky_workers_share_the_cores():
    """joblib gives each of n_jobs loky workers cpu_count // n_jobs threads (OMP_NUM_THREADS),
    which densekit's pool takes as its size: one each for two workers on two cores."""
    results = joblib.Parallel(n_jobs=2)(joblib.delayed(_threads_in_worker)(i) for i in range(8))
    _workers_run(results, threads_each=max(1, joblib.cpu_count() // 2))


def test_dask_search_equals_serial_search(data_and_serial_result):
    pytest.importorskip("dask.distributed", reason="Dask is an optional extra: pip install 'densekit[dask]'")
    from dask.distributed import Client, LocalCluster

    x, labels, serial = data_and_serial_result
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster), joblib.parallel_backend("dask"):
        result = _search(x, labels, n_jobs=-1)
        threads = joblib.Parallel()(joblib.delayed(_threads_in_worker)(i) for i in range(8))
    _assert_same(result, serial)
    _workers_run(threads, threads_each=1)  # one thread per worker, as threads_per_worker=1 says


def test_ray_search_equals_serial_search(data_and_serial_result):
    ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'densekit[ray]'")
    from ray.util.joblib import register_ray

    x, labels, serial = data_and_serial_result
    register_ray()
    # Ray's workers do not get the test directory on sys.path: ship the model functions by value.
    for module in (model_functions, sys.modules[__name__]):
        ray.cloudpickle.register_pickle_by_value(module)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        with joblib.parallel_backend("ray"):
            result = _search(x, labels, n_jobs=-1)
            threads = joblib.Parallel()(joblib.delayed(_threads_in_worker)(i) for i in range(8))
    finally:
        ray.shutdown()
        for module in (model_functions, sys.modules[__name__]):
            ray.cloudpickle.unregister_pickle_by_value(module)
    _assert_same(result, serial)
    _workers_run(threads, threads_each=1)  # Ray gives each task OMP_NUM_THREADS=1 (num_cpus=1)
