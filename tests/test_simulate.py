"""Tests of csi_model.survey.simulate: determinism, Likert answers, population moments, errors."""
from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pytest

from csi_model.exceptions import ModelSpecError
from csi_model.survey.simulate import (Population, make_demo_survey, simulate_survey,
                                telecom_population)
from csi_model.model.spec import ModelSpec, load_model


def implied_sigma(spec: ModelSpec, pop: Population) -> pd.DataFrame:
    """Lambda (I-B)^-1 Psi (I-B)^-T Lambda' + Theta, written here independently of the module.

    The residual variances are found by fixed-point iteration on diag(Phi) = 1 (not in
    topological order as the module does), so the two computations share nothing but the
    model and the population.
    """
    lat = list(spec.latents)
    m = len(lat)
    beta = np.zeros((m, m))
    for (a, b), v in pop.paths.items():
        beta[lat.index(b), lat.index(a)] = v
    psi = np.eye(m)
    for (a, b), r in pop.exogenous_corr.items():
        psi[lat.index(a), lat.index(b)] = psi[lat.index(b), lat.index(a)] = r
    inv = np.linalg.inv(np.eye(m) - beta)
    endo = [lat.index(lv) for lv in spec.endogenous_latents]
    for _ in range(200):
        phi = inv @ psi @ inv.T
        for j in endo:
            psi[j, j] += 1 - phi[j, j]
    phi = inv @ psi @ inv.T
    np.testing.assert_allclose(np.diag(phi), 1, atol=1e-12)
    items = list(spec.observed)
    lam = np.zeros((len(items), m))
    for lv, inds in spec.indicators.items():
        for it in inds:
            lam[items.index(it), lat.index(lv)] = pop.loadings[it]
    theta = np.diag([1 - pop.loadings[i] ** 2 for i in items])
    return pd.DataFrame(lam @ phi @ lam.T + theta, index=items, columns=items)


# ------------------------------------------------------------------ determinism and shape
def test_same_seed_same_frame_other_seed_other_frame():
    a = simulate_survey(n=200, seed=7)
    b = simulate_survey(n=200, seed=7)
    c = simulate_survey(n=200, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_default_is_telecom_likert_int64():
    df = simulate_survey(n=1000, seed=3)
    assert list(df.columns) == list(load_model("telecom").observed)
    assert (df.dtypes == np.int64).all()
    assert df.min().min() >= 1 and df.max().max() <= 10
    # answers cover the scale and are top-heavy (mean above the midpoint)
    assert set(np.unique(df.to_numpy())) == set(range(1, 11))
    assert 6 < df.mean().mean() < 8


def test_item_means_follow_population():
    pop = telecom_population()
    df = simulate_survey(n=20000, seed=11)
    for item, mean in pop.item_means.items():
        assert abs(df[item].mean() - mean) < 0.05, item


def test_other_scale_is_rescaled():
    df = simulate_survey(n=5000, seed=4, scale=(1, 5))
    assert df.min().min() >= 1 and df.max().max() <= 5
    assert set(np.unique(df.to_numpy())) == {1, 2, 3, 4, 5}
    # a mean of 7 on 1-10 is 1 + 6 * 4/9 = 3.67 on 1-5
    assert abs(df["SAT2"].mean() - (1 + (6.9 - 1) * 4 / 9)) < 0.05


def test_input_is_not_changed():
    spec = load_model("telecom")
    pop = telecom_population()
    before = (spec.to_syntax(), dict(pop.paths), dict(pop.loadings))
    simulate_survey(spec, n=50, seed=1, population=pop)
    assert before == (spec.to_syntax(), dict(pop.paths), dict(pop.loadings))


# ------------------------------------------------------------------ population moments
@pytest.mark.parametrize("model", ["telecom", "acsi", "ecsi"])
def test_continuous_items_have_the_implied_correlations(model):
    spec = load_model(model)
    pop = telecom_population() if model == "telecom" else Population.default_for(spec)
    df = simulate_survey(spec, n=20000, seed=2026, population=pop, continuous=True)
    sigma = implied_sigma(spec, pop)
    np.testing.assert_allclose(df.corr().to_numpy(), sigma.to_numpy(), rtol=0, atol=0.03)
    np.testing.assert_allclose(df.mean().to_numpy(), 0, rtol=0, atol=0.03)
    np.testing.assert_allclose(df.std().to_numpy(), 1, rtol=0, atol=0.03)
    # and the module's own implied matrix agrees with the independent computation
    np.testing.assert_allclose(pop.implied_correlation(spec).to_numpy(), sigma.to_numpy(),
                               rtol=0, atol=1e-12)


def test_correlated_exogenous_latents():
    spec = ModelSpec.from_syntax("A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3\nC =~ c1 + c2\nC ~ A + B")
    pop = Population(loadings={i: .9 for i in spec.observed}, paths={("A", "C"): .4, ("B", "C"): .4},
                     exogenous_corr={("A", "B"): .5})
    assert pop.residual_variances(spec)["C"] == pytest.approx(1 - (.16 + .16 + 2 * .16 * .5))
    df = simulate_survey(spec, n=20000, seed=5, population=pop, continuous=True)
    np.testing.assert_allclose(df.corr().to_numpy(), implied_sigma(spec, pop).to_numpy(),
                               rtol=0, atol=0.03)


def test_likert_items_keep_the_correlation_structure():
    # discretization attenuates correlations a little, never changes their sign or order
    spec = load_model("telecom")
    df = simulate_survey(n=20000, seed=9)
    sigma = implied_sigma(spec, telecom_population()).to_numpy()
    r = df.corr().to_numpy()
    off = ~np.eye(len(r), dtype=bool)
    assert np.corrcoef(r[off], sigma[off])[0, 1] > 0.99
    np.testing.assert_allclose(r[off], sigma[off], rtol=0, atol=0.08)


# ------------------------------------------------------------------ missing data
def test_missing_rate_nan():
    df = simulate_survey(n=400, seed=2, missing_rate=0.05)
    assert df.dtypes.eq(np.float64).all()
    frac = df.isna().to_numpy().mean()
    assert frac == pytest.approx(0.05, abs=0.001)
    # completely at random: spread over items and respondents
    assert df.isna().mean().between(0.01, 0.10).all()
    obs = df.to_numpy()[~np.isnan(df.to_numpy())]
    assert np.array_equal(obs, np.round(obs)) and obs.min() >= 1 and obs.max() <= 10


def test_missing_does_not_change_the_answers_that_remain():
    full = simulate_survey(n=300, seed=6)
    holes = simulate_survey(n=300, seed=6, missing_rate=0.1)
    mask = holes.notna()
    assert (full[mask] == holes[mask]).sum().sum() == mask.sum().sum()


def test_missing_codes():
    df = simulate_survey(n=500, seed=3, missing_rate=0.02, missing_codes=99)
    assert (df.dtypes == np.int64).all()
    assert (df == 99).to_numpy().mean() == pytest.approx(0.02, abs=0.001)
    assert df[df != 99].max().max() <= 10
    two = simulate_survey(n=500, seed=3, missing_rate=0.1, missing_codes=[98, 99])
    codes = two.to_numpy()[two.to_numpy() > 10]
    assert set(codes) == {98, 99}


# ------------------------------------------------------------------ demo survey
def test_demo_csv_is_make_demo_survey():
    committed = (resources.files("csi_model.data") / "telecom_demo.csv").read_bytes()
    fresh = make_demo_survey().to_csv(index=False, lineterminator="\n").encode("utf-8")
    assert committed == fresh, ("csi_model/data/telecom_demo.csv differs from make_demo_survey(); "
                                "regenerate it (see make_demo_survey's docstring).")


def test_demo_layout():
    demo = make_demo_survey()
    assert list(demo.columns[:3]) == ["respondent_id", "operator", "wave"]
    assert demo.respondent_id.tolist() == list(range(1, 601))
    assert demo.groupby(["operator", "wave"]).size().eq(100).all()
    answers = demo.iloc[:, 3:]
    assert (answers == 99).to_numpy().mean() == pytest.approx(0.01, abs=0.001)
    assert answers[answers != 99].stack().between(1, 10).all()


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("kwargs, message", [
    (dict(n=-3), "The 'n' argument of simulate_survey must be an integer >= 2. Got -3 instead."),
    (dict(n=2.5), "The 'n' argument of simulate_survey must be an integer >= 2. Got 2.5 instead."),
    (dict(seed="x"), "The 'seed' argument of simulate_survey must be a non-negative integer"),
    (dict(scale=(10, 1)), "The 'scale' argument of simulate_survey must be a pair of integers"),
    (dict(missing_rate=1.5), "The 'missing_rate' argument of simulate_survey must be a number in [0, 1)."),
    (dict(missing_codes=5), "The 'missing_codes' argument of simulate_survey must be outside"),
    (dict(missing_codes="99"), "The 'missing_codes' argument of simulate_survey must be an integer"),
    (dict(continuous=True, missing_codes=99), "applies to Likert answers only"),
    (dict(population={"a": 1}), "The 'population' argument of simulate_survey must be a Population"),
])
def test_argument_errors(kwargs, message):
    kwargs = dict(dict(n=10, seed=1), **kwargs)
    with pytest.raises(ValueError) as exc:
        simulate_survey(**kwargs)
    assert message in str(exc.value)


def test_seed_is_required():
    with pytest.raises(TypeError):
        simulate_survey(n=10)  # type: ignore[call-arg]


def test_population_path_not_in_model():
    with pytest.raises(ModelSpecError, match=r"'SAT ~ IMAG'.*not in the model 'acsi'"):
        simulate_survey("acsi", n=10, seed=1, population=telecom_population())


def test_population_missing_path_or_loading():
    spec = ModelSpec.from_syntax("A =~ a1 + a2\nB =~ b1 + b2\nB ~ A")
    with pytest.raises(ModelSpecError, match=r"no value for the path\(s\) 'B ~ A'"):
        simulate_survey(spec, n=10, seed=1,
                        population=Population(loadings={i: .8 for i in spec.observed}, paths={}))
    with pytest.raises(ModelSpecError, match=r"no loading for the item\(s\) 'b2'"):
        simulate_survey(spec, n=10, seed=1, population=Population(
            loadings={"a1": .8, "a2": .8, "b1": .8}, paths={("A", "B"): .3}))


def test_population_explaining_more_than_all_variance():
    spec = ModelSpec.from_syntax("A =~ a1 + a2\nB =~ b1 + b2\nC =~ c1 + c2\nC ~ A + B")
    pop = Population(loadings={i: .8 for i in spec.observed}, paths={("A", "C"): .8, ("B", "C"): .8})
    with pytest.raises(ModelSpecError, match=r"paths into 'C'.*explain 1.280 of its variance"):
        simulate_survey(spec, n=10, seed=1, population=pop)


def test_population_value_errors():
    with pytest.raises(ValueError, match="loading of 'x' must be a number in"):
        Population(loadings={"x": 1.2}, paths={})
    with pytest.raises(ValueError, match="mean of 'x' must lie strictly inside"):
        Population(loadings={"x": .8}, paths={}, item_means={"x": 10})


def test_default_for_generic_model():
    spec = load_model("ecsi")
    pop = Population.default_for(spec)
    assert set(pop.paths) == set(spec.structural_paths)
    assert set(pop.paths.values()) == {0.3}
    df = simulate_survey(spec, n=50, seed=1)
    assert list(df.columns) == list(spec.observed)
