"""read_survey's shortcuts (issue 19, 1M rows) give the same results as the full checks.

* ``_nothing_implausible`` decides from the counts of an integer column's distinct answers that
  ``_implausible`` would find nothing; when it cannot be sure the full checks run. Here both are
  run on many columns: wherever the shortcut says "nothing", the full checks find nothing.
* the items are parsed into one float block: every column keeps its values, dtype and place,
  also with text items, metadata in between, reverse coding and a non-default index.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from csi_model.survey import read
from csi_model.survey.codebook import Codebook
from csi_model.survey.read import read_survey


def _full(x):
    """_implausible with the shortcut switched off."""
    saved = read._nothing_implausible
    read._nothing_implausible = lambda x: False
    try:
        return read._implausible(read._Raw(pd.DataFrame(), "s.csv", "text", 2), "Q", x.copy())
    finally:
        read._nothing_implausible = saved


def _columns():
    rng = np.random.default_rng(7)
    for _ in range(400):
        top = rng.choice([5, 7, 10, 11, 6, 100])
        lo = rng.choice([0, 1, 2])
        n = int(rng.choice([2, 3, 5, 20, 300]))
        x = rng.integers(lo, top + 1, n).astype(float)
        extra = rng.choice(["none", "code", "neg", "big", "nan", "frac", "skew"])
        k = max(1, n // 20)
        where = rng.choice(n, k)
        if extra == "code":
            x[where] = rng.choice(read._CODE_LIKE)
        elif extra == "neg":
            x[where] = -rng.integers(1, 5, k)
        elif extra == "big":
            x[where] = rng.choice([1e3, 5e4, 1e6])
        elif extra == "nan":
            x[where] = np.nan
        elif extra == "frac":
            x[where] += 0.5
        elif extra == "skew":          # the 90th percentile between two answers
            x[: int(0.9 * n)] = lo
        yield x


def test_shortcut_never_hides_a_finding():
    said_nothing = 0
    for x in _columns():
        if read._nothing_implausible(x):
            said_nothing += 1
            assert _full(x) == []
    assert said_nothing > 100          # the shortcut is taken for plain columns


def test_shortcut_on_typical_likert_columns():
    x = np.random.default_rng(1).integers(1, 11, 10_000).astype(float)
    x[::97] = np.nan
    assert read._nothing_implausible(x)
    x[::501] = 99.0                    # a 'no answer' code: looked at, and found
    assert not read._nothing_implausible(x)
    assert _full(x) and read._implausible(read._Raw(pd.DataFrame(), "s", "text", 2), "Q", x)


@pytest.mark.parametrize("index", [None, "id"])
def test_block_keeps_values_dtypes_and_column_order(index):
    df = pd.DataFrame({"id": [10, 11, 12, 13], "Q1": [1, 2, 9, 5], "wave": ["a", "b", "a", "b"],
                       "Q2": [2.0, np.nan, 4.0, 3.0], "Q3": ["1", " 4 ", "5", "2"],
                       "w": [0.5, 1.5, 1.0, 1.0]})
    if index:
        df = df.set_index(index)
    cb = Codebook.from_frame(pd.DataFrame({
        "item": ["Q1", "Q2", "Q3"], "latent": ["SAT"] * 3, "scale_min": [1] * 3,
        "scale_max": [5] * 3, "reverse": [False, False, True], "missing_codes": ["9", "9", "9"]}),
        source="cb.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = read_survey(df, cb)
    assert list(s.data.columns) == list(df.columns)
    assert list(s.data.index) == list(df.index)
    assert s.data["Q1"].tolist()[:2] == [1.0, 2.0] and np.isnan(s.data["Q1"].iloc[2])
    assert s.data["Q3"].tolist() == [5.0, 2.0, 1.0, 4.0]          # 1 + 5 - x
    assert s.data["wave"].tolist() == ["a", "b", "a", "b"]
    assert s.data["w"].tolist() == [0.5, 1.5, 1.0, 1.0]
    assert [str(t) for t in s.data.dtypes] == (
        ["int64"] * (index is None) + ["float64", "object", "float64", "float64", "float64"])
    assert df["Q3"].tolist() == ["1", " 4 ", "5", "2"]            # the input is untouched
    s.data.loc[s.data.index[0], "w"] = 99.0                        # a copy, not a view
    assert df["w"].iloc[0] == 0.5


def test_complete_cases_is_a_copy_and_the_fit_path_reads_the_data_itself():
    df = pd.DataFrame({"Q1": [1, 2, 3, 4], "Q2": [2, 3, 4, 1]})
    s = read_survey(df)
    frame, dropped = s.complete_cases()
    assert frame is not s.data and frame.equals(s.data) and len(dropped) == 0
    same, _ = s._complete(None, copy=False)
    assert same is s.data
    with_gap = read_survey(pd.DataFrame({"Q1": [1, np.nan, 3, 4], "Q2": [2, 3, 4, 1]}))
    a, da = with_gap.complete_cases()
    b, db = with_gap._complete(None, copy=False)
    assert a.equals(b) and da.equals(db) and list(da["reason"]) == ["missing Q1"]


def test_std_of_complete_rows_equals_nanstd():
    """fit's constant-item check uses np.std when no answer is missing: the same numbers."""
    rng = np.random.default_rng(0)
    for t in range(60):
        n, k = int(rng.integers(2, 3000)), int(rng.integers(1, 25))
        X = (rng.integers(1, 11, (n, k)).astype(float) if t % 3 == 0
             else rng.normal(rng.normal(0, 1e3), rng.uniform(1e-6, 1e3), (n, k)))
        if t % 3 == 2:
            X = np.asfortranarray(X)
            X[:, 0] = 7.3
        np.testing.assert_array_equal(np.std(X, axis=0), np.nanstd(X, axis=0))


def test_copied_items_screen_from_the_covariance_finds_the_same_pairs():
    from csi_model.sem.fitting import _copied_items
    rng = np.random.default_rng(2)
    cols = ["a", "b", "c", "d"]
    for t in range(40):
        X = rng.normal(size=(500, 4))
        if t % 4 == 1:
            X[:, 2] = X[:, 0]                                   # a copy
        elif t % 4 == 2:
            X[:, 3] = X[:, 1] + rng.normal(scale=5e-3, size=500)   # correlation ~0.99999
        elif t % 4 == 3:
            X[:, 3] = X[:, 1] + rng.normal(scale=3e-2, size=500)   # ~0.9996: below
        Xc = X - X.mean(axis=0)
        cov = Xc.T @ Xc / len(X)
        assert _copied_items(X, cols, cov) == _copied_items(X, cols)


def test_constant_item_check_is_unchanged():
    import csi_model as cm
    from csi_model.exceptions import SurveyDataError
    from csi_model.sem.fitting import _all_vary
    spec = cm.load_model("telecom")
    df = cm.simulate_survey(spec, n=200, seed=3)
    assert _all_vary(df[list(spec.observed)].to_numpy(float))
    df["QUAL3"] = 4
    with pytest.raises(SurveyDataError, match="'QUAL3': the item is constant"):
        cm.fit(spec, df)
    tiny = np.array([[1e-200, 1.0], [2e-200, 2.0], [3e-200, 1.5]])
    assert not _all_vary(tiny)                                   # the full check decides
