"""Ordinal alpha and omega (csi_model.measurement.ordinal) against psych 2.2.9 and semTools 0.5-6.

Reference: tests/reference/ordinal_reliability/make_reference.R on psych's bfi agreeableness and
conscientiousness items (complete cases, reverse-keyed items flipped; n = 2,632).
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.exceptions import DataQualityWarning

REF = Path(__file__).parent / "reference" / "ordinal_reliability"


@pytest.fixture(scope="module")
def result():
    ref = json.loads((REF / "reliability.json").read_text())
    data = pd.read_csv(REF / "bfi_keyed.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ref, cm.ordinal_reliability(cm.ModelSpec.from_syntax(ref["model"]), data), data


def test_agrees_with_semtools_and_psych(result):
    ref, rel, _ = result
    for lv in ("agree", "consc"):
        # semTools works from lavaan's estimates (1e-6 apart from ours)
        assert rel.loc[lv, "omega.latent"] == pytest.approx(ref["omega_latent"][lv], abs=1e-6)
        assert rel.loc[lv, "omega.ordinal"] == pytest.approx(ref["omega_ordinal"][lv], abs=1e-6)
        # psych's polychoric optimizer stops at ~1e-5
        assert rel.loc[lv, "alpha.ordinal"] == pytest.approx(ref["alpha_ordinal"][lv], abs=2e-5)
    assert rel.loc["agree", "items"] == "A1, A2, A3, A4, A5"


def test_alpha_is_the_standardized_alpha_of_the_polychoric_matrix(result):
    _, rel, data = result
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        R = cm.polychoric(data[["C1", "C2", "C3", "C4", "C5"]]).correlation.to_numpy()
    rbar = R[np.triu_indices(5, 1)].mean()
    assert rel.loc["consc", "alpha.ordinal"] == pytest.approx(5 * rbar / (1 + 4 * rbar), rel=1e-12)


def test_an_unflipped_item_is_warned(result):
    _, _, data = result
    raw = data.assign(A1=7 - data["A1"])        # back to bfi's reverse keying
    with pytest.warns(DataQualityWarning, match=r"agree: \['A1'\] load\(s\) with the opposite sign"):
        cm.ordinal_reliability(cm.ModelSpec.from_syntax("agree =~ A1 + A2 + A3 + A4 + A5"), raw)


def test_efa_of_polychoric_correlations_agrees_with_psych():
    ref = json.loads((REF / "efa_poly.json").read_text())
    data = pd.read_csv(REF / "bfi_keyed.csv")[ref["items"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = _efa(data)
    theirs = np.array(ref["loadings"])
    ours = res.loadings.to_numpy()
    # match factor order and sign to psych's
    if np.abs(ours[:, 0] - theirs[:, 0]).max() > np.abs(ours[:, 1] - theirs[:, 0]).max():
        ours = ours[:, ::-1]
    ours = ours * np.sign((ours * theirs).sum(axis=0))
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=2e-4)
    np.testing.assert_allclose(res.communalities.to_numpy(), ref["communality"], rtol=0, atol=2e-4)


def _efa(data):
    from csi_model.measurement.efa import efa
    return efa(data, 2, cor="polychoric")
