"""Reliability of ordinal (Likert) items: :func:`ordinal_reliability`.

For each latent of the model, from the items' polychoric correlations and the ordinal CFA
(``fit(..., ordered=True)``, WLSMV):

* ``alpha.ordinal``: Cronbach's alpha of the polychoric correlation matrix (Zumbo, Gadermann
  & Zeisser 2007), ``k / (k - 1) (1 - k / sum(R))``; psych's ``alpha(polychoric(x)$rho)``;
* ``omega.latent``: omega on the latent-response scale, ``(sum lambda)^2 psi / sum(R)`` with
  the polychoric block R as the total variance (semTools' ``compRelSEM(fit, ord.scale =
  FALSE)``, whose default ``obs.var = TRUE`` uses the sample matrix);
* ``omega.ordinal``: the reliability of the sum of the ordinal answers (Green & Yang 2009):
  the covariance of the items' answers implied by the factor,
  ``sum_ij sum_cc' [Phi2(tau_ic, tau_jc'; lambda_i lambda_j psi) - Phi(tau_ic) Phi(tau_jc')]``,
  over the same sum with the polychoric correlations (semTools' default, ``ord.scale = TRUE``).

With sampling weights (``weights="w"``) all three come from the weighted thresholds and
polychoric correlations and the weighted WLSMV fit, as lavaan's ``sampling.weights`` with
ordered items.

Green, S. B., & Yang, Y. (2009). Reliability of summed item scores using structural equation
modeling: An alternative to coefficient alpha. Psychometrika, 74, 155-167.
Zumbo, B. D., Gadermann, A. M., & Zeisser, C. (2007). Ordinal versions of coefficients alpha
and theta for Likert rating scales. Journal of Modern Applied Statistical Methods, 6, 21-29.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from .._distributions import ndtr  # scipy.special, imported on first call

from ..exceptions import DataQualityWarning
from ..sem._bivnorm import bvn_cdf

__all__ = ["ordinal_reliability"]


def ordinal_reliability(spec, data, *, missing_codes=None, weights=None) -> pd.DataFrame:
    """Ordinal alpha and omega of every latent with two or more ordered items.

    Parameters
    ----------
    spec : ModelSpec or str
        The model (its ``=~`` blocks; structural paths are fitted too but do not matter).
    data : Survey, DataFrame or path
        Answers on an ordered scale, reverse-keyed items already flipped (``read_survey``
        flips the items its codebook marks reverse-coded). Listwise deletion.
    missing_codes : sequence, optional
        Answer codes meaning "no answer" when ``data`` is read here.
    weights : str, optional
        The column of sampling weights (lavaan's ``sampling.weights``; not a model item). The
        weights of the complete rows are rescaled to sum to their number; the thresholds are
        the weighted proportions' normal quantiles, the polychoric correlations maximize the
        weighted pair likelihoods (lavaan's ``lavCor(..., sampling.weights =)``), the CFA is
        the weighted WLSMV fit ``fit(spec, data, ordered=True, weights=)``, and alpha and
        both omegas come from these. Negative, missing, non-numeric or all-zero weights are
        an error naming the rows.

    Returns
    -------
    DataFrame
        Index ``latent``; columns ``items, alpha.ordinal, omega.latent, omega.ordinal``.
        ``attrs["warnings"]``: the ordinal CFA's warnings (data handling, improper
        solutions; with ``weights`` the weighting note with Kish's effective sample size)
        and this function's own.

    Notes
    -----
    In R: ``psych::alpha(psych::polychoric(x)$rho)`` and ``semTools::compRelSEM(fit)`` /
    ``compRelSEM(fit, ord.scale = FALSE)`` on ``fit <- cfa(model, data, ordered = TRUE)``;
    with weights ``compRelSEM`` on ``fit <- cfa(model, data, ordered = TRUE,
    sampling.weights = "w")`` and ``psych::alpha`` of its weighted polychoric matrix
    ``lavInspect(fit, "sampstat")$cov`` (lavaan 0.6-14's ``lavCor(x, sampling.weights =)``
    does not weight a data frame: it returns the unweighted matrix).
    An item loading with the opposite sign of the others gets a warning: it is probably
    reverse-keyed and not flipped, and alpha and omega of the unflipped block are meaningless.

    Examples
    --------
    >>> import numpy as np, pandas as pd, csi_model as cm
    >>> rng = np.random.default_rng(2)
    >>> f = rng.normal(size=(800, 1))
    >>> z = 0.8 * f + 0.6 * rng.normal(size=(800, 4))
    >>> x = pd.DataFrame(np.digitize(z, [-1, 0, 1]) + 1, columns=["q1", "q2", "q3", "q4"])
    >>> rel = cm.ordinal_reliability(cm.ModelSpec.from_syntax("F =~ q1 + q2 + q3 + q4"), x)
    >>> rel.round(2)                                    # doctest: +NORMALIZE_WHITESPACE
                     items  alpha.ordinal  omega.latent  omega.ordinal
    latent
    F       q1, q2, q3, q4           0.88          0.88           0.84

    With sampling weights (a column of the data, here one that counts the low answers of q1
    twice); the note with Kish's effective sample size is among the warnings:

    >>> x["w"] = np.where(x["q1"] <= 2, 2.0, 1.0)
    >>> wrel = cm.ordinal_reliability(cm.ModelSpec.from_syntax("F =~ q1 + q2 + q3 + q4"), x,
    ...                               weights="w")
    >>> round(float(wrel.loc["F", "omega.ordinal"]), 2)
    0.83
    >>> note = next(w for w in wrel.attrs["warnings"] if w.startswith("Sampling weights"))
    >>> note[note.index("(Kish"):note.index(")") + 1]
    '(Kish effective sample size 723)'
    """
    from .._inputs import as_spec, as_survey
    from ..sem.fitting import fit
    from ..sem.polychoric import polychoric
    from ..survey.weights import check_weight_column, survey_weights

    spec = as_spec(spec, "ordinal_reliability")
    weights = check_weight_column(weights, spec.observed, func="ordinal_reliability")
    survey = as_survey(data, spec, missing_codes, "ordinal_reliability")
    res = fit(spec, survey, ordered=True, weights=weights)
    frame, _ = survey.complete_cases(list(spec.observed))
    w = None if weights is None else survey_weights(survey, weights, frame.index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)   # the fit reported them
        poly = polychoric(frame[list(spec.observed)], weights=w)
    notes = list(res.warnings)
    est = res.estimates
    rows = []
    for lv, items in spec.indicators.items():
        items = [i for i in items if i in spec.observed]
        if len(items) < 2:
            continue
        lam = np.array([_value(est, lv, "=~", i) for i in items])
        psi = _value(est, lv, "~~", lv)
        R = poly.correlation.loc[items, items].to_numpy()
        k = len(items)
        majority = np.sign(np.median(lam)) or 1.0
        odd = [i for i, v in zip(items, lam) if np.sign(v) == -majority]
        if odd:
            notes.append(f"{lv}: {odd} load(s) with the opposite sign of the other items: "
                         "reverse-keyed items must be flipped before reliability is computed "
                         "(mark them in the codebook).")
            warnings.warn(notes[-1], DataQualityWarning, stacklevel=2)
        taus = [est[(est.op == "|") & (est.lhs == i)]["est"].to_numpy() for i in items]
        factor = _ordinal_covariance(taus, np.outer(lam, lam) * psi)
        total = _ordinal_covariance(taus, R)
        rows.append({"latent": lv, "items": ", ".join(items),
                     "alpha.ordinal": k / (k - 1) * (1 - k / R.sum()),
                     "omega.latent": lam.sum() ** 2 * psi / R.sum(),
                     "omega.ordinal": factor / total})
    out = pd.DataFrame(rows).set_index("latent")
    out.attrs["warnings"] = tuple(notes)
    return out


def _value(est: pd.DataFrame, lhs: str, op: str, rhs: str) -> float:
    row = est[(est.lhs == lhs) & (est.op == op) & (est.rhs == rhs)]
    return float(row["est"].iloc[0])


def _ordinal_covariance(taus, rho: np.ndarray) -> float:
    """sum over items i, j of the covariance of their answers (category codes 0..K-1) when the
    latent responses correlate ``rho[i, j]`` (rho[i, i]: the variance the factor explains)."""
    total = 0.0
    for a, ta in enumerate(taus):
        for b, tb in enumerate(taus):
            h, k = ta[:, None], tb[None, :]
            total += float((bvn_cdf(h, k, rho[a, b]) - ndtr(h) * ndtr(k)).sum())
    return total
