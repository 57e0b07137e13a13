"""The generic bootstrap engine (csi_model.bootstrap)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from csi_model.bootstrap import BootstrapResult, bootstrap, percentile_interval, resample_indices

X = np.random.default_rng(0).gamma(2.0, size=60)


def mean_and_sd(idx):
    x = X[idx]
    return np.array([x.mean(), x.std()])


def test_estimate_and_shapes():
    res = bootstrap(mean_and_sd, X.size, B=50, seed=3, names=["mean", "sd"])
    assert isinstance(res, BootstrapResult)
    assert_allclose(res.estimate, [X.mean(), X.std()], rtol=0, atol=1e-15)
    assert res.replicates.shape == (50, 2)
    assert res.n_failed == 0 and res.B == 50
    assert list(res.to_frame().columns) == ["est", "se", "bias", "ci.lower", "ci.upper"]
    assert list(res.to_frame().index) == ["mean", "sd"]
    assert "<table" in res._repr_html_()


def test_replicate_b_uses_its_own_seed_sequence():
    res = bootstrap(mean_and_sd, X.size, B=7, seed=11)
    child = np.random.SeedSequence(11).spawn(7)[4]
    idx = np.random.default_rng(child).integers(0, X.size, size=X.size)
    assert_array_equal(res.replicates[4], mean_and_sd(idx))
    assert_array_equal(resample_indices(X.size, B=7, seed=11, which=[4])[0], idx)


def test_same_seed_same_replicates_whatever_chunking_and_jobs():
    a = bootstrap(mean_and_sd, X.size, B=40, seed=5)
    b = bootstrap(mean_and_sd, X.size, B=40, seed=5, chunk_size=3)
    c = bootstrap(mean_and_sd, X.size, B=40, seed=5, n_jobs=2, backend="threading", chunk_size=7)
    assert_array_equal(a.replicates, b.replicates)
    assert_array_equal(a.replicates, c.replicates)
    d = bootstrap(mean_and_sd, X.size, B=40, seed=6)
    assert not np.array_equal(a.replicates, d.replicates)


def test_loky_processes_give_identical_replicates():
    a = bootstrap(mean_and_sd, X.size, B=24, seed=8)
    b = bootstrap(mean_and_sd, X.size, B=24, seed=8, n_jobs=2, chunk_size=5)
    assert_array_equal(a.replicates, b.replicates)


def test_batch_form_is_used_and_matches():
    calls = []

    def stat(idx):
        return mean_and_sd(idx)

    def batch(list_of_idx):
        calls.append(len(list_of_idx))
        return np.array([mean_and_sd(i) for i in list_of_idx])

    stat.batch = batch
    a = bootstrap(stat, X.size, B=30, seed=2, chunk_size=10)
    b = bootstrap(mean_and_sd, X.size, B=30, seed=2)
    assert calls == [10, 10, 10]
    assert_array_equal(a.replicates, b.replicates)


def test_failures_are_counted_not_dropped():
    def fragile(idx):
        if np.array_equal(idx, np.arange(X.size)):
            return mean_and_sd(idx)
        if idx[0] % 3 == 0:
            raise FloatingPointError("singular")
        if idx[0] % 3 == 1:
            return np.array([np.nan, 1.0])
        return mean_and_sd(idx)

    res = bootstrap(fragile, X.size, B=60, seed=1)
    first = np.array([i[0] for i in resample_indices(X.size, B=60, seed=1)])
    expected_failed = int(np.sum(first % 3 != 2))
    assert res.n_failed == expected_failed > 0
    assert res.replicates.shape == (60, 2)
    assert np.isnan(res.replicates[first % 3 != 2]).all()
    assert "singular" in res.failure_message
    assert "failed" in res.summary_line()
    good = res.replicates[first % 3 == 2]
    assert_allclose(res.se, good.std(axis=0, ddof=0), rtol=1e-12)


def test_se_divides_by_B_like_lavaan():
    res = bootstrap(mean_and_sd, X.size, B=30, seed=4)
    assert_allclose(res.se, res.replicates.std(axis=0, ddof=0), rtol=1e-14)
    assert_allclose(np.sqrt(np.diag(res.cov())), res.se, rtol=1e-12)


def test_percentile_interpolates_like_r_boot():
    # R: lavaan's norm.inter (copied from R's boot) on t <- ((1:57)^1.5)/10
    t = (np.arange(1, 58) ** 1.5) / 10
    got = percentile_interval(t[::-1], [0.025, 0.975, 0.5, 0.1])
    assert_allclose(got, [0.19547049597099286, 42.44534061998685104, 15.61697794069006306,
                          1.40301210055997561], rtol=1e-12)


def test_bca_acceleration_of_the_mean_is_the_skewness_formula():
    res = bootstrap(lambda i: np.array([X[i].mean()]), X.size, B=300, seed=9)
    d = X - X.mean()
    a = np.sum(d ** 3) / (6 * np.sum(d ** 2) ** 1.5)
    assert_allclose(res.acceleration(), [a], rtol=1e-8)
    bca = res.ci(method="bca")
    perc = res.ci()
    assert bca.shape == (1, 2) and perc.shape == (1, 2)
    # right-skewed data: BCa shifts the interval to the right of the percentile one
    assert bca["ci.upper"].iloc[0] > perc["ci.upper"].iloc[0]
    normal = res.ci(method="normal")
    assert normal["ci.lower"].iloc[0] < X.mean() < normal["ci.upper"].iloc[0]


def test_strata_keep_group_sizes():
    groups = np.repeat(["a", "b", "c"], [10, 20, 30])
    sizes = []

    def stat(idx):
        sizes.append(np.bincount(np.searchsorted(["a", "b", "c"], groups[idx]), minlength=3))
        return np.array([idx.size], float)

    bootstrap(stat, 60, B=10, seed=1, strata=groups)
    for s in sizes:
        assert_array_equal(s, [10, 20, 30])


@pytest.mark.parametrize("kwargs, word", [
    (dict(B=0), "'B'"), (dict(backend="spark"), "'backend'"), (dict(n_jobs=0), "'n_jobs'"),
    (dict(seed=-1), "'seed'"), (dict(names=["a"]), "'names'"), (dict(strata=[1, 2]), "'strata'"),
])
def test_bad_arguments(kwargs, word):
    args = dict(B=5, seed=1)
    args.update(kwargs)
    with pytest.raises(ValueError, match=word):
        bootstrap(mean_and_sd, X.size, **args)


def test_inconsistent_length_is_a_failure():
    def stat(idx):
        return np.ones(2 if idx.size == X.size and np.array_equal(idx, np.arange(X.size)) else 3)
    res = bootstrap(stat, X.size, B=5, seed=1)
    assert res.n_failed == 5 and "same length" in res.failure_message


def test_dask_localcluster_gives_identical_replicates():
    distributed = pytest.importorskip("distributed")
    serial = bootstrap(mean_and_sd, X.size, B=30, seed=12)
    with distributed.LocalCluster(n_workers=2, processes=False, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        on_dask = bootstrap(mean_and_sd, X.size, B=30, seed=12, backend="dask", n_jobs=2,
                            chunk_size=4)
    assert_array_equal(serial.replicates, on_dask.replicates)


def test_dask_without_client_says_so():
    pytest.importorskip("distributed")
    with pytest.raises(ValueError, match="Client"):
        bootstrap(mean_and_sd, X.size, B=4, seed=1, backend="dask", n_jobs=2)


def test_to_frame_is_a_dataframe_of_numbers():
    frame = bootstrap(mean_and_sd, X.size, B=20, seed=1).to_frame(level=0.9)
    assert isinstance(frame, pd.DataFrame)
    assert all(frame[c].dtype.kind == "f" for c in frame.columns)
