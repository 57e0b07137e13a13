"""Sampling-weighted ordinal alpha and omega (ordinal_reliability(..., weights=)) against
lavaan 0.6-14 (cfa(..., ordered = TRUE, sampling.weights = "w")), semTools 0.5-6's compRelSEM
and psych 2.2.9's alpha on the weighted polychoric matrix.

Reference: tests/reference/ordinal_reliability_weights/make.R on psych's bfi agreeableness and
conscientiousness items (n = 2,632, reverse-keyed items flipped) and the simulated 4-category
telecom survey (n = 1,200), each with its design weight w.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.exceptions import SurveyDataError

HERE = Path(__file__).parent / "reference"
REF = json.loads((HERE / "ordinal_reliability_weights" / "reference.json").read_text())
SRC = HERE / "lavaan_weights_groups_ordinal"


def _data(case: str) -> pd.DataFrame:
    if case == "bfi":
        d = pd.read_csv(SRC / "bfi_gender_weighted.csv").drop(columns="gender")
        for v in ("A1", "C4", "C5"):            # bfi's reverse-keyed items, as make.R
            d[v] = 7 - d[v]
        return d
    return pd.read_csv(SRC / "telecom5_weighted.csv").drop(columns="operator")


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


@pytest.fixture(scope="module", params=["bfi", "telecom"])
def case(request):
    ref = REF[request.param]
    data = _data(request.param)
    rel = _quiet(cm.ordinal_reliability, cm.ModelSpec.from_syntax(ref["model"]), data,
                 weights="w")
    return ref, data, rel


def test_weighted_polychorics_agree_with_lavaan(case):
    ref, data, _ = case
    poly = _quiet(cm.polychoric, data[ref["items"]], weights=data["w"])
    np.testing.assert_allclose(poly.correlation.to_numpy(), np.array(ref["polychoric"]),
                               rtol=0, atol=1e-6)
    tau = poly.thresholds.set_index("threshold")["tau"]
    theirs = pd.Series(ref["thresholds"])
    np.testing.assert_allclose(tau.loc[theirs.index].to_numpy(), theirs.to_numpy(),
                               rtol=0, atol=1e-6)
    # the weights matter: lavaan's unweighted matrix is farther away than the tolerance
    assert np.abs(poly.correlation.to_numpy() - np.array(ref["lavcor_unweighted"])).max() > 1e-3


def test_weighted_alpha_and_omega_agree_with_psych_and_semtools(case):
    ref, _, rel = case
    for lv, value in ref["alpha_ordinal"].items():
        assert rel.loc[lv, "alpha.ordinal"] == pytest.approx(value, rel=0, abs=1e-6)
    for col, key in (("omega.latent", "omega_latent"), ("omega.ordinal", "omega_ordinal")):
        for lv, value in ref[key].items():
            assert rel.loc[lv, col] == pytest.approx(value, rel=1e-4)
    # and they differ from the unweighted omega by more than that
    assert max(abs(rel.loc[lv, "omega.latent"] - v)
               for lv, v in ref["unweighted"]["omega_latent"].items()) > 1e-3


def test_warnings_carry_the_weighting_note_with_kish_n(case):
    ref, _, rel = case
    note = [w for w in rel.attrs["warnings"] if w.startswith("Sampling weights from column 'w'")]
    assert len(note) == 1
    assert f"rescaled to sum to the {ref['n']} respondents used" in note[0]
    assert f"Kish effective sample size {ref['kish_n']:.0f}" in note[0]


def test_unit_weights_give_the_unweighted_values():
    data = _data("telecom").assign(w=1.0)
    spec = cm.ModelSpec.from_syntax(REF["telecom"]["model"])
    weighted = _quiet(cm.ordinal_reliability, spec, data, weights="w")
    plain = _quiet(cm.ordinal_reliability, spec, data.drop(columns="w"))
    pd.testing.assert_frame_equal(weighted, plain, check_exact=False, rtol=1e-12, atol=1e-12)
    assert not any(w.startswith("Sampling weights") for w in plain.attrs["warnings"])


def test_weights_scale_does_not_matter_and_data_is_untouched():
    data = _data("telecom")
    before = data.copy()
    spec = cm.ModelSpec.from_syntax(REF["telecom"]["model"])
    a = _quiet(cm.ordinal_reliability, spec, data, weights="w")
    b = _quiet(cm.ordinal_reliability, spec, data.assign(w=data["w"] * 7.5), weights="w")
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-10, atol=1e-12)
    pd.testing.assert_frame_equal(data, before)


def test_a_survey_with_weights():
    data = _data("telecom")
    spec = cm.ModelSpec.from_syntax(REF["telecom"]["model"])
    survey = cm.read_survey(data, items=list(spec.observed))
    rel = _quiet(cm.ordinal_reliability, spec, survey, weights="w")
    for lv, value in REF["telecom"]["omega_ordinal"].items():
        assert rel.loc[lv, "omega.ordinal"] == pytest.approx(value, rel=1e-4)


@pytest.mark.parametrize("change, weights, error, match", [
    (None, "wt", SurveyDataError, r"the weight column 'wt' is not in the data"),
    (None, 3, ValueError, r"'weights' parameter of ordinal_reliability is the name of the "
                          r"weight column .* Got 3 instead"),
    (None, "SAT1", SurveyDataError, r"weight column 'SAT1' is also an item of the model"),
    ({"row": 4, "value": -1.0}, "w", SurveyDataError, r"1 negative weight\(s\)"),
    ({"row": 4, "value": np.nan}, "w", SurveyDataError, r"1 missing weight\(s\)"),
    ({"row": None, "value": 0.0}, "w", SurveyDataError, r"every weight of the 1200 rows used "
                                                        r"is zero"),
])
def test_bad_weights_are_clear_errors(change, weights, error, match):
    data = _data("telecom")
    if change is not None:
        data = data.copy()
        if change["row"] is None:
            data["w"] = change["value"]
        else:
            data.loc[change["row"], "w"] = change["value"]
    spec = cm.ModelSpec.from_syntax(REF["telecom"]["model"])
    with pytest.raises(error, match=match):
        _quiet(cm.ordinal_reliability, spec, data, weights=weights)


def test_text_weights_are_a_clear_error():
    data = _data("telecom").astype({"w": object})
    data.loc[2, "w"] = "n/a"
    spec = cm.ModelSpec.from_syntax(REF["telecom"]["model"])
    with pytest.raises(SurveyDataError, match=r"non-numeric weights \('n/a'\)"):
        _quiet(cm.ordinal_reliability, spec, data, weights="w")
