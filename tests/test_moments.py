"""Survey moments partition by partition (csi_model.survey.moments) against numpy in memory."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.exceptions import SurveyDataError

dd = pytest.importorskip("dask.dataframe")

SPEC = cm.load_model("telecom")
ITEMS = list(SPEC.observed)


@pytest.fixture(scope="module")
def survey():
    df = cm.simulate_survey(SPEC, n=3000, seed=5, missing_rate=0.01, missing_codes=99)
    return df


def _reference(df):
    x = df[ITEMS].replace(99, np.nan).dropna().to_numpy(dtype=float)
    return len(x), x.mean(axis=0), np.cov(x, rowvar=False, bias=True)


@pytest.mark.parametrize("npartitions", [1, 3, 16])
def test_dask_partitions_agree_with_numpy(survey, npartitions):
    n, mean, cov = _reference(survey)
    m = cm.survey_moments(dd.from_pandas(survey, npartitions=npartitions), ITEMS,
                          missing_codes=[99])
    assert m.n == n and m.n_read == len(survey) and m.partitions == npartitions
    np.testing.assert_allclose(m.mean, mean, rtol=0, atol=1e-12)
    np.testing.assert_allclose(m.cov, cov, rtol=0, atol=1e-12)
    assert m.n_dropped == len(survey) - n > 0


def test_parquet_and_csv_globs(survey, tmp_path):
    n, mean, cov = _reference(survey)
    for k, chunk in enumerate(np.array_split(survey, 4)):
        chunk.to_parquet(tmp_path / f"part{k}.parquet")
        chunk.to_csv(tmp_path / f"part{k}.csv", index=False)
    for pattern in ("*.parquet", "*.csv"):
        m = cm.survey_moments(str(tmp_path / pattern), ITEMS, missing_codes=[99])
        assert m.n == n and m.partitions == 4
        np.testing.assert_allclose(m.cov, cov, rtol=0, atol=1e-12)
        np.testing.assert_allclose(m.mean, mean, rtol=0, atol=1e-12)


def test_precision_does_not_depend_on_the_location():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20000, 3)) + 1e8        # raw sums of squares lose everything here
    df = pd.DataFrame(x, columns=list("abc"))
    m = cm.survey_moments(dd.from_pandas(df, npartitions=7), list("abc"))
    exact = np.cov(x - 1e8, rowvar=False, bias=True)   # x - 1e8 is exact in floating point
    np.testing.assert_allclose(m.cov, exact, rtol=0, atol=1e-7)
    naive = x.T @ x / len(x) - np.outer(x.mean(0), x.mean(0))
    assert np.abs(naive - exact).max() > 1.0             # what raw cross-products would give


def test_on_a_distributed_cluster(survey):
    distributed = pytest.importorskip("distributed")
    n, mean, cov = _reference(survey)
    with distributed.Client(distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                                     processes=False, dashboard_address=None)):
        m = cm.survey_moments(dd.from_pandas(survey, npartitions=6), ITEMS, missing_codes=[99])
    np.testing.assert_allclose(m.cov, cov, rtol=0, atol=1e-12)


def test_bad_partitions_are_named(survey):
    bad = survey.copy()
    bad[ITEMS[0]] = bad[ITEMS[0]].astype(object)
    bad.iloc[2500, 0] = "seven"
    with pytest.raises(SurveyDataError, match=r"Partition \d, row 2500, column 'IMAG1': 'seven'"):
        cm.survey_moments(dd.from_pandas(bad, npartitions=3), ITEMS)
    inf = survey.astype(float)
    inf.iloc[10, 3] = np.inf
    with pytest.raises(SurveyDataError, match="must be finite"):
        cm.survey_moments(inf, ITEMS)
    with pytest.raises(SurveyDataError, match=r"\['NOPE'\] are not columns"):
        cm.survey_moments(survey, ITEMS + ["NOPE"])
    before = survey.copy()
    cm.survey_moments(survey, ITEMS, missing_codes=[99])
    pd.testing.assert_frame_equal(survey, before)


def test_fit_from_moments_equals_the_fit_from_rows(survey):
    rows = survey[ITEMS].replace(99, np.nan)
    in_memory = cm.fit(SPEC, rows)                      # listwise, from the rows
    m = cm.survey_moments(dd.from_pandas(survey, npartitions=5), ITEMS, missing_codes=[99])
    from_moments = cm.fit(SPEC, m)
    np.testing.assert_allclose(from_moments.estimates["est"], in_memory.estimates["est"],
                               rtol=0, atol=1e-10)
    np.testing.assert_allclose(from_moments.estimates["se"], in_memory.estimates["se"],
                               rtol=1e-10, atol=1e-12)
    for k in ("chisq", "df", "cfi", "tli", "rmsea", "srmr", "logl", "bic"):
        assert from_moments.fit_measures[k] == pytest.approx(in_memory.fit_measures[k],
                                                             rel=1e-10, abs=1e-10)
    assert from_moments.n == in_memory.n and from_moments.n_total == len(survey)
    assert any("left out of the moments" in w for w in from_moments.warnings)


def test_fit_from_moments_refuses_what_needs_rows(survey):
    from csi_model.exceptions import EstimationError
    m = cm.survey_moments(survey, ITEMS, missing_codes=[99])
    for kwargs in ({"estimator": "MLR"}, {"missing": "fiml"}, {"bootstrap": 10, "seed": 1}):
        with pytest.raises(EstimationError, match="needs the respondents' rows"):
            cm.fit(SPEC, m, **kwargs)


def test_estimators_without_a_moments_path_refuse_them_clearly(survey):
    """fit, fit_pls and csi_index work from moments (tests/test_moments_pls.py); the others
    say so and name the way out, instead of a TypeError from read_survey."""
    m = cm.survey_moments(survey, ITEMS, missing_codes=[99])
    with pytest.raises(SurveyDataError, match="measurement needs the respondents' answers.*"
                                              "cm.fit_pls and cm.csi_index work from moments"):
        cm.measurement(SPEC, m)
