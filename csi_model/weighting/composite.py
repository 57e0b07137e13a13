"""Entropy, principal-component and stated-importance weights, and the indices they give.

Every method gives item weights; the 0-100 index of a block is then the weighted mean of
its rescaled items, ``I = sum w_i r_i`` with ``r_i = 100 (mean_i - min_i) / (max_i - min_i)``
and the weights normalized to sum 1 in the block - the same rescaled items as the PLS
index of :mod:`csi_model.pls.index`, so that the indices differ by their weights only.

**Entropy weights** (the entropy weight method as in Zou, Yun & Sun 2006, *Journal of
Environmental Sciences* 18(5), 1020-1023): with n respondents, each item min-max
normalized over the respondents, ``x'_ij = (x_ij - min_j) / (max_j - min_j)``,
``p_ij = x'_ij / sum_i x'_ij``, entropy ``e_j = -(1 / ln n) sum_i p_ij ln p_ij``
(``0 ln 0 = 0``), ``d_j = 1 - e_j`` and ``w_j = d_j / sum_k d_k``: items whose answers
differ more between respondents weigh more.

**PCA weights** - the variant of the OECD/JRC *Handbook on Constructing Composite
Indicators* (Nardo, Saisana, Saltelli, Tarantola, Hoffmann & Giovannini 2008, OECD
Publishing, section 6.1, "Weights based on principal components analysis or factor
analysis"), exactly as follows: principal components of the items' correlation matrix;
keep the leading components with eigenvalue > 1 that each explain more than 10 % of the
variance (at least one; a note says when the kept ones explain less than 60 %, the
handbook's third criterion); loadings ``L = eigenvector * sqrt(eigenvalue)``, rotated by
varimax (Kaiser-normalized, R's ``stats::varimax`` default) when more than one is kept;
squared loadings scaled to unity sum per component, ``s_jf = L_jf^2 / sum_j L_jf^2``;
each item goes to the component of its largest ``s_jf``; its weight is that ``s_jf``
times the component's share of the kept (rotated) explained variance
``sum_j L_jf^2 / sum_jf L_jf^2``; the weights are normalized to sum 1. With one kept
component the weights are simply ``L_j^2 / sum_k L_k^2``.

**Stated importance**: the mean of the respondents' importance ratings of each item
(e.g. "How important is call clarity to you?", 1-5), normalized.

**AHP**: :func:`csi_model.weighting.ahp.ahp` on experts' item comparisons per block.

:func:`compare_weightings` sets every index beside the PLS index with the differences,
for every block and for a **composite** of the target's drivers (e.g. the six drivers of
satisfaction) with global item weights: PLS ``v_i * importance_d / sum_d importance_d``
(the drivers weighted by their impacts); AHP ``W_d * w_i|d`` (Saaty's hierarchical
synthesis: the drivers' AHP weights times the items' AHP weights in the block); entropy,
PCA and stated importance computed on all the drivers' items at once.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from ..exceptions import CSIModelWarning, SurveyDataError
from ..pls.fit import PLSResult, _records
from ..pls.index import IndexResult, csi_index
from .ahp import AHPResult, ahp as _ahp

__all__ = ["entropy_weights", "pca_weights", "stated_weights", "weighted_index",
           "compare_weightings", "WeightingComparison", "METHODS"]

METHODS = ("PLS", "AHP", "entropy", "PCA", "stated")
COMPOSITE = "composite"


def _frame(data, items) -> pd.DataFrame:
    frame = data.data if hasattr(data, "data") and hasattr(data, "items") else data
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(np.asarray(frame, dtype=float))
    cols = list(frame.columns) if items is None else list(items)
    absent = [c for c in cols if c not in frame.columns]
    if absent:
        raise SurveyDataError(f"The item(s) {absent} are not columns of the data (columns: "
                              f"{', '.join(map(str, frame.columns[:20]))}).")
    x = frame[cols].apply(pd.to_numeric, errors="coerce")
    x = x.dropna()
    if len(x) < 3:
        raise SurveyDataError(f"Only {len(x)} complete rows for the items {cols}; weights need "
                              "at least 3.")
    return x.astype(float)


def entropy_weights(data, items=None) -> pd.Series:
    """Entropy weights of the items (see the module docstring).

    Parameters
    ----------
    data : DataFrame, Survey or array
        Respondents x items; rows with a missing answer are left out.
    items : list of str, optional
        The columns (default: all).

    Returns
    -------
    pandas.Series
        Weights summing to 1, indexed by item.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [3, 3, 3, 3, 4]})
    >>> entropy_weights(df).round(4).to_dict()
    {'a': 0.17, 'b': 0.83}
    """
    x = _frame(data, items)
    X = x.to_numpy()
    lo, hi = X.min(axis=0), X.max(axis=0)
    const = [c for c, a, b in zip(x.columns, lo, hi) if not b > a]
    if const:
        raise SurveyDataError(f"The item(s) {const} have the same answer from every respondent; "
                              "an entropy weight needs answers that differ. Drop them.")
    Z = (X - lo) / (hi - lo)
    P = Z / Z.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(P > 0, P * np.log(P), 0.0)
    e = -plogp.sum(axis=0) / math.log(len(X))
    d = 1 - e
    return pd.Series(d / d.sum(), index=x.columns, name="entropy")


def pca_weights(data, items=None, *, min_eigenvalue: float = 1.0, min_share: float = 0.10,
                min_cumulative: float = 0.60) -> pd.Series:
    """Principal-component weights of the items, the OECD/JRC handbook's variant.

    Parameters
    ----------
    data : DataFrame, Survey or array
        Respondents x items; rows with a missing answer are left out.
    items : list of str, optional
    min_eigenvalue, min_share, min_cumulative :
        The handbook's retention criteria (eigenvalue > 1, > 10 % each, 60 % together).

    Returns
    -------
    pandas.Series
        Weights summing to 1; ``.attrs`` holds ``components`` (kept) and ``explained``
        (their share of the variance) and ``note`` when the 60 % criterion fails.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.standard_normal(500)
    >>> df = pd.DataFrame({"a": f + 0.5 * rng.standard_normal(500),
    ...                    "b": f + rng.standard_normal(500), "c": rng.standard_normal(500)})
    >>> w = pca_weights(df)
    >>> w.attrs["components"], bool(w["a"] > w["b"])
    (1, True)
    """
    x = _frame(data, items)
    m = x.shape[1]
    if m == 1:
        out = pd.Series([1.0], index=x.columns, name="PCA")
        out.attrs.update(components=1, explained=1.0)
        return out
    const = [c for c in x.columns if not x[c].std() > 0]
    if const:
        raise SurveyDataError(f"The item(s) {const} have the same answer from every respondent; "
                              "drop them before a principal component analysis.")
    R = np.corrcoef(x.to_numpy(), rowvar=False)
    vals, vecs = np.linalg.eigh(R)
    order = np.argsort(vals)[::-1]
    vals, vecs = vals[order], vecs[:, order]
    ok = (vals > min_eigenvalue) & (vals / m > min_share)
    k = max(1, int(np.argmin(ok)) if not ok.all() else m)
    explained = float(vals[:k].sum() / m)
    L = vecs[:, :k] * np.sqrt(vals[:k])
    if k > 1:
        from factor_analyzer.rotator import Rotator
        L = Rotator(method="varimax", normalize=True, max_iter=1000, tol=1e-12).fit_transform(L)
    L2 = L ** 2
    share = L2 / L2.sum(axis=0)
    comp_weight = L2.sum(axis=0) / L2.sum()
    f = np.argmax(share, axis=1)
    w = comp_weight[f] * share[np.arange(m), f]
    out = pd.Series(w / w.sum(), index=x.columns, name="PCA")
    out.attrs.update(components=k, explained=explained)
    if explained < min_cumulative:
        out.attrs["note"] = (f"The {k} component(s) kept explain {explained:.1%} of the variance "
                             f"of {list(x.columns)}, less than the handbook's "
                             f"{min_cumulative:.0%}.")
    return out


def stated_weights(data, importance: Mapping[str, str]) -> pd.Series:
    """Weights from respondents' stated importance: mean rating per item, normalized.

    Parameters
    ----------
    data : DataFrame or Survey
        Holds the importance columns.
    importance : mapping item -> column
        The importance question of each item (e.g. ``{"NETQ2": "IMP_NETQ2"}``).

    Examples
    --------
    >>> df = pd.DataFrame({"imp1": [5, 4, 5], "imp2": [2, 3, 1]})
    >>> stated_weights(df, {"Q1": "imp1", "Q2": "imp2"}).round(4).to_dict()
    {'Q1': 0.7, 'Q2': 0.3}
    """
    frame = data.data if hasattr(data, "data") and hasattr(data, "items") else data
    absent = [c for c in importance.values() if c not in frame.columns]
    if absent:
        raise SurveyDataError(f"The importance column(s) {absent} are not in the data "
                              f"(columns: {', '.join(map(str, frame.columns[:20]))}).")
    means = pd.Series({it: pd.to_numeric(frame[col], errors="coerce").mean()
                       for it, col in importance.items()}, dtype=float)
    if means.isna().any() or (means <= 0).any():
        bad = list(means.index[means.isna() | (means <= 0)])
        raise SurveyDataError(f"The stated importance of {bad} has no positive mean rating; "
                              "importance ratings must be positive numbers (e.g. 1-5).")
    return (means / means.sum()).rename("stated")


def weighted_index(index: IndexResult, weights: Mapping[str, float] | pd.Series) -> pd.Series:
    """The 0-100 index of every block from item weights (normalized within each block).

    Uses the item scores of ``index`` (``index.weights["performance"]``), so only the
    weights differ from the PLS index. Blocks with an item without a weight are NaN.

    Examples
    --------
    >>> import csi_model as cm
    >>> res = cm.csi_index(cm.fit_pls("acsi", cm.simulate_survey("acsi", n=200, seed=3)),
    ...                    scale=(1, 10))
    >>> pls_weights = dict(zip(res.weights["item"], res.weights["weight.index"]))
    >>> bool(np.allclose(weighted_index(res, pls_weights), res.overall()))
    True
    """
    w = pd.Series(weights, dtype=float)
    out = {}
    for lv, g in index.weights.groupby("latent", sort=False):
        ww = w.reindex(g["item"]).to_numpy()
        out[lv] = float(np.sum(ww / ww.sum() * g["performance"].to_numpy())) \
            if np.isfinite(ww).all() and ww.sum() > 0 else math.nan
    return pd.Series(out, name="index")


@dataclass(frozen=True, eq=False)
class WeightingComparison:
    """Result of :func:`compare_weightings`.

    Attributes
    ----------
    table : DataFrame
        Index: every latent and ``"composite"`` (the target's drivers); columns: the index
        of each method (``PLS``, ``AHP``, ``entropy``, ``PCA``, ``stated``; the methods
        used) and ``<method> - PLS`` differences (NaN where a method has no weights).
    weights : DataFrame
        ``method, latent, item, weight`` (in the block, sums to 1) and ``global`` (in the
        composite of the drivers; NaN for other blocks).
    ahp : dict
        The :class:`AHPResult` of each block and ``"drivers"``.
    target : str
    warnings : tuple of str

    Examples
    --------
    >>> import csi_model as cm
    >>> res = cm.csi_index(cm.fit_pls("acsi", cm.simulate_survey("acsi", n=200, seed=3)),
    ...                    scale=(1, 10))
    >>> cmp = cm.compare_weightings(res, ahp={"VAL": [[1, 2], [1/2, 1]]})
    >>> cmp.table[["PLS", "AHP", "entropy", "PCA"]].round(2)  # doctest: +NORMALIZE_WHITESPACE
                 PLS    AHP  entropy    PCA
    latent
    EXPE       67.57    NaN    67.55  67.55
    QUAL       68.93    NaN    68.92  68.93
    VAL        68.28  68.37    68.27  68.28
    SAT        67.55    NaN    67.43  67.54
    COMP       67.56  67.56    67.56  67.56
    LOY        66.24    NaN    66.38  66.31
    composite  68.24    NaN    68.52  68.47
    """

    table: pd.DataFrame
    weights: pd.DataFrame
    ahp: dict
    target: str
    warnings: tuple[str, ...] = ()

    def summary(self, digits: int = 2) -> str:
        """A plain-text comparison of the indexes under each weighting.

        Examples
        --------
        >>> import csi_model as cm
        >>> res = cm.csi_index(cm.fit_pls("acsi", cm.simulate_survey("acsi", n=200, seed=3)),
        ...                    scale=(1, 10))
        >>> cmp = cm.compare_weightings(res, ahp={"VAL": [[1, 2], [1/2, 1]]})
        >>> print(cmp.summary())  # doctest: +NORMALIZE_WHITESPACE
        Index (0-100) by weighting method; composite = the drivers of SAT
                     PLS    AHP  entropy    PCA  AHP - PLS  entropy - PLS  PCA - PLS
        latent
        EXPE       67.57    NaN    67.55  67.55        NaN          -0.03      -0.02
        QUAL       68.93    NaN    68.92  68.93        NaN          -0.01       0.00
        VAL        68.28  68.37    68.27  68.28       0.09          -0.01      -0.00
        SAT        67.55    NaN    67.43  67.54        NaN          -0.12      -0.02
        COMP       67.56  67.56    67.56  67.56       0.00           0.00       0.00
        LOY        66.24    NaN    66.38  66.31        NaN           0.15       0.07
        composite  68.24    NaN    68.52  68.47        NaN           0.28       0.23
        """
        lines = [f"Index (0-100) by weighting method; composite = the drivers of {self.target}",
                 self.table.round(digits).to_string()]
        lines += [f"! {w}" for w in self.warnings]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<WeightingComparison: {', '.join(self.methods)}>"

    @property
    def methods(self) -> list[str]:
        return [c for c in self.table.columns if c in METHODS]

    def _repr_html_(self) -> str:
        return self.table.to_html(float_format=lambda x: f"{x:.2f}", na_rep="")

    def to_dict(self) -> dict:
        """JSON-ready dict of the comparison table, the weights and the notes.

        Examples
        --------
        >>> import csi_model as cm
        >>> res = cm.csi_index(cm.fit_pls("acsi", cm.simulate_survey("acsi", n=200, seed=3)),
        ...                    scale=(1, 10))
        >>> cmp = cm.compare_weightings(res, ahp={"VAL": [[1, 2], [1/2, 1]]})
        >>> d = cmp.to_dict()
        >>> sorted(d)
        ['ahp', 'table', 'target', 'warnings', 'weights']
        """
        return {"table": _records(self.table.reset_index().rename(columns={"index": "latent"})),
                "weights": _records(self.weights), "target": self.target,
                "ahp": {k: v.to_dict() for k, v in self.ahp.items()},
                "warnings": list(self.warnings)}


def compare_weightings(result: IndexResult | PLSResult, *, ahp: Mapping | None = None,
                       ahp_drivers=None, entropy: bool = True, pca: bool = True,
                       stated: Mapping[str, str] | None = None, scale=None) -> WeightingComparison:
    """Every weighting's index beside the PLS index, per block and for the drivers' composite.

    Parameters
    ----------
    result : IndexResult or PLSResult
        The PLS index (computed here with ``scale`` from a PLSResult).
    ahp : mapping latent -> matrix (or list of experts' matrices, or AHPResult), optional
        Experts' comparisons of the items of each block (labels = item codes, in the block's
        order when the matrix has none). A single-item block needs none.
    ahp_drivers : matrix, list of matrices or AHPResult, optional
        Comparisons of the target's drivers (labels = latent codes), for the AHP composite.
    entropy, pca : bool
        Include these methods (computed on the respondents the PLS fit used).
    stated : mapping item -> column, optional
        Stated-importance columns of the survey (see :func:`stated_weights`).

    Returns
    -------
    WeightingComparison

    Examples
    --------
    >>> import csi_model as cm
    >>> res = cm.csi_index(cm.fit_pls("acsi", cm.simulate_survey("acsi", n=200, seed=3)),
    ...                    scale=(1, 10))
    >>> cmp = cm.compare_weightings(res, ahp={"VAL": [[1, 2], [1/2, 1]]})
    >>> list(cmp.table.columns)
    ['PLS', 'AHP', 'entropy', 'PCA', 'AHP - PLS', 'entropy - PLS', 'PCA - PLS']
    >>> round(float(cmp.table.loc["VAL", "AHP"] - cmp.table.loc["VAL", "PLS"]), 6) != 0
    True
    """
    if isinstance(result, PLSResult):
        result = csi_index(result, scale=scale)
    elif not isinstance(result, IndexResult):
        raise TypeError("The 'result' parameter of compare_weightings must be an IndexResult or "
                        f"a PLSResult. Got {type(result).__name__} instead.")
    if result.by is not None:
        raise ValueError("compare_weightings needs an IndexResult computed without 'by'.")
    pls = result.pls
    from ..pls.fit import _require_rows
    _require_rows(pls, "compare_weightings")
    pr = pls._problem
    X = pd.DataFrame(pls._data.X, columns=pr.items, index=pls._data.rows)
    w = result.weights
    blocks = {lv: list(g["item"]) for lv, g in w.groupby("latent", sort=False)}
    imp = result.impacts.set_index("driver")["importance"]
    drivers = [d for d in blocks if d in imp.index]
    driver_items = [it for d in drivers for it in blocks[d]]
    notes: list[str] = []
    rows = []
    ahp_results: dict[str, AHPResult] = {}

    def add(method, lv, item, weight, glob=math.nan):
        rows.append({"method": method, "latent": lv, "item": item, "weight": float(weight),
                     "global": float(glob)})

    # PLS
    imp_sum = float(imp.reindex(drivers).sum()) if drivers else math.nan
    for r in w.itertuples(index=False):
        g = r[w.columns.get_loc("weight.index")]
        add("PLS", r.latent, r.item, g,
            g * imp[r.latent] / imp_sum if r.latent in drivers else math.nan)
    # AHP
    if ahp or ahp_drivers is not None:
        item_w: dict[str, pd.Series] = {}
        for lv, items in blocks.items():
            if ahp and lv in ahp:
                res = _as_ahp(ahp[lv], items, f"the items of {lv}")
                ahp_results[lv] = res
                item_w[lv] = res.weights.reindex(items)
            elif len(items) == 1:
                item_w[lv] = pd.Series([1.0], index=items)
        unknown = [k for k in (ahp or {}) if k not in blocks]
        if unknown:
            raise ValueError(f"The 'ahp' argument of compare_weightings names {unknown}, which "
                             f"are not latents of the model ({', '.join(blocks)}).")
        W = None
        if ahp_drivers is not None:
            ahp_results["drivers"] = _as_ahp(ahp_drivers, drivers,
                                             f"the drivers of {result.target}")
            W = ahp_results["drivers"].weights
        for lv, s in item_w.items():
            for it, v in s.items():
                add("AHP", lv, it, v, W[lv] * v if W is not None and lv in drivers else math.nan)
        if W is not None and not all(d in item_w for d in drivers):
            notes.append("AHP composite: no AHP item weights for "
                         f"{[d for d in drivers if d not in item_w]}; it is left empty.")
        for res in ahp_results.values():
            notes += [m for m in res.warnings if m not in notes]
    # entropy and PCA
    for flag, method, func in ((entropy, "entropy", entropy_weights),
                               (pca, "PCA", pca_weights)):
        if not flag:
            continue
        glob = func(X, driver_items) if driver_items else pd.Series(dtype=float)
        if "note" in glob.attrs:
            notes.append(f"PCA composite: {glob.attrs['note']}")
        for lv, items in blocks.items():
            s = func(X, items)
            if "note" in s.attrs:
                notes.append(f"PCA {lv}: {s.attrs['note']}")
            for it, v in s.items():
                add(method, lv, it, v, glob.get(it, math.nan) if lv in drivers else math.nan)
    # stated importance
    if stated:
        survey = pls.survey.data.loc[pls._data.rows] if pls.survey is not None else None
        if survey is None:
            raise ValueError("compare_weightings(stated=...) needs the PLS fit's survey.")
        unknown = [it for it in stated if it not in pr.items]
        if unknown:
            raise ValueError(f"The 'stated' argument of compare_weightings names {unknown}, which "
                             "are not items of the model.")
        glob = stated_weights(survey, {it: stated[it] for it in driver_items if it in stated}) \
            if all(it in stated for it in driver_items) else None
        for lv, items in blocks.items():
            if all(it in stated for it in items):
                s = stated_weights(survey, {it: stated[it] for it in items})
                for it, v in s.items():
                    add("stated", lv, it, v, glob[it] if glob is not None and lv in drivers
                        else math.nan)

    weights = pd.DataFrame(rows, columns=["method", "latent", "item", "weight", "global"])
    perf = dict(zip(w["item"], w["performance"]))
    methods = [m for m in METHODS if m in set(weights.method)]
    table = pd.DataFrame(index=list(blocks) + [COMPOSITE], columns=methods, dtype=float)
    for m in methods:
        wm = weights[weights.method == m]
        for lv, g in wm.groupby("latent", sort=False):
            if set(g["item"]) == set(blocks[lv]):
                table.loc[lv, m] = float(np.sum(g["weight"] / g["weight"].sum()
                                                * g["item"].map(perf)))
        gd = wm[wm["latent"].isin(drivers)]
        if drivers and set(gd["item"]) == set(driver_items) and gd["global"].notna().all():
            table.loc[COMPOSITE, m] = float(np.sum(gd["global"] / gd["global"].sum()
                                                   * gd["item"].map(perf)))
    for m in methods[1:]:
        table[f"{m} - PLS"] = table[m] - table["PLS"]
    table.index.name = "latent"
    for msg in notes:
        warnings.warn(msg, CSIModelWarning, stacklevel=2)
    return WeightingComparison(table=table, weights=weights, ahp=ahp_results,
                               target=result.target, warnings=tuple(dict.fromkeys(notes)))


def _as_ahp(value, labels: list[str], what: str) -> AHPResult:
    if isinstance(value, AHPResult):
        res = value
    else:
        has_labels = isinstance(value, pd.DataFrame) or (
            isinstance(value, (list, tuple)) and value and isinstance(value[0], pd.DataFrame))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")          # on the result; re-issued once
            res = _ahp(value, None if has_labels else labels)
    if sorted(res.weights.index) != sorted(labels):
        raise ValueError(f"The AHP comparisons of {what} are labelled {list(res.weights.index)}; "
                         f"they must compare exactly {labels}.")
    return res
