"""Run every analysis of a CSI paper once, for the tables, the figures and the HTML report.

:func:`analyze` fits the measurement model, the CB-SEM (bootstrapped), the PLS model with
its 0-100 index (per operator, and per operator and wave for the trends) and the group
comparisons, each step with an explicit seed. It only calls the library's estimators;
nothing here rounds or draws.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .progress import Steps

__all__ = ["Analyses", "analyze"]

TREND_COLUMN = "_operator_wave"


@dataclass(frozen=True, eq=False)
class Analyses:
    """The results :func:`analyze` produced (None where a step was skipped or failed)."""

    spec: Any
    survey: Any
    codebook: Any = None
    measurement: Any = None
    sem: Any = None
    pls: Any = None
    index: Any = None
    trend_index: Any = None
    invariance: Any = None
    multigroup: Any = None
    path_differences: Any = None
    compare_by: str | None = None
    group_by: str | None = None
    wave_by: str | None = None
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


def analyze(spec, survey, *, codebook=None, seed: int = 20240501, bootstrap: int = 200,
            htmt_bootstrap: int = 200, group_by: str | None = "operator",
            wave_by: str | None = "wave", compare_by: str | None = "wave",
            scale=None, progress: bool = False) -> Analyses:
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
        The column of the invariance ladder and the path comparison (first two groups).
    progress : bool
        Show a progress bar of the steps (tqdm.auto: a widget in Jupyter, stderr in a
        terminal); False (the default) shows nothing.
    scale : (min, max), optional
        Item scale of the index when there is no codebook.
    """
    from ..sem.fitting import fit
    from ..pls.index import csi_index
    from ..measurement.quality import measurement
    from ..pls.fit import fit_pls
    from ..survey.read import read_survey

    codebook = codebook if codebook is not None else getattr(survey, "codebook", None)
    cols = survey.data.columns
    group_by = group_by if group_by in cols else None
    wave_by = wave_by if wave_by in cols else None
    compare_by = compare_by if compare_by in cols else None
    notes: list[str] = []
    caught: list[str] = []
    out: dict[str, Any] = {}
    planned = ["measurement model", "CB-SEM", "PLS index"]
    planned += ["index trends"] if group_by and wave_by else []
    planned += ["group comparison"] if compare_by else []
    steps = Steps(planned, enabled=progress, desc="analyses")
    with warnings.catch_warnings(record=True) as rec, steps:
        warnings.simplefilter("always")
        with steps.step("measurement model"):
            out["measurement"] = measurement(spec, survey, seed=seed, n_boot=htmt_bootstrap)
        with steps.step("CB-SEM" + (f" (bootstrap B = {bootstrap})" if bootstrap else "")):
            out["sem"] = fit(spec, survey, **({"bootstrap": bootstrap, "seed": seed}
                                              if bootstrap else {}))
        if scale is None and codebook is not None:
            items = [i for i in spec.observed if i in codebook]
            scale = {i: codebook.scale(i) for i in items} if items else None
        data = survey.data
        if group_by and wave_by:
            data = data.copy()
            data[TREND_COLUMN] = data[group_by].astype(str) + " | " + data[wave_by].astype(str)
        psurvey = read_survey(data, items=list(spec.observed))
        # bootstrapped (same B and seed as the SEM) so that tables and trend plots show CIs
        boot = {"bootstrap": bootstrap, "seed": seed} if bootstrap else {}
        with steps.step("PLS index"):
            out["pls"] = pls = fit_pls(spec, psurvey)
            out["index"] = csi_index(pls, scale=scale, by=group_by, **boot)
        if group_by and wave_by:
            with steps.step("index trends"):
                out["trend_index"] = csi_index(pls, scale=scale, by=TREND_COLUMN, **boot)
        if compare_by:
            with steps.step("group comparison"):
                try:
                    from ..sem import groups
                    out["invariance"] = groups.invariance(spec, survey, by=compare_by)
                    mg = groups.fit_multigroup(spec, survey, by=compare_by, equal=["loadings"])
                    out["multigroup"] = mg
                    out["path_differences"] = groups.path_differences(mg)
                except (ImportError, AttributeError) as exc:  # groups API still moving
                    notes.append(f"Group comparison skipped: {exc}.")
    for w in rec:
        msg = str(w.message)
        if msg not in caught:
            caught.append(msg)
    options = {"seed": seed, "bootstrap": bootstrap, "htmt_bootstrap": htmt_bootstrap,
               "group_by": group_by, "wave_by": wave_by, "compare_by": compare_by}
    return Analyses(spec=spec, survey=survey, codebook=codebook, compare_by=compare_by,
                    group_by=group_by, wave_by=wave_by, options=options, notes=tuple(notes),
                    warnings=tuple(caught), **out)
