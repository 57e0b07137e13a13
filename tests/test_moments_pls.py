"""Moments by group and by missing-data pattern (survey_moments(by=, patterns=)), and PLS and
the 0-100 index from them (csi_model/pls/_moments.py) against the same fits from the rows."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.exceptions import EstimationError, SurveyDataError

dd = pytest.importorskip("dask.dataframe")

SPEC = cm.load_model("telecom")
ITEMS = list(SPEC.observed)
TOL = dict(rtol=0, atol=1e-10)


@pytest.fixture(scope="module")
def survey():
    df = cm.simulate_survey(SPEC, n=2400, seed=11, missing_rate=0.02, missing_codes=99)
    df["operator"] = np.random.default_rng(3).choice(["China Mobile", "China Telecom",
                                                      "China Unicom"], size=len(df))
    return df


@pytest.fixture(scope="module")
def moments(survey):
    return cm.survey_moments(dd.from_pandas(survey, npartitions=6), ITEMS, missing_codes=[99],
                             by="operator", patterns=True)


def _rows(df):
    return df[ITEMS].replace(99, np.nan).to_numpy(dtype=float)


def _quiet(f, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*a, **k)


# ------------------------------------------------------------------ the moments themselves
def test_group_pattern_and_range_moments_agree_with_numpy(survey, moments):
    x = _rows(survey)
    obs = ~np.isnan(x)
    np.testing.assert_array_equal(moments.minimum, np.nanmin(x, axis=0))
    np.testing.assert_array_equal(moments.maximum, np.nanmax(x, axis=0))
    # per group, listwise
    assert list(moments.groups) == sorted(survey.operator.unique())
    for g, mg in moments.groups.items():
        xg = x[(survey.operator == g).to_numpy()]
        comp = xg[~np.isnan(xg).any(axis=1)]
        assert mg.n_read == len(xg) and mg.n == len(comp)
        np.testing.assert_allclose(mg.mean, comp.mean(axis=0), **TOL)
        np.testing.assert_allclose(mg.cov, np.cov(comp, rowvar=False, bias=True), **TOL)
    assert sum(mg.n_read for mg in moments.groups.values()) == moments.n_read == len(survey)
    # per pattern, pooled
    pm = moments.patterns
    pats, inverse = np.unique(obs, axis=0, return_inverse=True)
    assert len(pm.counts) == len(pats) and pm.counts.sum() == len(x)
    assert pm.masks[0].all() and pm.counts[0] == moments.n
    for k in range(len(pm.counts)):
        rows = (obs == pm.masks[k]).all(axis=1)
        xs = x[rows][:, pm.masks[k]]
        assert pm.counts[k] == rows.sum()
        np.testing.assert_allclose(pm.means[k, pm.masks[k]], xs.mean(axis=0), **TOL)
        assert np.isnan(pm.means[k, ~pm.masks[k]]).all()
        c = xs - xs.mean(axis=0)
        np.testing.assert_allclose(pm.m2[k][np.ix_(pm.masks[k], pm.masks[k])], c.T @ c,
                                   rtol=0, atol=1e-9)


def test_pandas_dask_and_parquet_give_the_same_cells(survey, moments, tmp_path):
    for k, chunk in enumerate(np.array_split(survey, 3)):
        chunk.to_parquet(tmp_path / f"part{k}.parquet")
    for other in (cm.survey_moments(survey, ITEMS, missing_codes=[99], by="operator",
                                    patterns=True),
                  cm.survey_moments(str(tmp_path / "*.parquet"), ITEMS, missing_codes=[99],
                                    by="operator", patterns=True)):
        assert set(other._cells) == set(moments._cells)
        for key, (n, mean, m2) in moments._cells.items():
            n2, mean2, m22 = other._cells[key]
            assert n == n2
            np.testing.assert_allclose(mean2, mean, **TOL)
            np.testing.assert_allclose(m22, m2, rtol=0, atol=1e-9)


def test_pattern_merges_keep_their_precision_far_from_zero():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20000, 3)) + 1e8
    x[rng.random(x.shape) < 0.1] = np.nan
    df = pd.DataFrame(x, columns=list("abc"))
    m = cm.survey_moments(dd.from_pandas(df, npartitions=7), list("abc"), patterns=True)
    pm = m.patterns
    for k in range(len(pm.counts)):
        rows = (~np.isnan(x) == pm.masks[k]).all(axis=1)
        xs = x[rows][:, pm.masks[k]] - 1e8                 # exact in floating point
        c = xs - xs.mean(axis=0)
        # the means themselves are known to ~1e-8 at 1e8 (float64): 1e-7 relative is the floor
        np.testing.assert_allclose(pm.m2[k][np.ix_(pm.masks[k], pm.masks[k])], c.T @ c,
                                   rtol=1e-7, atol=0)
        if k == 0:                                         # the complete rows (14,600)
            raw = x[rows]
            naive = raw.T @ raw - len(raw) * np.outer(raw.mean(0), raw.mean(0))
            assert np.abs(naive - c.T @ c).max() > 1000    # what raw cross-products give


def test_listwise_on_a_subset_is_exact_with_patterns(survey, moments):
    sub = ITEMS[:7]
    x = _rows(survey)[:, :7]
    comp = x[~np.isnan(x).any(axis=1)]
    lw = moments.listwise(sub)
    assert lw.n == len(comp) and lw.n_read == len(survey)
    np.testing.assert_allclose(lw.cov, np.cov(comp, rowvar=False, bias=True), **TOL)
    plain = cm.survey_moments(survey, ITEMS, missing_codes=[99])
    with pytest.raises(SurveyDataError, match=r"patterns=True"):
        plain.listwise(sub)


# ------------------------------------------------------------------ PLS from moments
@pytest.mark.parametrize("missing", ["listwise", "mean", "em"])
def test_fit_pls_from_moments_equals_the_fit_from_rows(survey, moments, missing):
    rows = _quiet(cm.fit_pls, SPEC, survey, missing=missing, missing_codes=[99])
    mom = _quiet(cm.fit_pls, SPEC, moments, missing=missing)
    assert (mom.n, mom.n_total, mom.missing) == (rows.n, rows.n_total, rows.missing)
    assert mom.n_total == len(survey) and (mom.n < mom.n_total) == (missing == "listwise")
    pd.testing.assert_frame_equal(mom.estimates[["lhs", "op", "rhs"]],
                                  rows.estimates[["lhs", "op", "rhs"]])
    np.testing.assert_allclose(mom.estimates["est"], rows.estimates["est"], **TOL)
    np.testing.assert_allclose(mom.estimates["std.all"], rows.estimates["std.all"], **TOL)
    for col in ("weight", "loading", "weight.raw", "mean", "sd", "communality"):
        np.testing.assert_allclose(mom.outer[col], rows.outer[col], **TOL)
    np.testing.assert_allclose(mom.paths["est"], rows.paths["est"], **TOL)
    np.testing.assert_allclose(mom.r2, rows.r2, **TOL)
    np.testing.assert_allclose(mom.effects["total"], rows.effects["total"], **TOL)
    np.testing.assert_allclose(mom.latent_cor, rows.latent_cor, **TOL)
    np.testing.assert_allclose(mom.cross_loadings, rows.cross_loadings, **TOL)
    assert mom.gof == pytest.approx(rows.gof, abs=1e-10)
    assert mom.iterations == rows.iterations
    assert any(w.split(":")[0] in mom.warnings[0] for w in rows.warnings)   # same kind of note


def test_other_options_from_moments(survey):
    plain = cm.survey_moments(dd.from_pandas(survey, npartitions=3), ITEMS, missing_codes=[99])
    for kwargs in ({"scheme": "centroid"}, {"consistent": True}, {"scaled": False},
                   {"mode": {"QUAL": "B"}}):
        rows = _quiet(cm.fit_pls, SPEC, survey, missing_codes=[99], **kwargs)
        mom = _quiet(cm.fit_pls, SPEC, plain, **kwargs)
        np.testing.assert_allclose(mom.estimates["est"], rows.estimates["est"], **TOL)
        np.testing.assert_allclose(mom.r2, rows.r2, **TOL)


@pytest.mark.parametrize("missing", ["listwise", "mean", "em"])
def test_csi_index_by_group_from_moments_equals_the_index_from_rows(survey, moments, missing):
    rows = _quiet(cm.csi_index, SPEC, survey, scale=(1, 10), by="operator", missing=missing,
                  missing_codes=[99])
    mom = _quiet(cm.csi_index, SPEC, moments, scale=(1, 10), by="operator", missing=missing)
    pd.testing.assert_frame_equal(mom.table[["group", "latent", "n"]],
                                  rows.table[["group", "latent", "n"]])
    assert len(mom.table) == 4 * len(SPEC.latents)
    np.testing.assert_allclose(mom.table["index"], rows.table["index"], **TOL)
    for col in ("weight.raw", "weight.index", "mean", "performance"):
        np.testing.assert_allclose(mom.weights[col], rows.weights[col], **TOL)
    for col in ("total_effect", "importance", "impact"):
        np.testing.assert_allclose(mom.impacts[col], rows.impacts[col], **TOL)
    np.testing.assert_allclose(mom.ipma[["importance", "performance"]],
                               rows.ipma[["importance", "performance"]], **TOL)
    # the pooled fit's index, given the PLSResult from moments
    pls = _quiet(cm.fit_pls, SPEC, moments, missing=missing)
    again = cm.csi_index(pls, scale=(1, 10))
    np.testing.assert_allclose(again.overall(), rows.overall(), **TOL)


def test_what_needs_rows_is_refused_with_the_way_out(survey, moments):
    pls = _quiet(cm.fit_pls, SPEC, moments)
    index = _quiet(cm.csi_index, pls, scale=(1, 10), by="operator")
    calls = {
        "PLSResult.scores": lambda: pls.scores,
        "Resampling": lambda: cm.bootstrap_pls(pls, B=10, seed=1),
        "pls_predict": lambda: cm.pls_predict(pls),
        "fimix_pls": lambda: cm.fimix_pls(pls, K=2, seed=1),
        r"fit_pls\(bootstrap=": lambda: cm.fit_pls(SPEC, moments, bootstrap=10, seed=1),
        r"csi_index\(bootstrap=": lambda: cm.csi_index(pls, scale=(1, 10), bootstrap=10,
                                                       seed=1),
        "IndexResult.scores": lambda: index.scores.mean(),
        r"weights=": lambda: cm.fit_pls(SPEC, moments, weights="operator"),
    }
    for what, call in calls.items():
        with pytest.raises(EstimationError, match=what + r".*needs the respondents' rows.*"
                                                         r"Pass the DataFrame"):
            call()
    with pytest.raises(ValueError, match="Pass missing_codes to survey_moments"):
        cm.fit_pls(SPEC, moments, missing_codes=[99])


def test_moments_that_cannot_reproduce_the_fit_are_refused(survey, moments):
    plain = cm.survey_moments(survey, ITEMS, missing_codes=[99])
    for missing in ("mean", "em"):
        with pytest.raises(SurveyDataError, match=f"missing='{missing}'.*patterns=True"):
            _quiet(cm.fit_pls, SPEC, plain, missing=missing)
    acsi = cm.load_model("acsi")          # fewer items than the moments: listwise differs
    with pytest.raises(SurveyDataError, match="listwise deletion over the items"):
        _quiet(cm.fit_pls, acsi, plain)
    exact = _quiet(cm.fit_pls, acsi, moments)          # with the patterns it is exact
    rows = _quiet(cm.fit_pls, acsi, survey, missing_codes=[99])
    np.testing.assert_allclose(exact.estimates["est"], rows.estimates["est"], **TOL)
    with pytest.raises(SurveyDataError, match=r"survey_moments\(..., by='wave'\)"):
        cm.csi_index(_quiet(cm.fit_pls, SPEC, moments), scale=(1, 10), by="wave")


def test_answers_outside_the_scale_are_caught_from_min_and_max(survey):
    raw = cm.survey_moments(survey, ITEMS)                  # 99 not declared missing
    assert raw.maximum.max() == 99
    with pytest.raises(SurveyDataError, match=r"outside the scale.*'IMAG1' ranges over 1-99"):
        cm.fit_pls(SPEC, raw, scale=(1, 10))
    with pytest.raises(SurveyDataError, match="outside the scale given to csi_index"):
        _quiet(cm.csi_index, SPEC, raw, scale=(1, 10))
    with pytest.raises(SurveyDataError, match="needs the items' answer scale.*1-99"):
        _quiet(cm.csi_index, SPEC, raw)


def test_cbsem_from_pattern_moments_on_fewer_items(survey, moments):
    acsi = cm.load_model("acsi")
    rows = _quiet(cm.fit, acsi, survey[list(acsi.observed)].replace(99, np.nan))
    mom = _quiet(cm.fit, acsi, moments)
    assert mom.n == rows.n
    np.testing.assert_allclose(mom.estimates["est"], rows.estimates["est"], rtol=0, atol=1e-9)
    assert mom.fit_measures["chisq"] == pytest.approx(rows.fit_measures["chisq"], rel=1e-9)


def test_groups_and_patterns_on_a_distributed_cluster(survey, moments):
    distributed = pytest.importorskip("distributed")
    with distributed.Client(distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                                     processes=False, dashboard_address=None)):
        m = cm.survey_moments(dd.from_pandas(survey, npartitions=4), ITEMS, missing_codes=[99],
                              by="operator", patterns=True)
    em_a = _quiet(cm.csi_index, SPEC, m, scale=(1, 10), by="operator", missing="em")
    em_b = _quiet(cm.csi_index, SPEC, moments, scale=(1, 10), by="operator", missing="em")
    np.testing.assert_allclose(em_a.table["index"], em_b.table["index"], **TOL)


def test_read_survey_with_the_dask_engine(survey, moments, tmp_path):
    for k, chunk in enumerate(np.array_split(survey, 3)):
        chunk.to_parquet(tmp_path / f"part{k}.parquet")
    glob = str(tmp_path / "*.parquet")
    ddf = cm.read_survey(glob, engine="dask", items=ITEMS, missing_codes=[99], scale=(1, 10))
    assert ddf.npartitions == 3 and "operator" in ddf.columns
    m = cm.survey_moments(ddf, ITEMS, by="operator", patterns=True)
    assert set(m._cells) == set(moments._cells) and m.n == moments.n
    np.testing.assert_allclose(m.cov, moments.cov, **TOL)
    lazy = cm.read_survey(glob, engine="dask", items=ITEMS, scale=(1, 10))   # 99 undeclared
    with pytest.raises(SurveyDataError, match=r"Partition \d, row \d+, column '\w+': 99 is "
                                              r"outside the scale 1-10"):
        cm.survey_moments(lazy, ITEMS)
    with pytest.raises(ValueError, match="takes items, missing_codes and scale only; got "
                                         "codebook"):
        cm.read_survey(glob, engine="dask", codebook="telecom")
    with pytest.raises(ValueError, match="'engine' parameter of read_survey"):
        cm.read_survey(glob, engine="spark")
