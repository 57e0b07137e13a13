"""Comparing operators and survey waves in one call: :func:`compare`.

One result gathers what a comparison report needs:

* CB-SEM measurement invariance across the groups (:func:`csi_model.sem.groups.invariance`)
  and Wald tests of equal structural paths in the metric model; the latent mean differences
  from the first group in the scalar model (:func:`csi_model.sem.groups.latent_means`);
* PLS-MGA permutation tests of the paths and MICOM steps 1-3 (:mod:`csi_model.pls.mga`);
* the 0-100 index of every latent per group with bootstrap intervals
  (:func:`csi_model.pls.index.csi_index`) and the differences between groups, with
  bootstrap intervals and p-values; with ``by=[operator, wave]`` the wave-over-wave
  change of each operator and a trend table.
"""
from __future__ import annotations

import itertools
import json
import warnings
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .exceptions import EstimationError, SurveyDataError
from .sem.results import Summary
from .model.spec import ModelSpec, load_model

__all__ = ["compare", "ComparisonResult", "index_differences"]

GROUP_SEP = " | "


def index_differences(index_result, pairs: Sequence[tuple[str, str]] | None = None,
                      level: float = 0.95) -> pd.DataFrame:
    """Differences of the 0-100 index between groups, from the index bootstrap.

    Parameters
    ----------
    index_result : IndexResult
        From ``csi_index(..., by=..., bootstrap=B, seed=S)``.
    pairs : list of (group_a, group_b), optional
        Which differences (b - a); default every pair, in the groups' order.

    Returns
    -------
    DataFrame
        ``latent, group_a, group_b, index_a, index_b, diff, se, ci.lower, ci.upper, pvalue``:
        the percentile interval of the bootstrap differences (resampling within groups) and the
        two-sided bootstrap p-value 2 * min(P(diff* <= 0), P(diff* >= 0)).

    Examples
    --------
    >>> import csi_model as cm
    >>> survey = cm.read_survey(cm.make_demo_survey(), codebook="telecom", missing_codes=[99])
    >>> pls = cm.fit_pls("acsi", survey)
    >>> index = cm.csi_index(pls, by="wave", bootstrap=50, seed=1)
    >>> d = cm.index_differences(index)
    >>> d[["latent", "group_a", "group_b", "diff", "ci.lower", "ci.upper", "pvalue"]].head(3).round(2)
      latent group_a group_b  diff  ci.lower  ci.upper  pvalue
    0   EXPE    2025    2026  2.04     -0.14      4.02    0.16
    1   QUAL    2025    2026 -0.28     -3.14      1.96    0.92
    2    VAL    2025    2026  4.18     -0.39      7.46    0.16
    """
    bt = index_result.bootstrap
    if bt is None or index_result.by is None:
        raise ValueError("index_differences needs an index computed with by=... and a bootstrap "
                         "(csi_index(..., by='wave', bootstrap=1000, seed=1)).")
    table = index_result.table
    groups = [g for g in dict.fromkeys(table.group) if g != "(all)"]
    if pairs is None:
        pairs = list(itertools.combinations(groups, 2))
    names = list(bt.names)
    reps = bt.replicates
    lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
    rows = []
    latents = list(dict.fromkeys(table.latent))
    for a, b in pairs:
        for lv in latents:
            ia, ib = names.index(f"index {lv} [{a}]"), names.index(f"index {lv} [{b}]")
            d = reps[:, ib] - reps[:, ia]
            d = d[np.isfinite(d)]
            va = table[(table.group == a) & (table.latent == lv)]["index"].iloc[0]
            vb = table[(table.group == b) & (table.latent == lv)]["index"].iloc[0]
            p = 2 * min((d <= 0).mean(), (d >= 0).mean())
            rows.append({"latent": lv, "group_a": a, "group_b": b, "index_a": va, "index_b": vb,
                         "diff": vb - va, "se": d.std(ddof=1), "ci.lower": np.quantile(d, lo),
                         "ci.upper": np.quantile(d, hi), "pvalue": min(1.0, p)})
    return pd.DataFrame(rows)


@dataclass(frozen=True, eq=False)
class ComparisonResult:
    """Result of :func:`compare`. Tables are pandas DataFrames with lavaan-style names.

    Examples
    --------
    >>> import csi_model as cm
    >>> survey = cm.read_survey(cm.make_demo_survey(), codebook="telecom", missing_codes=[99])
    >>> cmp = cm.compare("acsi", survey, by="wave", bootstrap=50, n_permutations=50, seed=1)
    >>> cmp.groups
    ('2025', '2026')
    >>> cmp.pls_paths.columns.tolist()[:6]
    ['group_a', 'group_b', 'lhs', 'op', 'rhs', 'est.a']
    """

    spec: ModelSpec
    by: tuple[str, ...]
    groups: tuple[str, ...]
    invariance: Any                 # InvarianceResult, or None when CB-SEM was impossible
    cbsem_paths: pd.DataFrame       # Wald tests, metric model, each group vs the first
    pls_paths: pd.DataFrame         # PLS-MGA permutation tests, each group vs the first
    micom: pd.DataFrame
    index: Any                      # IndexResult
    index_diff: pd.DataFrame
    trends: pd.DataFrame
    warnings: tuple[str, ...] = ()
    options: dict = field(default_factory=dict)
    latent_means: pd.DataFrame = field(default_factory=pd.DataFrame)  # scalar model vs group 1

    def summary(self) -> Summary:
        """Every table of the comparison, with its warnings (text in a console, HTML in Jupyter).

        Examples
        --------
        >>> import csi_model as cm
        >>> survey = cm.read_survey(cm.make_demo_survey(), codebook="telecom", missing_codes=[99])
        >>> cmp = cm.compare("acsi", survey, by="wave", bootstrap=50, n_permutations=50, seed=1)
        >>> cmp.summary()                      # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
        csi_model comparison by wave
        ============================
        Model   acsi
        Groups  wave: 2025, 2026
        Data    <DataFrame>: 496 of 600 respondents used (PLS and the index)
        ...
        """
        header = [("Model", self.spec.name), ("Groups", f"{' x '.join(self.by)}: "
                                                         + ", ".join(self.groups))]
        pls = getattr(self.index, "pls", None)
        if pls is not None:
            header.append(("Data", f"{pls.data_source}: {pls.n} of {pls.n_total} respondents "
                                   "used (PLS and the index)"))
        missing = self.options.get("missing", "listwise")
        header.append(("Missing data", "listwise deletion" if missing == "listwise" else
                       "ml: FIML (CB-SEM invariance), EM covariance matrix (PLS, MGA, index)"))
        tables = []
        if self.invariance is not None:
            cols = ["chisq", "df", "cfi", "rmsea", "srmr", "chisq.diff", "df.diff",
                    "pvalue.diff", "cfi.diff", "rmsea.diff", "decision"]
            title = ("Measurement invariance (CB-SEM); a step holds when CFI drops by "
                     "< .010 (Cheung & Rensvold 2002) and RMSEA rises by < .015 (Chen 2007)")
            ladder = self.invariance.ladder
            if self.options.get("weights") and "chisq.scaling.factor" in ladder:
                cols[:4] = ["chisq.scaled", "df", "cfi.robust", "rmsea.robust"]   # MLR
                how = "weighted FIML" if missing != "listwise" else "weighted ML"
                title += (f"; sampling weights: {how} (MLR), Yuan-Bentler scaled "
                          "chi-square, robust CFI/RMSEA, Satorra-Bentler (2001) scaled "
                          "difference tests")
            elif "cfi.scaled" in ladder:      # ordered items (WLSMV)
                cols[:4] = ["chisq.scaled", "df", "cfi.scaled", "rmsea.scaled"]
                title += ("; ordered items: " + ("weighted " if self.options.get("weights")
                                                 else "") +
                          "WLSMV, scaled CFI/RMSEA, scaled-shifted difference tests (Wu & "
                          "Estabrook 2016 steps)")
            tables.append((title, self.invariance.ladder[cols]))
            if len(self.invariance.suggestions):
                tables.append(("Partial invariance: constraints to release first",
                               self.invariance.suggestions.head(5)))
        if len(self.latent_means):
            lm = self.latent_means
            tables.append(("Latent mean differences from " + str(lm["reference"].iloc[0])
                           + " (CB-SEM scalar model; 'intercept' rows: the mean left after the "
                           "latent's predictors; 'implied': the difference of the model-implied "
                           "means)", lm.drop(columns="reference").set_index(["latent", "group"])[
                               ["kind", "est", "se", "z", "pvalue", "implied", "implied.se",
                                "implied.pvalue"]]))
        weighted = " (weighted)" if self.options.get("weights") else ""
        tables += [("Structural paths: CB-SEM Wald tests (metric model)", self.cbsem_paths),
                   ("Structural paths: PLS-MGA permutation tests" + weighted, self.pls_paths),
                   ("MICOM (PLS measurement invariance of composites)" + weighted,
                    self.micom[["group_b", "latent", "step2.c", "step2.c_q05", "step3.mean_diff",
                                "step3.logvar_diff", "verdict"]]
                    if len(self.micom) else self.micom),
                   ("Index (0-100) by group", self.index.table),
                   ("Index differences", self.index_diff)]
        # a step that was skipped (its reason is under WARNINGS) has an empty, column-less table
        tables = [(title, t) for title, t in tables if t.shape[1]]
        return Summary(f"csi_model comparison by {' x '.join(self.by)}", header, tables,
                       self.warnings)

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __repr__(self) -> str:
        return f"<ComparisonResult {self.spec.name} by {self.by}: groups {list(self.groups)}>"

    def to_dict(self) -> dict:
        """JSON-ready dict of every table (records) and the options.

        Examples
        --------
        >>> import csi_model as cm
        >>> survey = cm.read_survey(cm.make_demo_survey(), codebook="telecom", missing_codes=[99])
        >>> cmp = cm.compare("acsi", survey, by="wave", bootstrap=50, n_permutations=50, seed=1)
        >>> import json
        >>> d = cmp.to_dict()
        >>> list(d)[:6]
        ['by', 'groups', 'n', 'n_total', 'invariance', 'partial_invariance']
        >>> len(json.dumps(d)) > 1000
        True
        """
        def frame(df):
            return json.loads(df.to_json(orient="records", double_precision=15))
        inv = self.invariance
        pls = getattr(self.index, "pls", None)
        return {"by": list(self.by), "groups": list(self.groups),
                "n": None if pls is None else int(pls.n),
                "n_total": None if pls is None else int(pls.n_total),
                "invariance": frame(inv.ladder.reset_index()) if inv is not None else [],
                "partial_invariance": frame(inv.suggestions) if inv is not None else [],
                "cbsem_paths": frame(self.cbsem_paths), "pls_paths": frame(self.pls_paths),
                "micom": frame(self.micom), "index": frame(self.index.table),
                "index_differences": frame(self.index_diff), "trends": frame(self.trends),
                "latent_means": frame(self.latent_means),
                "warnings": list(self.warnings), "options": self.options}


def _prepare(spec: ModelSpec, data, by: Sequence[str], missing_codes, scale=None):
    from ._inputs import as_survey
    from .survey.read import Survey
    survey = as_survey(data, spec, missing_codes, "compare",
                       scale=scale if isinstance(scale, (tuple, list)) else None)
    frame = survey.data
    for col in by:
        if col not in frame.columns:
            raise SurveyDataError(f"{survey.source}: the grouping column '{col}' is not in the "
                                  f"data. Columns: {', '.join(map(str, frame.columns))}.")
    if len(by) == 1:
        return survey, by[0]
    # several columns: one combined label per respondent, e.g. "China Mobile | 2026"
    combined = frame[list(by)].astype(str).agg(GROUP_SEP.join, axis=1)
    name = GROUP_SEP.join(by)
    new = frame.copy()
    new[name] = combined
    return Survey(new, survey.items, survey.report, survey.source, survey.codebook), name


def _measurement_part(spec: ModelSpec, notes: list[str]) -> ModelSpec:
    """The CFA of the latents with two or more items (for the ordinal ladder)."""
    blocks = {lv: its for lv, its in spec.indicators.items() if len(its) >= 2}
    single = [lv for lv in spec.indicators if lv not in blocks]
    if single:
        notes.append(f"Ordinal invariance ladder without the single-item latents {single} "
                     "(one ordered item identifies no latent).")
    text = "\n".join(f"{lv} =~ {' + '.join(its)}" for lv, its in blocks.items())
    return ModelSpec.from_syntax(text, name=f"{spec.name} (measurement)")


def _ordinal_steps(steps) -> tuple[str, ...]:
    from .sem.ordinal_groups import ORDINAL_STEPS
    if tuple(steps) == ("configural", "metric", "scalar", "strict"):
        return tuple(ORDINAL_STEPS)
    return tuple(steps)


def _weighted_ladder(spec, survey, group_col, steps, weights, notes, missing="listwise",
                     ordinal: bool = False):
    """The CB-SEM invariance ladder with sampling weights, or None with a note saying why it
    was skipped: weighted ML (``missing="ml"``: weighted FIML) with robust SEs and
    Satorra-Bentler scaled differences; with ordered items weighted WLSMV on the
    measurement model (``missing="ml"``: pairwise deletion) with scaled-shifted
    differences."""
    from .sem.groups import invariance
    try:
        if ordinal:
            inv = invariance(_measurement_part(spec, notes), survey, by=group_col,
                             ordered=True, steps=_ordinal_steps(steps), weights=weights,
                             missing="pairwise" if missing == "ml" else "listwise")
        else:
            inv = invariance(spec, survey, by=group_col, steps=steps, weights=weights,
                             missing="fiml" if missing == "ml" else "listwise")
    except EstimationError as exc:   # e.g. cells too small for a configural CB-SEM
        notes.append(f"CB-SEM invariance and path tests skipped: {exc}")
        return None
    except SurveyDataError as exc:   # ordered items: e.g. a category empty in a group
        if not ordinal:
            raise
        notes.append(f"CB-SEM invariance (ordered items) skipped: {exc}")
        return None
    if ordinal:
        notes.append(f"Sampling weights ('{weights}'), ordered items: the CB-SEM invariance "
                     "ladder is weighted WLSMV on the measurement model (weighted thresholds, "
                     "polychoric correlations and Gamma, as lavaan's sampling.weights); its "
                     "chisq.diff is the scaled-shifted difference test. CB-SEM path tests "
                     "are not done with ordered items (see the PLS-MGA path tests)."
                     + (" It uses pairwise deletion (lavaan's missing = \"pairwise\"; there "
                        "is no FIML for ordered items)." if missing == "ml" else ""))
        return inv
    how = "weighted FIML" if missing == "ml" else "weighted ML"
    notes.append(f"Sampling weights ('{weights}'): the CB-SEM invariance ladder is {how} "
                 "with robust SEs (lavaan's sampling.weights: MLR); its chisq.diff is the "
                 "Satorra-Bentler (2001) scaled difference and its decisions use the robust "
                 "CFI and RMSEA.")
    return inv


def compare(spec: ModelSpec | str, data, *, by: str | Sequence[str], bootstrap: int = 1000,
            n_permutations: int = 1000, seed: int = 1, scale=None, missing_codes=None,
            level: float = 0.95, invariance_steps=("configural", "metric", "scalar", "strict"),
            n_jobs: int = 1, ordered=None, missing: str = "listwise",
            weights: str | None = None) -> ComparisonResult:
    """Compare operators or survey waves: invariance, path differences, index differences.

    Parameters
    ----------
    spec : ModelSpec or str
    data : Survey, DataFrame or path
    by : str or list of str
        The grouping column (``"operator"``, ``"wave"``), or two columns
        (``["operator", "wave"]``): then every operator x wave cell is a group, and the
        trend table and wave-over-wave differences per operator are filled.
    bootstrap : int
        Resamples (within groups) for the index intervals and differences.
    n_permutations : int
        Permutations of the PLS-MGA tests and MICOM.
    seed : int
        Seed of every random step (bootstrap and permutations).
    scale : (min, max) or dict, optional
        The item scale for the 0-100 index (default: the survey's codebook). Without
        either, :class:`~csi_model.exceptions.SurveyDataError` (before anything is fitted):
        the scale is never guessed from the answers.
    ordered : True, optional
        Treat the items as ordered for the CB-SEM invariance ladder: WLSMV and the
        Wu & Estabrook (2016) steps ``configural, thresholds, loadings, intercepts`` on the
        model's measurement part (latents with two or more items; see
        :mod:`csi_model.sem.ordinal_groups`). The CB-SEM path tests are then skipped (with a
        note); the PLS-MGA tests and the index are unchanged. With ordered items and
        ``missing="ml"`` the ladder uses pairwise deletion (lavaan's ``missing =
        "pairwise"``: there is no FIML for ordered items; noted in the output).
    missing : {"listwise", "ml"}
        ``"listwise"`` (default) drops incomplete respondents everywhere; ``"ml"`` (also
        written ``"fiml"`` or ``"em"``) keeps them: the CB-SEM invariance ladder by FIML
        (``invariance(..., missing="fiml")``), PLS, PLS-MGA, MICOM and the index on the EM
        covariance matrix (``fit_pls(..., missing="em")``).
    weights : str, optional
        The column of sampling weights: the PLS fit is weighted
        (:func:`~csi_model.pls.fit.fit_pls`), so are the indices of every group and their
        differences (a bootstrap resample draws respondents within groups, each keeping its
        weight), and the CB-SEM invariance ladder with its path and latent-mean tests
        (``invariance(..., weights=)``: weighted ML with robust SEs, Satorra-Bentler scaled
        differences, as lavaan's ``sampling.weights``; with ``missing="ml"`` weighted FIML,
        as far as the PLS fit allows the weights with it; with ``ordered`` weighted WLSMV,
        ``invariance(..., ordered=True, weights=)``). The PLS-MGA permutation tests and MICOM
        are weighted as well (:func:`~csi_model.pls.mga.pls_permutation_test`: every permuted
        group is a weighted PLS fit, each respondent keeping its weight; MICOM uses weighted
        correlations, means and variances); the result's warnings and summary say so.

    Returns
    -------
    ComparisonResult
        With ``invariance_steps`` including ``"scalar"``, ``result.latent_means`` holds the
        latent mean differences of every group from the first in the scalar model (lavaan's
        ``group.equal = c("loadings", "intercepts")``: the first group's latent means fixed
        at 0, the others free), with SEs, z and p-values (see
        :func:`csi_model.sem.groups.latent_means`); they are in the summary too.

    Examples
    --------
    >>> import csi_model as cm
    >>> survey = cm.read_survey(cm.make_demo_survey(), codebook="telecom", missing_codes=[99])
    >>> cmp = cm.compare("acsi", survey, by="wave", bootstrap=50, n_permutations=50, seed=1)
    >>> cmp
    <ComparisonResult acsi by ('wave',): groups ['2025', '2026']>
    >>> cmp.invariance.ladder["decision"].tolist()
    ['baseline', 'holds', 'holds', 'holds']
    >>> cmp.index_diff[["latent", "diff", "ci.lower", "ci.upper"]].head(2).round(2)
      latent  diff  ci.lower  ci.upper
    0   EXPE  2.04     -0.14      4.02
    1   QUAL -0.28     -3.14      1.96
    """
    from .sem.groups import invariance as ladder, latent_means, path_differences
    from .pls.index import _scales, csi_index
    from .pls.fit import fit_pls
    from .pls.mga import pls_permutation_test

    spec = spec if isinstance(spec, ModelSpec) else load_model(spec)
    by_cols = (by,) if isinstance(by, str) else tuple(by)
    if not by_cols or len(by_cols) > 2:
        raise ValueError("The 'by' parameter of compare must be a column name or a list of two "
                         f"(e.g. ['operator', 'wave']). Got {by!r} instead.")
    from .survey.missing import resolve_missing
    missing = resolve_missing(missing, "analysis", "compare")
    survey, group_col = _prepare(spec, data, by_cols, missing_codes, scale)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # they are on pls.warnings, reported below
        pls = fit_pls(spec, survey, missing="em" if missing == "ml" else "listwise",
                      weights=weights)
    _scales(pls, scale, [])                  # no scale and no codebook: stop here, not later
    notes: list[str] = list(pls.warnings)
    labels = survey.data[group_col].dropna().astype(str)
    groups = tuple(dict.fromkeys(labels))
    inv, cbsem_paths, means_table = None, pd.DataFrame(), pd.DataFrame()
    ordinal = ordered is not None and ordered is not False
    if weights is not None:
        inv = _weighted_ladder(spec, survey, group_col, invariance_steps, weights, notes,
                               missing, ordinal)
        notes.append(f"Sampling weights ('{weights}'): the PLS-MGA permutation tests and "
                     "MICOM are weighted (each permuted group is a weighted PLS fit, every "
                     "respondent keeping its weight; MICOM with weighted correlations, means "
                     "and variances); permutation p-values assume respondents exchangeable "
                     "between groups, which very unequal weights make only approximate. The "
                     "indices and their differences are weighted too.")
    else:
        try:
            if ordinal:
                inv = ladder(_measurement_part(spec, notes), survey, by=group_col, ordered=True,
                             steps=_ordinal_steps(invariance_steps),
                             missing="pairwise" if missing == "ml" else "listwise")
                notes.append("Ordered items: the CB-SEM invariance ladder is fitted to the "
                             "measurement model (WLSMV); CB-SEM path tests are not done with "
                             "ordered items (see the PLS-MGA path tests).")
                if missing == "ml":
                    notes.append("Ordered items: the WLSMV invariance ladder uses pairwise "
                                 "deletion (lavaan's missing = \"pairwise\"; there is no FIML "
                                 "for ordered items); missing='ml' means EM for PLS, PLS-MGA "
                                 "and the index.")
            else:
                inv = ladder(spec, survey, by=group_col, steps=invariance_steps,
                             missing="fiml" if missing == "ml" else "listwise")
        except EstimationError as exc:   # e.g. cells too small for a configural CB-SEM
            notes.append(f"CB-SEM invariance and path tests skipped: {exc}")
        except SurveyDataError as exc:   # ordered items: e.g. a category empty in a group
            if not ordinal:
                raise
            notes.append(f"CB-SEM invariance (ordered items) skipped: {exc}")
    if inv is not None:
        for fit_ in inv.fits.values():         # e.g. rows the CB-SEM fits dropped
            notes += [w for w in getattr(fit_, "warnings", ()) if w not in notes]
    if inv is not None and not ordinal:
        metric = inv.fits.get("metric") or inv.fits[invariance_steps[0]]
        cb_rows = []
        for g in groups[1:]:
            t = path_differences(metric, first=groups[0], second=g)
            t = t.rename(columns={f"est.{groups[0]}": "est.a", f"est.{g}": "est.b"})
            t.insert(0, "group_b", g)
            t.insert(0, "group_a", groups[0])
            cb_rows.append(t)
        cbsem_paths = pd.concat(cb_rows, ignore_index=True)
        if "scalar" in inv.fits:
            means_table = latent_means(inv.fits["scalar"], level=level)
            if inv.ladder.loc["scalar", "decision"] == "rejected":
                notes.append("The scalar-invariance step is rejected by the CFI/RMSEA cut-offs: "
                             "the latent mean differences assume equal intercepts and may be "
                             "biased. Compare them with care, or free the intercepts the "
                             "partial-invariance table lists (invariance(..., partial=[...])).")

    pls_rows, micom_rows = [], []
    for g in groups[1:]:
        res = pls_permutation_test(pls, by=group_col, groups=(groups[0], g),
                                   n_permutations=n_permutations, seed=seed, level=level)
        t = res.paths.rename(columns={f"est.{groups[0]}": "est.a", f"est.{g}": "est.b"})
        t.insert(0, "group_b", g)
        t.insert(0, "group_a", groups[0])
        pls_rows.append(t)
        m = res.micom.copy()
        m.insert(0, "group_b", g)
        m.insert(0, "group_a", groups[0])
        micom_rows.append(m)
    pls_paths = pd.concat(pls_rows, ignore_index=True) if pls_rows else pd.DataFrame()
    micom_table = pd.concat(micom_rows, ignore_index=True) if micom_rows else pd.DataFrame()

    idx = csi_index(pls, scale=scale, by=group_col, bootstrap=bootstrap, seed=seed,
                    level=level, n_jobs=n_jobs)
    index_groups = [g for g in dict.fromkeys(idx.table.group) if g != "(all)"]
    trends = pd.DataFrame()
    if len(by_cols) == 2:
        split = {g: g.split(GROUP_SEP) for g in index_groups}
        pairs = []
        for first in sorted({s[0] for s in split.values()}):
            cells = sorted((s[1], g) for g, s in split.items() if s[0] == first)
            pairs += [(a[1], b[1]) for a, b in zip(cells, cells[1:])]
        diff = index_differences(idx, pairs, level)
        t = idx.table[idx.table.group != "(all)"].copy()
        t[by_cols[0]] = [split[g][0] for g in t.group]
        t[by_cols[1]] = [split[g][1] for g in t.group]
        trends = t[[by_cols[0], by_cols[1], "latent", "n", "index", "se", "ci.lower",
                    "ci.upper"]].reset_index(drop=True)
    else:
        diff = index_differences(idx, None, level)
    notes = tuple(dict.fromkeys([*notes, *idx.warnings]))
    options = {"bootstrap": bootstrap, "n_permutations": n_permutations, "seed": seed,
               "level": level, "steps": list(invariance_steps), "missing": missing,
               "weights": weights}
    return ComparisonResult(spec, by_cols, tuple(groups), inv, cbsem_paths, pls_paths,
                            micom_table, idx, diff, trends, notes, options, means_table)
