"""The customer satisfaction index on 0-100, ACSI-style impacts, and IPMA.

From a PLS fit (:func:`~csi_model.pls.fit.fit_pls`) with items on their raw scale:

**Index** (Fornell et al. 1996, *Journal of Marketing* 60(4)). With ``w_i`` the
unstandardized outer weights of a latent's items (``PLSResult.outer["weight.raw"]``;
latent score = sum ``w_i (x_i - mean_i)``) and each item's scale ``[min_i, max_i]``::

    index = 100 * (sum w_i xbar_i - sum w_i min_i) / (sum w_i max_i - sum w_i min_i)

With a common 1-10 scale and weights normalized to sum 1 this is
``sum w~_i (xbar_i - 1) / 9 * 100``. Equivalently, with rescaled items
``r_i = 100 (x_i - min_i) / (max_i - min_i)`` and *index weights*
``v_i = w_i (max_i - min_i) / sum_k w_k (max_k - min_k)`` (summing to 1), the index is
``sum v_i mean(r_i)``, and the respondent-level *index score* is ``I = sum v_i r_i``
(its mean is the index). The formula assumes positive weights: a negative weight
makes the index something other than a weighted average of its items, and is
reported by a :class:`NegativeWeightWarning`.

**Impacts** (ACSI). The change in the target's index (e.g. SAT) when a driver's index
rises by ``gain`` points (5 in ACSI reports), all else equal::

    impact(d -> t) = gain * T_dt * sd(I_t) / sd(I_d),   sd(I_j) = 100 / sum_i w_i (max_i - min_i)

where ``T_dt`` is the standardized total effect of d on t: ``T_dt sd(I_t)/sd(I_d)`` is the
unstandardized total effect, the total effect of a path model estimated on the index
scores (SmartPLS's IPMA "unstandardized total effect" on rescaled scores).

**IPMA** (importance-performance map analysis; Ringle & Sarstedt 2016). For a target
construct: importance = the unstandardized total effect on the target's index,
performance = the mean index (latent level) or the mean rescaled item score (item level,
importance ``v_i x`` the construct's importance).

Groups (``by=``, e.g. operator or wave): the weights are estimated once on the pooled
sample, so every group's index uses the same measurement model and differences between
groups come from the answers only; the group index is the weighted mean of the group's
item means. Bootstrap intervals then resample respondents within groups (the group sizes
stay fixed, as in a quota survey).

Drawing is in :func:`csi_model.report.figures.ipma_map` (``IndexResult.plot_ipma``).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..exceptions import CSIModelWarning, EstimationError, SurveyDataError
from .fit import PLSResult, _statistic, _records, DEFAULT_PLS_BOOTSTRAP, fit_pls
from ..sem.results import Summary

__all__ = ["csi_index", "IndexResult", "NegativeWeightWarning"]

ALL = "(all)"


class NegativeWeightWarning(CSIModelWarning):
    """An outer weight is negative: the 0-100 index is not a weighted average of its items.

    Examples
    --------
    >>> import warnings
    >>> import csi_model as cm
    >>> data = cm.simulate_survey("acsi", n=200, seed=1)
    >>> data["SAT3"] = 11 - data["SAT3"]                  # a reversed item left unreversed
    >>> pls = cm.fit_pls("acsi", data)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     index = cm.csi_index(pls, scale=(1, 10))
    >>> [str(w.message).split(":")[0] for w in caught if w.category is cm.NegativeWeightWarning]
    ['The unstandardized weight of SAT3 on SAT is negative (-0.1870)']
    """


# ============================================================================ the result
@dataclass(frozen=True, eq=False)
class IndexResult:
    """Result of :func:`csi_index`.

    Attributes
    ----------
    table : DataFrame
        ``group, latent, n, index, se, ci.lower, ci.upper``: the 0-100 index of every latent,
        overall (``group = "(all)"``) and per group when ``by`` was given. ``se`` and the
        interval are NaN without a bootstrap.
    weights : DataFrame
        Per (latent, item): ``weight.raw`` (unstandardized outer weight), ``weight.index``
        (the index weight v_i, summing to 1 per latent), ``min``, ``max`` (the item scale),
        ``mean`` and ``performance`` (mean rescaled item, 0-100).
    impacts : DataFrame
        ``driver, target, total_effect`` (standardized), ``importance`` (unstandardized total
        effect on the index scale), ``impact`` (= gain x importance) and, after a bootstrap,
        ``se, ci.lower, ci.upper`` of the impact.
    ipma : DataFrame
        ``level`` ("latent" or "item"), ``construct``, ``name``, ``importance``, ``performance``.
    scores : DataFrame
        Respondent-level index scores (0-100), one column per latent.
    target, gain, by :
        The IPMA / impact target, the gain of the impacts, the grouping column.
    warnings : tuple of str

    Examples
    --------
    >>> import csi_model as cm
    >>> pls = cm.fit_pls("acsi", cm.simulate_survey("acsi", n=200, seed=1))
    >>> index = cm.csi_index(pls, scale=(1, 10))
    >>> index
    <IndexResult: EXPE=65.2, QUAL=64.4, VAL=67.1, SAT=63.8, COMP=64.0, LOY=65.8; 0 warning(s)>
    >>> index.impacts.head(3).round(3)
      driver target  total_effect  importance  impact
    0   EXPE    SAT         0.340       0.386   1.931
    1   QUAL    SAT         0.488       0.527   2.634
    2    VAL    SAT         0.196       0.205   1.027
    """

    table: pd.DataFrame
    weights: pd.DataFrame
    impacts: pd.DataFrame
    ipma: pd.DataFrame
    scores: pd.DataFrame = field(repr=False)
    target: str = "SAT"
    gain: float = 5.0
    by: str | None = None
    warnings: tuple[str, ...] = ()
    bootstrap: Any = field(default=None, repr=False)
    level: float = 0.95
    ci_method: str = "percentile"
    pls: PLSResult | None = field(default=None, repr=False)

    def overall(self) -> pd.Series:
        """The overall index per latent.

        Examples
        --------
        >>> import csi_model as cm
        >>> pls = cm.fit_pls("acsi", cm.simulate_survey("acsi", n=200, seed=1))
        >>> index = cm.csi_index(pls, scale=(1, 10))
        >>> index.overall().round(1)
        EXPE    65.2
        QUAL    64.4
        VAL     67.1
        SAT     63.8
        COMP    64.0
        LOY     65.8
        Name: index, dtype: float64
        """
        t = self.table[self.table.group == ALL]
        return pd.Series(t["index"].to_numpy(), index=t["latent"].to_numpy(), name="index")

    def by_group(self) -> pd.DataFrame:
        """Groups x latents matrix of the index (empty without ``by``).

        Examples
        --------
        >>> import csi_model as cm
        >>> pls = cm.fit_pls("acsi", cm.read_survey(cm.make_demo_survey(), codebook="telecom",
        ...                                   missing_codes=[99]))
        >>> index = cm.csi_index(pls, by="operator")
        >>> index.by_group().round(1)  # doctest: +NORMALIZE_WHITESPACE
        latent         COMP  EXPE   LOY  QUAL   SAT   VAL
        group
        China Mobile   63.5  73.0  64.3  67.7  65.4  59.3
        China Telecom  66.3  72.9  64.7  68.9  66.0  59.0
        China Unicom   67.8  72.0  61.8  67.8  65.6  56.6
        """
        t = self.table[self.table.group != ALL]
        return t.pivot(index="group", columns="latent", values="index")

    def plot_ipma(self, *, level: str = "latent", ax=None, lang: str = "en", **kwargs):
        """Draw the importance-performance map (:func:`csi_model.report.figures.ipma_map`).

        The one drawing call from a stage below ``report/``: a convenience, imported lazily,
        as statsmodels' results reach ``statsmodels.graphics``.

        Examples
        --------
        >>> import csi_model as cm
        >>> pls = cm.fit_pls("acsi", cm.simulate_survey("acsi", n=200, seed=1))
        >>> index = cm.csi_index(pls, scale=(1, 10))
        >>> ax = index.plot_ipma()
        >>> ax.get_xlabel(), ax.get_ylabel()
        ('Importance (total effect on Customer satisfaction)', 'Performance (0-100)')
        >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
        """
        from ..report.figures import ipma_map
        return ipma_map(self, level=level, ax=ax, lang=lang, **kwargs)

    # --------------------------------------------------------------- reporting
    def summary(self, digits: int = 1) -> Summary:
        """The index table, the weights, the impacts and the IPMA (text in a console, HTML in
        Jupyter).

        Examples
        --------
        >>> import csi_model as cm
        >>> pls = cm.fit_pls("acsi", cm.simulate_survey("acsi", n=200, seed=1))
        >>> index = cm.csi_index(pls, scale=(1, 10))
        >>> index.summary()                    # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
        csi_model satisfaction index
        ============================
        Index         ACSI formula: 100 (sum w xbar - sum w min) / (sum w max - sum w min), w the unstandardized outer weights
        Model         acsi (PLS-PM, path scheme)
        Data          <DataFrame>: 200 of 200 respondents used
        Missing data  listwise
        <BLANKLINE>
        Index (0-100)
        -------------
                        n index se ci.lower ci.upper
        group latent
        (all) EXPE    200  65.2
              QUAL    200  64.4
        ...
        """
        header = [("Index", "ACSI formula: 100 (sum w xbar - sum w min) / (sum w max - sum w min), "
                            "w the unstandardized outer weights"),
                  ("Model", f"{self.pls.spec.name} (PLS-PM, {self.pls.scheme} scheme)"
                   if self.pls is not None else ""),
                  ("Data", f"{self.pls.data_source}: {self.pls.n} of {self.pls.n_total} "
                           "respondents used" if self.pls is not None else "")]
        if self.pls is not None:
            header.append(("Missing data", self.pls.missing))
        if self.bootstrap is not None:
            header.append(("Bootstrap", f"{self.bootstrap.summary_line()}; {self.ci_method} "
                                        f"{self.level:.0%} intervals"))
        if self.by:
            header.append(("Groups", f"by '{self.by}' (pooled weights)"))
        index_cols = {c: digits for c in self.table.columns
                      if c not in ("group", "latent", "n")}
        index_cols["performance"] = digits
        tables = [("Index (0-100)", self.table.set_index(["group", "latent"])),
                  (f"Impacts on {self.target} (index points for a {self.gain:g}-point gain)",
                   self.impacts.set_index(["driver", "target"])),
                  (f"IPMA for {self.target}", self.ipma.set_index(["level", "name"]))]
        return Summary("csi_model satisfaction index", header, tables, self.warnings,
                       digits=3, column_digits=index_cols)

    def __repr__(self) -> str:
        ov = ", ".join(f"{k}={v:.1f}" for k, v in self.overall().items())
        return f"<IndexResult: {ov}; {len(self.warnings)} warning(s)>"

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def to_dict(self) -> dict:
        """JSON-ready dict: ``n`` (respondents used), ``n_total`` (read), ``index, weights,
        impacts, ipma, target, gain, by, bootstrap, warnings``.

        Examples
        --------
        >>> import csi_model as cm
        >>> pls = cm.fit_pls("acsi", cm.simulate_survey("acsi", n=200, seed=1))
        >>> index = cm.csi_index(pls, scale=(1, 10))
        >>> d = index.to_dict()
        >>> d["n"], d["index"][0]["latent"], round(d["index"][0]["index"], 1)
        (200, 'EXPE', 65.2)
        """
        return {"n": None if self.pls is None else int(self.pls.n),
                "n_total": None if self.pls is None else int(self.pls.n_total),
                "missing": None if self.pls is None else self.pls.missing,
                "index": _records(self.table), "weights": _records(self.weights),
                "impacts": _records(self.impacts), "ipma": _records(self.ipma),
                "target": self.target, "gain": self.gain, "by": self.by,
                "bootstrap": None if self.bootstrap is None else
                {"B": self.bootstrap.B, "n_failed": self.bootstrap.n_failed,
                 "level": self.level, "ci_method": self.ci_method},
                "warnings": list(self.warnings)}


# ============================================================================ scales
def _scales(result: PLSResult, scale, notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(min, max) of every unique item of the fit."""
    items = result._problem.items
    if scale is not None and not isinstance(scale, Mapping):
        try:
            lo, hi = (float(v) for v in scale)
        except (TypeError, ValueError):
            raise ValueError(f"The 'scale' parameter of csi_index must be (min, max), e.g. (1, 10), "
                             f"or a dict {{item: (min, max)}}. Got {scale!r} instead.") from None
        if not lo < hi:
            raise ValueError(f"The 'scale' parameter of csi_index must have min < max. "
                             f"Got {scale!r} instead.")
        return np.full(len(items), lo), np.full(len(items), hi)
    if isinstance(scale, Mapping):
        absent = [it for it in items if it not in scale]
        if absent:
            raise ValueError(f"The 'scale' dict of csi_index has no range for {absent}.")
        lo = np.array([float(scale[it][0]) for it in items])
        hi = np.array([float(scale[it][1]) for it in items])
        if np.any(lo >= hi):
            raise ValueError("The 'scale' dict of csi_index must have min < max for every item.")
        return lo, hi
    cb = getattr(result.survey, "codebook", None)
    if cb is not None and all(it in cb for it in items):
        pairs = [cb.scale(it) for it in items]
        return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    # Never guess the questionnaire's scale from the answers: the observed range is not the
    # scale (nobody answering 1 on a 1-10 item moves its whole index), and a guessed
    # standard scale is silently wrong for a 0-10 or 1-7 item. The scale is one argument.
    dat = result._data
    if getattr(dat, "rows_free", False):      # from moments: the answers' min and max
        lo, hi = dat.minimum, dat.maximum
    else:
        lo, hi = dat.X.min(axis=0), dat.X.max(axis=0)
    missing = items if cb is None else [it for it in items if it not in cb]
    where = ("no codebook was given" if cb is None else
             f"the codebook has no scale for {', '.join(missing[:6])}"
             f"{' ...' if len(missing) > 6 else ''}")
    raise SurveyDataError(
        f"The 0-100 index needs the items' answer scale, and {where}. Pass it: "
        f"csi_index(..., scale=(1, 10)) (or a dict {{item: (min, max)}}), on the command line "
        f"--scale 1,10, or read the survey with a codebook that gives every item's scale. "
        f"The observed answers range over {_range_text(lo, hi)}; the observed range is not "
        f"used as the scale.")


def _range_text(lo, hi) -> str:
    pairs = sorted({(float(a), float(b)) for a, b in zip(lo, hi)})
    return ", ".join(f"{a:g}-{b:g}" for a, b in pairs[:4]) + (" ..." if len(pairs) > 4 else "")


# ============================================================================ the computation
class _IndexMaker:
    """Index, index weights, impacts from (batched) PLS estimates; the bootstrap's extra."""

    def __init__(self, result: PLSResult, lo, hi, target: int, groups: np.ndarray | None,
                 gain: float):
        pr = result._problem
        self.pr = pr
        self.lo_e, self.hi_e = lo[pr.col], hi[pr.col]
        self.rng_e = self.hi_e - self.lo_e
        self.target = target
        self.drivers = [i for i, j in pr.effect_pairs if j == target]
        self.groups = groups            # (n, G) one-hot or None
        self.gain = gain
        self.X = None if getattr(result._data, "rows_free", False) else result._data.X

    def parts(self, w_raw, mean_e, total):
        """index (b, L), v (b, m), index SD (b, L), impacts (b, ndrivers)."""
        pr = self.pr
        b = w_raw.shape[0]
        wr = w_raw * self.rng_e
        denom = np.zeros((b, pr.L))
        np.add.at(denom.T, pr.owner, wr.T)
        v = wr / denom[:, pr.owner]
        perf = 100 * (mean_e - self.lo_e) / self.rng_e
        index = np.zeros((b, pr.L))
        np.add.at(index.T, pr.owner, (v * perf).T)
        sd_index = 100 / denom
        t = self.target
        imp = np.stack([total[:, d, t] * sd_index[:, t] / sd_index[:, d] for d in self.drivers],
                       axis=1) if self.drivers else np.zeros((b, 0))
        return index, v, sd_index, imp

    def extra(self, est, mean, sd_e, counts, filled=None):
        pr = self.pr
        w_raw = est["w"] / sd_e if pr.scaled else est["w"]
        mean_e = mean[:, pr.col]
        index, v, _, imp = self.parts(w_raw, mean_e, est["total"])
        out = [index, self.gain * imp]
        if self.groups is not None:
            for g in range(self.groups.shape[1]):
                cg = counts * self.groups[:, g]
                if filled is None:
                    mg = (cg @ self.X) / cg.sum(axis=1, keepdims=True)
                else:       # missing='em': each resample's own conditional expectations
                    mg = np.einsum("rn,rnp->rp", cg, filled) / cg.sum(axis=1, keepdims=True)
                perf = 100 * (mg[:, pr.col] - self.lo_e) / self.rng_e
                gi = np.zeros((len(v), pr.L))
                np.add.at(gi.T, pr.owner, (v * perf).T)
                out.append(gi)
        return np.concatenate(out, axis=1)


def csi_index(result: PLSResult | Any, data=None, *, scale=None, by: str | None = None,
              target: str | None = None, gain: float = 5.0,
              bootstrap: int | bool | None = None, seed=None, n_jobs: int = 1,
              level: float = 0.95, ci_method: str = "percentile", missing: str | None = None,
              **fit_options) -> IndexResult:
    """The 0-100 satisfaction index of every latent, impacts and IPMA.

    Parameters
    ----------
    result : PLSResult, or a model
        A PLS fit; or a ModelSpec / bundled name / ``.lav`` path, fitted here on ``data``
        with :func:`~csi_model.pls.fit.fit_pls` (``fit_options`` passed on; path scheme).
    data : Survey, DataFrame, path or SurveyMoments, optional
        The survey, when ``result`` is a model. From SurveyMoments (or a PLSResult fitted on
        them) the index needs ``scale=`` (answers outside it, from the moments' per-item
        min and max, are an error) and, for ``by=``, moments computed with
        ``survey_moments(..., by=...)``; the respondents' index scores and the bootstrap
        need the rows and are refused.
    scale : (min, max) or dict, optional
        The answer scale of the items (all, or per item). Default: the survey's codebook.
        Without either, :class:`~csi_model.exceptions.SurveyDataError`: the scale of the
        questionnaire is never guessed from the answers.
    by : str, optional
        A metadata column of the survey (operator, wave...): the index per group too.
    target : str, optional
        The construct of the impacts and the IPMA (default ``"SAT"``, else the last
        endogenous latent).
    gain : float
        Index points of driver improvement for the impacts (ACSI reports 5).
    bootstrap : int or bool, optional
        Resamples for standard errors and intervals (``True``: 5000). Needs ``seed``.
    seed, n_jobs, level, ci_method :
        Bootstrap options (see :func:`csi_model.bootstrap.bootstrap`).
    missing : {"listwise", "mean", "em"}, optional
        When ``result`` is a model: the missing-data method of its PLS fit (default
        ``"listwise"``, see :func:`~csi_model.pls.fit.fit_pls`). A PLSResult carries its own
        (``result.missing``); giving a different one is an error. With ``"em"`` the index
        comes from the EM means, the respondents' index scores from the conditional
        expectations of their missing answers, and the bootstrap re-runs the EM per resample.

    Returns
    -------
    IndexResult

    Warns
    -----
    NegativeWeightWarning
        When a weight is negative (the index formula assumes positive weights).

    Examples
    --------
    >>> import csi_model as cm
    >>> survey = cm.simulate_survey("telecom", n=300, seed=1)
    >>> res = cm.csi_index(cm.fit_pls("telecom", survey), scale=(1, 10))
    >>> bool(0 < res.overall()["SAT"] < 100)
    True
    """
    if not isinstance(result, PLSResult):
        if data is None:
            raise ValueError("csi_index needs a PLSResult, or a model and its data: "
                             "csi_index('telecom', survey).")
        result = fit_pls(result, data, missing="listwise" if missing is None else missing,
                         **fit_options)
    elif data is not None or fit_options:
        raise ValueError("csi_index got a PLSResult and also data or fit options; pass the "
                         "PLSResult alone (it carries its survey).")
    elif missing is not None:
        from ..survey.missing import resolve_missing
        if resolve_missing(missing, "pls", "csi_index") != result.missing:
            raise ValueError(f"The 'missing' parameter of csi_index is {missing!r}, but the "
                             f"PLSResult was fitted with missing={result.missing!r}. Refit it: "
                             f"fit_pls(..., missing={missing!r}).")
    pr = result._problem
    rows_free = getattr(result._data, "rows_free", False)     # fitted from SurveyMoments
    if rows_free and bootstrap:
        from ._moments import rows_needed
        raise rows_needed("csi_index(bootstrap=...)", result._data.source)
    notes: list[str] = list(result.warnings)      # e.g. the rows the PLS fit dropped
    lo, hi = _scales(result, scale, notes)
    if rows_free and scale is not None:
        from ._moments import check_scale_from_data
        check_scale_from_data(result._data, lo, hi, "csi_index")
    if target is None:
        target = "SAT" if "SAT" in pr.latents else pr.latents[pr.endo[-1]]
    if target not in pr.latents:
        raise ValueError(f"The 'target' parameter of csi_index must be a latent of the model "
                         f"({', '.join(pr.latents)}). Got {target!r} instead.")
    t = pr.latents.index(target)

    # groups
    groups = labels = None
    group_list = []                 # (label, rows used, item means)
    if by is not None and rows_free:
        from ._moments import index_groups
        group_list = index_groups(result, by)
        labels = [g for g, _, _ in group_list]
    elif by is not None:
        survey = result.survey
        if survey is None or by not in survey.data.columns:
            cols = [] if survey is None else list(survey.metadata)
            raise SurveyDataError(f"The 'by' column {by!r} is not in the survey "
                                  f"(its other columns: {', '.join(map(str, cols)) or 'none'}).")
        lab = survey.data.loc[result._data.rows, by]
        if lab.isna().any():
            raise SurveyDataError(f"The 'by' column {by!r} is empty for {int(lab.isna().sum())} "
                                  "respondents used; fill it in or drop those rows.")
        labels, inverse = np.unique(lab.astype(str).to_numpy(), return_inverse=True)
        inverse = np.asarray(inverse).ravel()
        groups = np.zeros((len(inverse), len(labels)))
        groups[np.arange(len(inverse)), inverse] = 1.0
        X = result._data.X
        w_rows = result._data.weights
        for g, name in enumerate(labels):
            cg = groups[:, g] if w_rows is None else groups[:, g] * w_rows
            group_list.append((name, int(groups[:, g].sum()), cg @ X / cg.sum()))

    maker = _IndexMaker(result, lo, hi, t, groups, float(gain))
    core = result._core
    w_raw = core["w_raw"][None]
    mean_e = result._data.mean[pr.col][None]
    index, v, sd_index, imp = (a[0] for a in maker.parts(w_raw, mean_e, core["total"][None]))

    # negative weights
    for (lv, it), wi in zip(pr.pairs, core["w_raw"]):
        if wi < 0:
            msg = (f"The unstandardized weight of {it} on {lv} is negative ({wi:.4f}): the ACSI "
                   f"index formula assumes positive weights, so the index of {lv} is not a "
                   "weighted average of its items (and can leave 0-100). Check the item's coding "
                   "(reverse-worded?) or drop it from the block.")
            notes.append(msg)
            warnings.warn(msg, NegativeWeightWarning, stacklevel=2)

    # tables
    rows = [{"group": ALL, "latent": lv, "n": result.n, "index": index[k]}
            for k, lv in enumerate(pr.latents)]
    for name, n_g, mg in group_list:
        perf = 100 * (mg[pr.col] - maker.lo_e) / maker.rng_e
        gi = np.zeros(pr.L)
        np.add.at(gi, pr.owner, v * perf)
        rows += [{"group": name, "latent": lv, "n": n_g, "index": gi[k]}
                 for k, lv in enumerate(pr.latents)]
    table = pd.DataFrame(rows)
    perf_items = 100 * (result._data.mean[pr.col] - maker.lo_e) / maker.rng_e
    weights = pd.DataFrame({"latent": [p[0] for p in pr.pairs], "item": [p[1] for p in pr.pairs],
                            "weight.raw": core["w_raw"], "weight.index": v,
                            "min": maker.lo_e, "max": maker.hi_e,
                            "mean": result._data.mean[pr.col], "performance": perf_items})
    drivers = maker.drivers
    impacts = pd.DataFrame({"driver": [pr.latents[d] for d in drivers],
                            "target": [target] * len(drivers),
                            "total_effect": [core["total"][d, t] for d in drivers],
                            "importance": imp, "impact": gain * imp})
    ipma_rows = [{"level": "latent", "construct": pr.latents[d], "name": pr.latents[d],
                  "importance": imp[i], "performance": index[d]} for i, d in enumerate(drivers)]
    for i, d in enumerate(drivers):
        for e in range(pr.m):
            if pr.owner[e] == d:
                ipma_rows.append({"level": "item", "construct": pr.latents[d],
                                  "name": pr.pairs[e][1], "importance": v[e] * imp[i],
                                  "performance": perf_items[e]})
    ipma = pd.DataFrame(ipma_rows, columns=["level", "construct", "name", "importance",
                                            "performance"])
    # respondent index scores
    if rows_free:
        from ._moments import RowsNeeded
        scores = RowsNeeded("IndexResult.scores (respondents' index scores)",
                            result._data.source)
    else:
        X = result._data.X
        Wv = np.zeros((X.shape[1], pr.L))
        np.add.at(Wv, (pr.col, pr.owner), v * 100 / maker.rng_e)
        offs = np.zeros(pr.L)
        np.add.at(offs, pr.owner, v * 100 * maker.lo_e / maker.rng_e)
        scores = pd.DataFrame(X @ Wv - offs, index=result._data.rows, columns=pr.latents)

    bt = None
    if bootstrap:
        from ..bootstrap import bootstrap as engine
        if seed is None:
            raise ValueError("The 'seed' parameter of csi_index is required with bootstrap "
                             "(an integer), so that the intervals can be reproduced.")
        B = DEFAULT_PLS_BOOTSTRAP if bootstrap is True else int(bootstrap)
        stat = _statistic(result, extra=maker.extra)
        names = stat.names()
        names += [f"index {lv}" for lv in pr.latents]
        names += [f"impact {pr.latents[d]} -> {target}" for d in drivers]
        if groups is not None:
            names += [f"index {lv} [{g}]" for g in labels for lv in pr.latents]
        bt = engine(stat, result.n, B=B, seed=seed, n_jobs=n_jobs, names=names,
                    strata=None if groups is None else inverse)
        ci = bt.ci(level, ci_method)
        se = pd.Series(bt.se, index=bt.names)
        keys = [f"index {lv}" if g == ALL else f"index {lv} [{g}]"
                for g, lv in zip(table.group, table.latent)]
        table["se"] = se.reindex(keys).to_numpy()
        table["ci.lower"] = ci["ci.lower"].reindex(keys).to_numpy()
        table["ci.upper"] = ci["ci.upper"].reindex(keys).to_numpy()
        ik = [f"impact {d} -> {target}" for d in impacts.driver]
        impacts["se"] = se.reindex(ik).to_numpy()
        impacts["ci.lower"] = ci["ci.lower"].reindex(ik).to_numpy()
        impacts["ci.upper"] = ci["ci.upper"].reindex(ik).to_numpy()
        if bt.n_failed:
            notes.append(f"Bootstrap: {bt.n_failed} of {bt.B} resamples failed and were left out.")
    else:
        for c in ("se", "ci.lower", "ci.upper"):
            table[c] = np.nan
    _check_range(table, notes)
    return IndexResult(table=table, weights=weights, impacts=impacts, ipma=ipma, scores=scores,
                       target=target, gain=float(gain), by=by, warnings=tuple(notes),
                       bootstrap=bt, level=level, ci_method=ci_method, pls=result)


def _check_range(table: pd.DataFrame, notes: list[str]) -> None:
    """An index outside 0-100 is impossible (answers outside the scale, a negative weight):
    never return one."""
    values = table["index"].to_numpy(dtype=float)
    bad = np.isfinite(values) & ((values < -1e-9) | (values > 100 + 1e-9))
    if not bad.any():
        return
    listed = ", ".join(f"{r.latent}{'' if r.group in (None, '', '(all)') else f' ({r.group})'}"
                       f" = {r.index:.1f}" for r in table.loc[bad].itertuples())
    hint = [m for m in notes if "negative" in m.lower() or "scale" in m.lower()]
    raise EstimationError(f"The index of {listed} lies outside 0-100, which is impossible: the "
                          "item scale does not contain the answers or an outer weight is "
                          "negative. Declare the answer scale (scale=(MIN, MAX), --scale "
                          "MIN,MAX or the codebook; answers outside it are then reported) and "
                          "check the weights" + (f" ({hint[0]})" if hint else "") + ".")
