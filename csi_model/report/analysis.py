"""Run every analysis of a CSI paper once, for the tables, the figures and the HTML report.

:func:`analyze` fits the measurement model, the CB-SEM (bootstrapped), the PLS model with
its 0-100 index (per operator, and per operator and wave for the trends) and the group
comparisons, each step with an explicit seed. It only calls the library's estimators;
nothing here rounds or draws.
"""
from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .labels import same_warnings
from .progress import Steps

__all__ = ["Analyses", "analyze"]

TREND_COLUMN = "_operator_wave"


@dataclass(frozen=True, eq=False)
class Analyses:
    """The results :func:`analyze` produced (None where a step was skipped or failed).

    Examples
    --------
    >>> import csi_model as cm
    >>> from csi_model.report.analysis import analyze
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> survey = cm.read_survey(cm.make_demo_survey(), codebook="telecom", missing_codes=[99])
    >>> a = analyze(spec, survey, bootstrap=0, htmt_bootstrap=0, compare_by=None)
    >>> a.spec.name, a.sem.n, a.index.by       # missing="ml": all 600 respondents kept
    ('sat_loy', 600, 'operator')
    >>> a.trends.head(2).round(1)
           operator  wave latent  index    n  ci.lower  ci.upper
    0  China Mobile  2025    SAT   67.0  100       NaN       NaN
    1  China Mobile  2025    LOY   65.4  100       NaN       NaN
    """

    spec: Any
    survey: Any
    codebook: Any = None
    measurement: Any = None
    sem: Any = None
    pls: Any = None
    index: Any = None
    trend_index: Any = None
    comparison: Any = None          # ComparisonResult of compare(..., by=compare_by)
    invariance: Any = None
    multigroup: Any = None
    path_differences: Any = None
    compare_by: str | None = None
    group_by: str | None = None
    wave_by: str | None = None
    weights: str | None = None      # the column of sampling weights (weighted analyses)
    options: dict = field(default_factory=dict)
    notes: tuple = ()
    warnings: tuple = ()

    @property
    def trends(self) -> pd.DataFrame | None:
        """``operator, wave, latent, index`` (and ``n, ci.lower, ci.upper`` when the index
        was bootstrapped): the index per operator and wave (tidy)."""
        if self.trend_index is None:
            return None
        t = self.trend_index.table
        t = t[t.group != "(all)"].copy()
        split = t["group"].str.rsplit(" | ", n=1, expand=True)
        t["operator"], t["wave"] = split[0], split[1]
        extra = [c for c in ("n", "ci.lower", "ci.upper") if c in t]
        return t[["operator", "wave", "latent", "index", *extra]].reset_index(drop=True)

    @property
    def weighting(self) -> str:
        """The one-line weighting note of every output (column, Kish effective n), ``""``
        for unweighted analyses."""
        if self.weights is None:
            return ""
        return (f"Weighted analyses: sampling weights from column '{self.weights}' (Kish "
                f"effective sample size {self.options.get('kish_n', float('nan')):.0f} of "
                f"{self.options.get('n_weighted', 0)} respondents).")


def analyze(spec, survey, *, codebook=None, seed: int = 20240501, bootstrap: int = 200,
            htmt_bootstrap: int = 200, group_by: str | None = "operator",
            wave_by: str | None = "wave", compare_by: str | None = "wave",
            scale=None, progress: bool = False, missing: str = "ml",
            weights: str | None = None) -> Analyses:
    """Fit everything a CSI paper reports.

    Parameters
    ----------
    spec : ModelSpec
    survey : Survey
    codebook : Codebook, optional
        Item scales for the index (default: the survey's codebook) and item wording.
    seed : int
        Seed of every random step (HTMT bootstrap, parallel analysis, SEM bootstrap).
    bootstrap : int
        Resamples of the CB-SEM bootstrap and of the index intervals (0: delta-method SEs,
        no index intervals).
    htmt_bootstrap : int
        Resamples of the HTMT intervals.
    group_by, wave_by : str, optional
        Survey columns of operators and waves (index per group and trends); skipped when
        absent from the survey.
    compare_by : str, optional
        The column of the group comparison (:func:`csi_model.compare`): the invariance
        ladder, and the path comparison of the first two groups for the paper's table.
    scale : (min, max) or dict, optional
        Item scale of the index when there is no codebook (without either, the index
        step stops with :class:`~csi_model.exceptions.SurveyDataError`: the scale is never
        guessed from the answers).
    missing : {"ml", "listwise"}
        ``"ml"`` (default: a report should not lose respondents) keeps every respondent:
        the measurement model on the EM covariance matrix with a FIML CFA, CB-SEM by FIML,
        PLS and the index on the EM moments, the comparison's ladder by FIML (see
        :mod:`csi_model.survey.missing`). ``"listwise"`` drops incomplete respondents
        everywhere.
    progress : bool
        Show a progress bar of the steps (tqdm.auto: a widget in Jupyter, stderr in a
        terminal); False (the default) shows nothing.
    weights : str, optional
        The survey's column of sampling weights: every step is weighted - the item
        descriptives (weighted means and SDs), the measurement model
        (``measurement(..., weights=)``), CB-SEM (``fit(..., weights=)``: weighted ML or
        FIML with robust SEs and the Yuan-Bentler scaled test, as lavaan's
        ``sampling.weights``; the CB-SEM bootstrap is not available with weights, so
        ``bootstrap`` then only sets the resamples of the PLS index, whose resamples keep
        each respondent's weight), PLS and the index (``fit_pls(..., weights=)``, weighted
        EM with ``missing="ml"``) and the group comparison (``compare(..., weights=)``; the
        steps it skips with weights are named in the warnings). The weighting note (column,
        Kish effective sample size) is :attr:`Analyses.weighting`, first in
        :attr:`Analyses.notes`, and in every table's notes.

    Every warning of every result (rows dropped, improper solutions, ...) is gathered in
    :attr:`Analyses.warnings`, which the HTML report and the paper build show.

    Examples
    --------
    >>> import csi_model as cm
    >>> from csi_model.report.analysis import analyze
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> survey = cm.read_survey(cm.make_demo_survey(), codebook="telecom", missing_codes=[99])
    >>> a = analyze(spec, survey, bootstrap=0, htmt_bootstrap=0, compare_by=None)
    >>> a.sem.converged, a.measurement.passed, a.group_by, a.wave_by
    (True, True, 'operator', 'wave')
    >>> a.index.by_group().round(1)  # doctest: +NORMALIZE_WHITESPACE
    latent          LOY   SAT
    group
    China Mobile   64.7  65.9
    China Telecom  66.1  66.7
    China Unicom   62.9  66.3
    >>> a.warnings[0].split(";")[0]         # the 37 incomplete respondents are kept
    'EM: 38 missing answers of 37 of 600 respondents'
    >>> lw = analyze(spec, survey, bootstrap=0, htmt_bootstrap=0, compare_by=None,
    ...              missing="listwise")
    >>> lw.sem.n, lw.warnings[0].split(" read from")[0]
    (563, 'Listwise deletion: 37 of 600 respondents')
    """
    from ..pls.index import csi_index
    from ..sem.fitting import fit
    from ..measurement.quality import measurement
    from ..pls.fit import fit_pls
    from ..survey.missing import resolve_missing

    missing = resolve_missing(missing, "analysis", "analyze")
    ml = missing == "ml"
    codebook = codebook if codebook is not None else getattr(survey, "codebook", None)
    cols = survey.data.columns
    group_by = group_by if group_by in cols else None
    wave_by = wave_by if wave_by in cols else None
    compare_by = compare_by if compare_by in cols else None
    notes: list[str] = []
    caught: list[str] = []
    out: dict[str, Any] = {}
    wopts: dict[str, Any] = {}
    sem_boot = bootstrap
    if weights is not None:
        wopts = _check_weights(spec, survey, weights, (group_by, wave_by, compare_by))
        notes.append(wopts.pop("note"))
        if bootstrap:
            sem_boot = 0
            notes.append(f"Sampling weights ('{weights}'): the CB-SEM bootstrap is not "
                         "available with weights yet and was not run; the CB-SEM standard "
                         "errors and intervals are the robust (Huber-White) ones of the "
                         f"weighted fit. The PLS index intervals use {bootstrap} bootstrap "
                         "resamples, each respondent keeping its weight.")
    wkw = {} if weights is None else {"weights": weights}
    planned = ["measurement model", "CB-SEM", "PLS index"]
    planned += ["index trends"] if group_by and wave_by else []
    planned += ["group comparison"] if compare_by else []
    steps = Steps(planned, enabled=progress, desc="analyses")
    with warnings.catch_warnings(record=True) as rec, steps:
        warnings.simplefilter("always")
        with steps.step("measurement model"):
            out["measurement"] = measurement(spec, survey, seed=seed, n_boot=htmt_bootstrap,
                                             missing="em" if ml else "listwise", **wkw)
        with steps.step("CB-SEM" + (f" (bootstrap B = {sem_boot})" if sem_boot else "")):
            out["sem"] = fit(spec, survey, missing="fiml" if ml else "listwise", **wkw,
                             **({"bootstrap": sem_boot, "seed": seed} if sem_boot else {}))
        if scale is None and codebook is not None:
            items = list(spec.observed)
            absent = [i for i in items if i not in codebook]
            if absent:
                from ..exceptions import SurveyDataError
                raise SurveyDataError(
                    f"The codebook has no answer scale for {', '.join(absent)}, which the 0-100 "
                    "index needs: add them to the codebook, or pass scale=(1, 10) (CLI: "
                    "--scale 1,10).")
            scale = {i: codebook.scale(i) for i in items}
        data = survey.data
        if group_by and wave_by:
            data = data.copy()
            data[TREND_COLUMN] = data[group_by].astype(str) + " | " + data[wave_by].astype(str)
        # the same survey (source, codebook, row labels) with the trend column added
        psurvey = dataclasses.replace(survey, data=data)
        # bootstrapped (same B and seed as the SEM) so that tables and trend plots show CIs
        boot = {"bootstrap": bootstrap, "seed": seed} if bootstrap else {}
        with steps.step("PLS index"):
            out["pls"] = pls = fit_pls(spec, psurvey, missing="em" if ml else "listwise",
                                       **wkw)
            out["index"] = csi_index(pls, scale=scale, by=group_by, **boot)
        if group_by and wave_by:
            with steps.step("index trends"):
                out["trend_index"] = csi_index(pls, scale=scale, by=TREND_COLUMN, **boot)
        if compare_by:
            with steps.step("group comparison"):
                out.update(_comparison(spec, survey, compare_by, scale=scale, seed=seed,
                                       bootstrap=bootstrap, notes=notes, missing=missing,
                                       weights=weights))
    for w in rec:
        msg = str(w.message)
        if msg not in caught:
            caught.append(msg)
    for name in ("measurement", "sem", "pls", "index", "trend_index", "invariance",
                 "multigroup"):
        caught += [w for w in getattr(out.get(name), "warnings", ()) if w not in caught]
    options = {"seed": seed, "bootstrap": bootstrap, "htmt_bootstrap": htmt_bootstrap,
               "group_by": group_by, "wave_by": wave_by, "compare_by": compare_by,
               "missing": missing, "weights": weights, **wopts}
    return Analyses(spec=spec, survey=survey, codebook=codebook, compare_by=compare_by,
                    group_by=group_by, wave_by=wave_by, weights=weights, options=options,
                    notes=tuple(dict.fromkeys(notes)),
                    warnings=tuple(same_warnings(caught)), **out)


def _comparison(spec, survey, by: str, *, scale, seed: int, bootstrap: int,
                notes: list[str], missing: str = "listwise",
                weights: str | None = None) -> dict[str, Any]:
    """compare() by ``by``, and the pieces the paper's tables take from it."""
    from ..compare import compare

    resamples = bootstrap if bootstrap and bootstrap >= 2 else 200
    kw = {"by": by, "bootstrap": resamples, "n_permutations": resamples, "seed": seed,
          "scale": scale, **({} if weights is None else {"weights": weights})}
    comparison = compare(spec, survey, missing=missing, **kw)
    notes += [w for w in comparison.warnings if w.startswith("CB-SEM invariance")]
    out: dict[str, Any] = {"comparison": comparison, "invariance": comparison.invariance}
    inv = comparison.invariance
    if weights is not None:
        # what the weighted comparison skipped or did differently reaches every output
        notes += [w for w in comparison.warnings if w.startswith("Sampling weights (")]
    if inv is not None:
        out["multigroup"] = inv.fits.get("metric")
        paths = comparison.cbsem_paths
        a, b = comparison.groups[:2]
        first = paths[(paths.group_a == a) & (paths.group_b == b)]
        out["path_differences"] = (first.drop(columns=["group_a", "group_b"])
                                   .rename(columns={"est.a": f"est.{a}", "est.b": f"est.{b}"})
                                   .reset_index(drop=True))
    return out


def _check_weights(spec, survey, column: str, group_columns) -> dict[str, Any]:
    """The checked weight column of a weighted report: every row's weight (errors name the
    rows), the Kish effective sample size and the weighting note."""
    import numpy as np

    from ..exceptions import SurveyDataError
    from ..survey.weights import check_weight_column, survey_weights

    check_weight_column(column, spec.observed, func="analyze")
    if column in [c for c in group_columns if c]:
        raise SurveyDataError(f"The weight column '{column}' is also a grouping column of the "
                              "report (group_by, wave_by or compare_by). Pass the column that "
                              "holds the sampling weights.")
    w = survey_weights(survey, column)
    n = len(w)
    kish = float(w.sum() ** 2 / np.sum(w ** 2))
    note = (f"Weighted analyses: sampling weights from column '{column}' (Kish effective "
            f"sample size {kish:.0f} of {n} respondents); item descriptives, the measurement "
            "model, CB-SEM (robust standard errors and the Yuan-Bentler scaled test, as "
            "lavaan's sampling.weights), PLS, the index and the group comparison are weighted.")
    return {"kish_n": kish, "n_weighted": n, "note": note}
