"""The China Mobile satisfaction study (model ``cmcc``): a population and a simulated fieldwork.

:func:`cmcc_population` gives plausible true values for the bundled ``cmcc`` model (answers
1-5; the item means put overall satisfaction near 70 and loyalty near 63 on the 0-100
index, the levels the study reports). :func:`simulate_cmcc_fieldwork` draws the returned
questionnaires of a study of the same size (320 distributed, 290 returned, 286 valid) with
:func:`~csi_model.survey.simulate.simulate_survey`: 286 valid questionnaires, a few "cannot
answer" (code 6) answers, and four invalid ones - one mostly "cannot answer", one
straight-lined, one duplicate, one speeder - with ``respondent_id`` and ``duration`` (seconds)
columns. The data are simulated: no answer of the real study is reproduced.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..model.spec import load_model
from .simulate import Population, simulate_survey

__all__ = ["cmcc_population", "simulate_cmcc_fieldwork", "CMCC_SIZES"]

#: Questionnaires distributed, returned and valid in the study.
CMCC_SIZES = {"distributed": 320, "returned": 290, "valid": 286}

_MEANS = {"IMAG1": 3.9, "IMAG2": 3.7, "IMAG3": 4.2, "NETQ1": 3.8, "NETQ2": 4.0, "NETQ3": 3.9,
          "NETQ4": 3.7, "BILL1": 3.3, "BILL2": 3.4, "BILL3": 3.5, "BILL4": 3.9, "HALL1": 3.3,
          "HALL2": 3.6, "HALL3": 3.9, "HALL4": 3.7, "HALL5": 3.9, "NSRV1": 3.7, "NSRV2": 3.6,
          "COMP1": 3.5, "SAT1": 3.85, "SAT2": 3.8, "SAT3": 3.75, "LOY1": 3.75, "LOY2": 3.5,
          "LOY3": 3.35}


def cmcc_population() -> Population:
    """True values for the ``cmcc`` model (standardized; means on the 1-5 scale).

    Examples
    --------
    >>> pop = cmcc_population()
    >>> pop.paths[("SAT", "LOY")], pop.mean_scale
    (0.35, (1, 5))
    """
    spec = load_model("cmcc")
    loadings = {it: (1.0 if len(inds) == 1 else 0.8)
                for lv, inds in spec.indicators.items() for it in inds}
    loadings.update({"BILL1": 0.85, "BILL2": 0.82, "HALL3": 0.7, "IMAG1": 0.75})
    paths = {("IMAG", "SAT"): 0.15, ("NETQ", "SAT"): 0.25, ("BILL", "SAT"): 0.22,
             ("HALL", "SAT"): 0.15, ("NSRV", "SAT"): 0.08, ("COMP", "SAT"): 0.1,
             ("SAT", "LOY"): 0.35}
    exo = spec.exogenous_latents
    corr = {(a, b): 0.3 for i, a in enumerate(exo) for b in exo[i + 1:]}
    sd = {it: 0.85 for it in spec.observed}
    return Population(loadings=loadings, paths=paths, exogenous_corr=corr, item_means=_MEANS,
                      item_sd=sd, mean_scale=(1, 5))


def simulate_cmcc_fieldwork(seed: int = 2010, *, cannot_answer_rate: float = 0.002) -> pd.DataFrame:
    """The 290 returned questionnaires of a simulated China Mobile study (286 valid).

    Parameters
    ----------
    seed : int
        The same seed gives the same data frame.
    cannot_answer_rate : float
        Share of the valid questionnaires' answers coded 6 ("cannot answer").

    Returns
    -------
    pandas.DataFrame
        ``respondent_id``, ``duration`` (seconds) and the 25 items of the ``cmcc`` model,
        in a shuffled order.

    Examples
    --------
    >>> df = simulate_cmcc_fieldwork()
    >>> df.shape, int(df.respondent_id.duplicated().sum())
    ((290, 27), 1)
    """
    rng = np.random.default_rng(seed)
    spec = load_model("cmcc")
    items = list(spec.observed)
    valid = simulate_survey(spec, n=CMCC_SIZES["valid"], seed=rng, population=cmcc_population(),
                            scale=(1, 5), missing_rate=cannot_answer_rate, missing_codes=6)
    extra = simulate_survey(spec, n=3, seed=rng, population=cmcc_population(), scale=(1, 5))
    mostly_6 = extra.iloc[0].copy()
    mostly_6[rng.choice(items, size=12, replace=False)] = 6
    straight = pd.Series(4, index=items)
    speeder = extra.iloc[1].copy()
    answers = pd.concat([valid, pd.DataFrame([mostly_6, straight, speeder]),
                         valid.iloc[[17]]], ignore_index=True).astype("int64")
    duration = np.round(rng.lognormal(np.log(540), 0.3, size=len(answers)))
    duration[CMCC_SIZES["valid"] + 2] = 95.0          # the speeder
    ids = np.arange(1, len(answers) + 1)
    ids[-1] = 18                                       # the duplicate is entered twice
    duration[-1] = duration[17]
    out = pd.concat([pd.DataFrame({"respondent_id": ids, "duration": duration}), answers], axis=1)
    order = rng.permutation(len(out))
    return out.iloc[order].reset_index(drop=True)
