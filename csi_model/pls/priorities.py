"""The report of a satisfaction study: scores, impacts, the loyalty gain, item priorities.

:func:`priorities` turns a PLS fit (or its :class:`~csi_model.pls.index.IndexResult`)
into the tables a Chinese operator's satisfaction report shows:

- **structural variables**: the 0-100 index of every latent with its bootstrap interval,
  and the impact of each driver on the target (satisfaction), in target index points per
  point of the driver's index (``importance``) and per ``gain`` points (``impact``);
- **the loyalty gain per satisfaction point**: the unstandardized total effect of the
  target on the outcome (loyalty) on the index scale, ``T sd(I_LOY) / sd(I_SAT)`` (see
  :mod:`csi_model.pls.index`), with its bootstrap interval - "one point of satisfaction
  raises loyalty by 0.2775 points";
- **item priorities** inside each driver. For item i of driver d::

      score_i      = 100 (mean_i - min_i) / (max_i - min_i)        (0-100 performance)
      importance_i = v_i * importance_d                             (target points per item point)
      potential_i  = importance_i * (100 - score_i)     (target points if the item reached 100)

  with ``v_i`` the index weight of the item in its block (:attr:`IndexResult.weights`
  ``weight.index``) and ``importance_d`` the driver's importance. Items are ranked by
  ``potential`` inside their driver (rank 1 = improve first): an item matters when it
  weighs much on satisfaction *and* leaves much room to improve, which is how such
  reports combine "score and impact" (high impact, low score first). ``quadrant`` places
  the item in the four-quadrant chart (四分图) against the driver's mean score and mean
  importance: ``fix first`` (修补区: impact above, score below the mean), ``strength``
  (优势区: both above), ``opportunity`` (机会区: both below), ``maintain`` (维持区:
  impact below, score above); a single-item driver has none (``single item``). These are
  the IPMA item quantities of Ringle & Sarstedt (2016, *Industrial Management & Data
  Systems* 116(9)) on the ACSI index scale.

The chart of score against importance per driver is
:func:`csi_model.report.figures.priority_map`.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..sem.results import Summary
from .fit import PLSResult, _records
from .index import ALL, IndexResult, csi_index

__all__ = ["priorities", "PriorityResult", "CONSTRUCT_NAMES"]

#: English and Chinese names of the constructs of the bundled models.
CONSTRUCT_NAMES: dict[str, tuple[str, str]] = {
    "IMAG": ("Operator image", "运营商形象"), "NETQ": ("Network quality", "网络质量"),
    "BILL": ("Billing and charges", "缴费及话费"), "HALL": ("Business hall", "营业厅"),
    "NSRV": ("New services", "新业务"), "COMP": ("Complaint handling", "投诉处理"),
    "SAT": ("Satisfaction", "总体满意度"), "LOY": ("Loyalty", "忠诚度"),
    "BRAND": ("Brand image", "品牌形象"), "EXPE": ("Expectation", "预期质量"),
    "QUAL": ("Perceived quality", "感知质量"), "VAL": ("Perceived value", "感知价值"),
}
_QUADRANTS = {"fix first": "修补区（优先改进）", "strength": "优势区", "opportunity": "机会区",
              "maintain": "维持区", "single item": "单一指标"}
_HEAD = {"latent": ("structural variable", "结构变量"), "name": ("name", "名称"),
         "index": ("score (0-100)", "得分(0-100)"), "se": ("SE", "标准误"),
         "ci.lower": ("CI lower", "置信下限"), "ci.upper": ("CI upper", "置信上限"),
         "importance": ("importance (points per point)", "影响力(每分)"),
         "impact": ("impact", "影响"), "item": ("item", "指标"), "label": ("wording", "题项"),
         "score": ("score (0-100)", "得分(0-100)"), "weight": ("weight", "权重"),
         "potential": ("potential gain", "提升潜力"), "rank": ("priority", "改进优先序"),
         "quadrant": ("quadrant", "象限"), "from": ("from", "自"), "to": ("to", "至"),
         "gain": ("gain per point", "每分提升")}


def _check_lang(lang: str, where: str) -> None:
    if lang not in ("en", "zh"):
        raise ValueError(f"The 'lang' parameter of {where} must be 'en' or 'zh'. "
                         f"Got {lang!r} instead.")


@dataclass(frozen=True, eq=False)
class PriorityResult:
    """Result of :func:`priorities`.

    Attributes
    ----------
    structural : DataFrame
        ``latent, name_en, name_zh, index, se, ci.lower, ci.upper`` and, for the drivers of
        the target, ``importance`` (target points per point), ``impact`` (per ``gain``
        points) with its ``impact.se, impact.ci.lower, impact.ci.upper``.
    loyalty : DataFrame
        One row ``from, to, gain, se, ci.lower, ci.upper``: outcome index points per
        target index point.
    items : DataFrame
        ``latent, item, label_en, label_zh, score, weight, importance, potential, rank,
        quadrant`` for the items of every driver, ranked inside each driver.
    target, outcome : str
    gain : float
    index : IndexResult
        The index computation behind the tables.
    warnings : tuple of str

    Examples
    --------
    >>> import csi_model as cm
    >>> survey = cm.simulate_survey("telecom", n=250, seed=1)
    >>> pr = cm.priorities(cm.fit_pls("telecom", survey), scale=(1, 10))
    >>> pr
    <PriorityResult: target SAT, 17 items in 4 drivers>
    >>> pr.structural[["latent", "index", "importance", "impact"]].round(2)
      latent  index  importance  impact
    0   IMAG  68.53        0.20    1.01
    1   EXPE  73.28        0.38    1.90
    2   QUAL  68.10        0.59    2.95
    3    VAL  57.57        0.18    0.91
    4    SAT  64.97         NaN     NaN
    5   COMP  61.47         NaN     NaN
    6    LOY  64.14         NaN     NaN
    """

    structural: pd.DataFrame
    loyalty: pd.DataFrame
    items: pd.DataFrame
    target: str
    outcome: str | None
    gain: float
    index: IndexResult = field(repr=False)
    warnings: tuple[str, ...] = ()

    def name(self, latent: str, lang: str = "en") -> str:
        """The construct's name in ``lang`` (its code when unknown).

        Examples
        --------
        >>> import csi_model as cm
        >>> survey = cm.simulate_survey("telecom", n=250, seed=1)
        >>> pr = cm.priorities(cm.fit_pls("telecom", survey), scale=(1, 10))
        >>> pr.name("QUAL"), pr.name("QUAL", "zh")
        ('Perceived quality', '感知质量')
        """
        pair = CONSTRUCT_NAMES.get(latent)
        return latent if pair is None else pair[lang == "zh"]

    def table(self, which: str = "items", lang: str = "en") -> pd.DataFrame:
        """A table with headers in English or Chinese (numbers unrounded).

        Parameters
        ----------
        which : {"items", "structural", "loyalty"}
        lang : {"en", "zh"}

        Examples
        --------
        >>> import csi_model as cm
        >>> survey = cm.simulate_survey("telecom", n=250, seed=1)
        >>> pr = cm.priorities(cm.fit_pls("telecom", survey), scale=(1, 10))
        >>> pr.table("structural", lang="zh").iloc[:2, :2]
           结构变量     名称
        0  IMAG  运营商形象
        1  EXPE   预期质量
        """
        _check_lang(lang, "PriorityResult.table")
        zh = lang == "zh"
        if which == "items":
            t = self.items.assign(
                latent=[self.name(lv, lang) for lv in self.items.latent],
                label=self.items[f"label_{lang}"],
                quadrant=[_QUADRANTS[q] if zh else q for q in self.items.quadrant])
            t = t[["latent", "rank", "item", "label", "score", "importance", "potential",
                   "quadrant"]]
        elif which == "structural":
            t = self.structural.assign(name=self.structural[f"name_{lang}"])
            t = t[["latent", "name", "index", "se", "ci.lower", "ci.upper", "importance",
                   "impact"]]
        elif which == "loyalty":
            t = self.loyalty
        else:
            raise ValueError("The 'which' parameter of PriorityResult.table must be 'items', "
                             f"'structural' or 'loyalty'. Got {which!r} instead.")
        return t.rename(columns={k: v[zh] for k, v in _HEAD.items()})

    def improve_first(self, lang: str = "en") -> dict[str, list[str]]:
        """Per driver, its items from rank 1 down (wording in ``lang``).

        Examples
        --------
        >>> import csi_model as cm
        >>> survey = cm.simulate_survey("telecom", n=250, seed=1)
        >>> pr = cm.priorities(cm.fit_pls("telecom", survey), scale=(1, 10))
        >>> first = pr.improve_first()
        >>> list(first)
        ['Operator image', 'Expectation', 'Perceived quality', 'Perceived value']
        >>> first["Perceived quality"][0]
        'How accurate is your monthly bill (no unexplained charges)?'
        """
        _check_lang(lang, "PriorityResult.improve_first")
        return {self.name(lv, lang): list(g.sort_values("rank")[f"label_{lang}"])
                for lv, g in self.items.groupby("latent", sort=False)}

    def summary(self, digits: int = 3, lang: str = "en") -> Summary:
        """The loyalty gain, what to improve first and every table, in English or Chinese.

        Examples
        --------
        >>> import csi_model as cm
        >>> survey = cm.simulate_survey("telecom", n=250, seed=1)
        >>> pr = cm.priorities(cm.fit_pls("telecom", survey), scale=(1, 10))
        >>> pr.summary()                       # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
        Satisfaction study report
        =========================
        Loyalty gain   one point of SAT raises LOY by 0.4879 points
        ...
        """
        _check_lang(lang, "PriorityResult.summary")
        zh = lang == "zh"
        ly = self.loyalty.iloc[0] if len(self.loyalty) else None
        header = []
        if ly is not None:
            ci = (f" ({self.index.level:.0%} CI {ly['ci.lower']:.4f} to {ly['ci.upper']:.4f})"
                  if np.isfinite(ly["ci.lower"]) else "")
            header.append(("忠诚度提升" if zh else "Loyalty gain",
                           (f"满意度每提高1分，{self.name(self.outcome, lang)}提高{ly['gain']:.4f}分{ci}"
                            if zh else f"one point of {self.target} raises {self.outcome} by "
                            f"{ly['gain']:.4f} points{ci}")))
        first = ", ".join(f"{k}: {v[0]}" for k, v in self.improve_first(lang).items())
        header.append(("优先改进" if zh else "Improve first", first))
        tables = [("结构变量得分与影响" if zh else "Structural variables",
                   self.table("structural", lang).set_index(_HEAD["latent"][zh]).round(digits)),
                  ("指标改进优先序" if zh else "Item priorities",
                   self.table("items", lang).set_index([_HEAD["latent"][zh],
                                                        _HEAD["rank"][zh]]).round(digits))]
        return Summary("满意度测评报告" if zh else "Satisfaction study report", header, tables,
                       self.warnings)

    def __repr__(self) -> str:
        return (f"<PriorityResult: target {self.target}, {len(self.items)} items in "
                f"{self.items.latent.nunique()} drivers>")

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def to_dict(self) -> dict:
        """JSON-ready dict: ``structural, loyalty, items, target, outcome, gain, warnings``.

        Examples
        --------
        >>> import csi_model as cm
        >>> survey = cm.simulate_survey("telecom", n=250, seed=1)
        >>> pr = cm.priorities(cm.fit_pls("telecom", survey), scale=(1, 10))
        >>> d = pr.to_dict()
        >>> d["target"], d["outcome"], len(d["items"])
        ('SAT', 'LOY', 17)
        """
        return {"structural": _records(self.structural), "loyalty": _records(self.loyalty),
                "items": _records(self.items), "target": self.target, "outcome": self.outcome,
                "gain": self.gain, "warnings": list(self.warnings)}


def priorities(result: IndexResult | PLSResult, *, target: str | None = None,
               outcome: str | None = "LOY", gain: float | None = None,
               bootstrap: int | None = None, seed=None, level: float = 0.95,
               ci_method: str = "percentile", scale=None) -> PriorityResult:
    """Structural scores, impacts, the loyalty gain per satisfaction point and item priorities.

    Parameters
    ----------
    result : IndexResult or PLSResult
        An index computation (its bootstrap, target and gain are reused), or a PLS fit
        (the index is computed here with ``target``, ``gain``, ``bootstrap``, ``seed``).
    target : str, optional
        The construct whose drivers are ranked (default: the index's target, ``SAT``).
    outcome : str or None
        The construct of the gain per target point (default ``"LOY"``; None: no such row).
        Its interval comes from a bootstrap with the same resamples (same seed and B).
    gain : float, optional
        Points of driver improvement for ``impact`` (default: the index's, 5).
    bootstrap, seed, level, ci_method, scale :
        For a PLSResult: passed to :func:`~csi_model.pls.index.csi_index`.

    Returns
    -------
    PriorityResult

    Examples
    --------
    >>> import csi_model as cm
    >>> survey = cm.simulate_survey("telecom", n=250, seed=1)
    >>> pr = cm.priorities(cm.fit_pls("telecom", survey), scale=(1, 10))
    >>> sorted(pr.items.latent.unique())
    ['EXPE', 'IMAG', 'QUAL', 'VAL']
    >>> bool(pr.loyalty["gain"].iloc[0] > 0)
    True
    """
    if isinstance(result, PLSResult):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            index = csi_index(result, scale=scale, target=target,
                              gain=5.0 if gain is None else gain, bootstrap=bootstrap,
                              seed=seed, level=level, ci_method=ci_method)
        for w in caught:
            warnings.warn(w.message, w.category, stacklevel=2)
    elif isinstance(result, IndexResult):
        if any(v is not None for v in (bootstrap, seed, scale)):
            raise ValueError("priorities() got an IndexResult and also bootstrap, seed or scale; "
                             "these are the IndexResult's own. Pass the PLSResult instead to "
                             "choose them here.")
        index = result
        if result.by is not None:
            raise ValueError("priorities() needs an IndexResult computed without 'by' (one "
                             "sample); compute csi_index(pls) without by=.")
        if (target is not None and target != index.target) or \
                (gain is not None and gain != index.gain):
            index = csi_index(index.pls, scale=_item_scale(index), target=target,
                              gain=index.gain if gain is None else gain,
                              bootstrap=None if index.bootstrap is None else index.bootstrap.B,
                              seed=None if index.bootstrap is None else index.bootstrap.seed,
                              level=index.level, ci_method=index.ci_method)
    else:
        raise TypeError("The 'result' parameter of priorities must be an IndexResult or a "
                        f"PLSResult. Got {type(result).__name__} instead.")
    pls = index.pls
    tgt = index.target
    notes = list(index.warnings)

    # structural variables
    t = index.table[index.table.group == ALL]
    structural = pd.DataFrame({
        "latent": t.latent.to_numpy(),
        "name_en": [CONSTRUCT_NAMES.get(lv, (lv, lv))[0] for lv in t.latent],
        "name_zh": [CONSTRUCT_NAMES.get(lv, (lv, lv))[1] for lv in t.latent],
        "index": t["index"].to_numpy(), "se": t["se"].to_numpy(),
        "ci.lower": t["ci.lower"].to_numpy(), "ci.upper": t["ci.upper"].to_numpy()})
    imp = index.impacts.set_index("driver")
    structural["importance"] = structural.latent.map(imp["importance"])
    structural["impact"] = structural.latent.map(imp["impact"])
    for c in ("se", "ci.lower", "ci.upper"):
        structural[f"impact.{c}"] = (structural.latent.map(imp[c]) if c in imp.columns
                                     else np.nan)

    # loyalty gain per target point
    loyalty = pd.DataFrame(columns=["from", "to", "gain", "se", "ci.lower", "ci.upper"])
    if outcome is not None:
        if outcome not in pls._problem.latents:
            raise ValueError(f"The 'outcome' parameter of priorities must be a latent of the "
                             f"model ({', '.join(pls._problem.latents)}) or None. Got "
                             f"{outcome!r} instead.")
        bt = index.bootstrap
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")           # already reported by the index
            out = csi_index(pls, scale=_item_scale(index), target=outcome, gain=1.0,
                            bootstrap=None if bt is None else bt.B,
                            seed=None if bt is None else bt.seed, level=index.level,
                            ci_method=index.ci_method)
        row = out.impacts[out.impacts.driver == tgt]
        if len(row) == 0:
            raise ValueError(f"{tgt} has no effect on {outcome} in the model, so there is no "
                             f"gain of {outcome} per point of {tgt}. Pass outcome=None or an "
                             "outcome that the target affects.")
        r = row.iloc[0]
        loyalty = pd.DataFrame([{"from": tgt, "to": outcome, "gain": float(r["importance"]),
                                 "se": float(r.get("se", np.nan)),
                                 "ci.lower": float(r.get("ci.lower", np.nan)),
                                 "ci.upper": float(r.get("ci.upper", np.nan))}])

    # item priorities
    w = index.weights
    cb = _codebook(pls)
    rows = []
    for d, g in w.groupby("latent", sort=False):
        if d not in imp.index:
            continue
        importance = g["weight.index"].to_numpy() * float(imp.at[d, "importance"])
        score = g["performance"].to_numpy()
        potential = importance * (100 - score)
        order = np.argsort(-potential, kind="stable")
        rank = np.empty(len(g), dtype=np.int64)
        rank[order] = np.arange(1, len(g) + 1)
        hi_imp = importance > importance.mean()
        hi_score = score > score.mean()
        quadrant = np.where(hi_imp, np.where(hi_score, "strength", "fix first"),
                            np.where(hi_score, "maintain", "opportunity"))
        if len(g) == 1:
            quadrant = np.array(["single item"])
        for k, it in enumerate(g["item"]):
            rows.append({"latent": d, "item": it,
                         "label_en": cb.label(it, "en") if cb is not None and it in cb else it,
                         "label_zh": cb.label(it, "zh") if cb is not None and it in cb else it,
                         "score": score[k], "weight": g["weight.index"].iloc[k],
                         "importance": importance[k], "potential": potential[k],
                         "rank": int(rank[k]), "quadrant": str(quadrant[k])})
    items = pd.DataFrame(rows, columns=["latent", "item", "label_en", "label_zh", "score",
                                        "weight", "importance", "potential", "rank", "quadrant"])
    items = items.sort_values(["latent", "rank"], key=lambda s: s.map(
        {lv: i for i, lv in enumerate(pls._problem.latents)}) if s.name == "latent" else s,
        kind="stable").reset_index(drop=True)
    return PriorityResult(structural=structural, loyalty=loyalty, items=items, target=tgt,
                          outcome=outcome, gain=index.gain, index=index, warnings=tuple(notes))


def _item_scale(index: IndexResult) -> dict[str, tuple[float, float]]:
    w = index.weights.drop_duplicates("item")
    return {it: (float(lo), float(hi)) for it, lo, hi in zip(w["item"], w["min"], w["max"])}


def _codebook(pls: PLSResult):
    """The survey's codebook, else the bundled codebook of a bundled model of that name."""
    from ..survey.codebook import CodebookError, bundled_codebooks, load_codebook

    cb = getattr(pls.survey, "codebook", None)
    if cb is None and getattr(pls.spec, "name", None) in bundled_codebooks():
        cb = load_codebook(pls.spec.name)
        try:
            cb.check_spec(pls.spec)
        except CodebookError:
            return None
    return cb
