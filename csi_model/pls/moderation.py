"""Moderation (interaction terms) in PLS path models.

:func:`fit_pls_moderated` adds, for each ``(iv, moderator, outcome)``, an interaction
construct ``iv_x_moderator`` with a path to ``outcome`` (Henseler & Chin 2010; Becker, Ringle
& Sarstedt 2018; seminr's ``interaction_term``):

* ``"product_indicator"`` - its items are all products of the standardized items of ``iv``
  and ``moderator`` (mode A);
* ``"orthogonal"`` - the same products, each replaced by its residual from the OLS
  regression on all items of ``iv`` and ``moderator`` (Little, Bovaird & Widaman 2006);
* ``"two_stage"`` - stage 1 fits the model without interaction terms; the single item of
  the interaction construct is the product of the stage-1 scores of ``iv`` and ``moderator``.

With ``consistent=True`` the main constructs are corrected as in PLSc while the interaction
constructs are composites (rho_A = 1, as seminr; such estimates are somewhat biased,
Becker et al. 2018). ``bootstrap``/``seed`` bootstrap the final model (the interaction items
are kept fixed, as seminr and SmartPLS do). :func:`simple_slopes` gives the effect of ``iv``
on ``outcome`` at chosen moderator levels; :func:`csi_model.report.figures.simple_slope_plot`
draws it.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._inputs import as_spec, as_survey, check_choice
from ..exceptions import ModelSpecError
from ..model.spec import ModelSpec
from .composite_syntax import split_composites

__all__ = ["fit_pls_moderated", "ModerationResult", "simple_slopes"]

_METHODS = ("two_stage", "product_indicator", "orthogonal")


@dataclass(frozen=True)
class ModerationResult:
    """Result of :func:`fit_pls_moderated`.

    Attributes
    ----------
    result : PLSResult
        The model with the interaction constructs (named ``iv_x_moderator``).
    interactions : tuple of (iv, moderator, outcome, name)
    method : str
    first_stage : PLSResult or None
        The model without interactions (two-stage method).

    Examples
    --------
    >>> import csi_model as cm
    >>> survey = cm.simulate_survey("telecom", n=300, seed=2)
    >>> mod = cm.fit_pls_moderated("telecom", survey, [("QUAL", "EXPE", "SAT")])
    >>> mod.paths.query("lhs == 'SAT'")[["lhs", "op", "rhs", "est"]].round(3)
        lhs op          rhs    est
    4   SAT  ~         IMAG  0.170
    5   SAT  ~         EXPE  0.068
    6   SAT  ~         QUAL  0.491
    7   SAT  ~          VAL  0.195
    12  SAT  ~  QUAL_x_EXPE  0.021
    """

    result: Any
    interactions: tuple
    method: str
    first_stage: Any = None
    scales: Any = None

    @property
    def paths(self) -> pd.DataFrame:
        return self.result.paths

    def interaction_effects(self) -> pd.DataFrame:
        """The interaction paths: ``lhs`` (outcome), ``rhs`` (interaction), ``est`` (the
        standardized path of the PLS fit), ``scale`` and ``est.product = est / scale``.

        PLS standardizes the interaction construct; the effect per unit of the product of
        the standardized main constructs is ``est.product``, with ``scale`` the SD of the
        interaction items averaged with the absolute loadings as weights (seminr's
        ``adjust_interaction``; exact for the two-stage method, whose single item is that
        product). seminr's ``path_coef`` reports ``est.product`` for PLS; its PLSc (and
        this package's with ``consistent=True``) uses correlations, i.e. ``est``.

        Examples
        --------
        >>> import csi_model as cm
        >>> survey = cm.simulate_survey("telecom", n=300, seed=2)
        >>> mod = cm.fit_pls_moderated("telecom", survey, [("QUAL", "EXPE", "SAT")])
        >>> mod.interaction_effects().round(3)
           lhs          rhs    est  scale  est.product
        0  SAT  QUAL_x_EXPE  0.021  0.992        0.021
        """
        B = self.result.path_matrix()
        rows = []
        for iv, mo, out, name in self.interactions:
            est = float(B.loc[name, out])
            scale = 1.0 if self.result.consistent else float(self.scales[name])
            rows.append({"lhs": out, "rhs": name, "est": est, "scale": scale,
                         "est.product": est / scale})
        return pd.DataFrame(rows, columns=["lhs", "rhs", "est", "scale", "est.product"])

    @property
    def warnings(self) -> tuple:
        return tuple(self.result.warnings)


def _syntax(blocks, paths, composites=()):
    lines = [f"{lv} {'<~' if lv in composites else '=~'} {' + '.join(items)}"
             for lv, items in blocks.items()]
    return "\n".join(lines + [f"{t} ~ {f}" for f, t in paths])


def _z(frame):
    return (frame - frame.mean()) / frame.std(ddof=1)


def fit_pls_moderated(spec, data, interactions, *, method: str = "two_stage",
                      consistent: bool = False, mode="A", bootstrap=None, seed=None,
                      **options) -> ModerationResult:
    """Fit a PLS model with interaction terms.

    Parameters
    ----------
    spec : ModelSpec, str or Path
        The model without interaction terms (``<~`` for mode B composites).
    data : Survey, DataFrame or path
    interactions : sequence of (iv, moderator, outcome)
        Each adds the construct ``iv_x_moderator`` and the path ``outcome ~ iv_x_moderator``.
        ``outcome ~ iv`` and ``outcome ~ moderator`` are added if the model lacks them.
    method : {"two_stage", "product_indicator", "orthogonal"}
    consistent : bool
        PLSc for the main constructs (``=~`` mode A blocks); interaction constructs stay
        composites.
    mode :
        Outer modes of the model's constructs (as :func:`fit_pls`); interaction
        constructs are mode A.
    bootstrap, seed :
        Bootstrap the final model (see :func:`~csi_model.bootstrap_pls`).
    **options :
        Passed to :func:`fit_pls` (``scheme``, ``max_iter``, ``tol``).

    Returns
    -------
    ModerationResult

    Examples
    --------
    >>> import csi_model as cm
    >>> survey = cm.simulate_survey("telecom", n=300, seed=2)
    >>> mod = cm.fit_pls_moderated("telecom", survey, [("QUAL", "EXPE", "SAT")])
    >>> "QUAL_x_EXPE" in set(mod.paths.rhs)
    True
    """
    from .fit import _fit_data, _refuse_em, bootstrap_pls, fit_pls
    from .consistent import PLScProblem
    method = check_choice(method, _METHODS, "method", "fit_pls_moderated")
    spec, composites = split_composites(spec)
    spec = as_spec(spec, "fit_pls_moderated")
    _refuse_em(options.get("missing", "listwise"), "fit_pls_moderated")
    survey = as_survey(data, spec, options.pop("missing_codes", None), "fit_pls_moderated")
    lat = list(spec.latents)
    blocks = {lv: tuple(spec.indicators[lv]) for lv in lat}
    paths = list(spec.structural_paths)
    terms = []
    for k, term in enumerate(interactions):
        if len(term) != 3:
            raise ValueError(f"fit_pls_moderated: interaction {k + 1} must be (iv, moderator, "
                             f"outcome). Got {term!r} instead.")
        iv, mo, out = term
        bad = [v for v in (iv, mo, out) if v not in lat]
        if bad:
            raise ModelSpecError(f"fit_pls_moderated: {bad} in interaction {term!r} are not "
                                 f"latents of the model ({', '.join(lat)}).")
        name = f"{iv}_x_{mo}"
        terms.append((iv, mo, out, name))
        for f in (iv, mo):
            if (f, out) not in paths:
                paths.append((f, out))
    modes = dict(mode) if isinstance(mode, dict) else {lv: mode for lv in lat}
    for lv in composites:
        modes[lv] = "B"
    items = list(dict.fromkeys(i for b in blocks.values() for i in b))
    frame, _ = survey.complete_cases(items)
    frame = frame[items].astype(float)
    first = None
    extra = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "two_stage":
            s1 = ModelSpec.from_syntax(_syntax(blocks, paths), name=f"{spec.name} (stage 1)")
            first = fit_pls(s1, frame, mode={lv: modes.get(lv, "A") for lv in lat},
                            consistent=consistent, **options)
            for iv, mo, out, name in terms:
                extra[name] = {f"{name}_score": (first.scores[iv] * first.scores[mo]).to_numpy()}
        else:
            for iv, mo, out, name in terms:
                zi, zm = _z(frame[list(blocks[iv])]), _z(frame[list(blocks[mo])])
                cols = {f"{a}_x_{b}": (zi[a] * zm[b]).to_numpy() for a in zi for b in zm}
                if method == "orthogonal":
                    X = np.column_stack([np.ones(len(frame)), frame[list(blocks[iv]) +
                                                                    list(blocks[mo])]])
                    for c, v in cols.items():
                        beta, *_ = np.linalg.lstsq(X, v, rcond=None)
                        cols[c] = v - X @ beta
                extra[name] = cols
    clash = [c for cols in extra.values() for c in cols if c in frame.columns]
    if clash or any(name in lat for *_, name in terms):
        raise ModelSpecError(f"fit_pls_moderated: the names {clash or [t[3] for t in terms]} "
                             "are taken in the model or data; rename them.")
    data2 = pd.concat([frame] + [pd.DataFrame(c, index=frame.index) for c in extra.values()],
                      axis=1)
    blocks2 = dict(blocks)
    paths2 = list(paths)
    for iv, mo, out, name in terms:
        blocks2[name] = tuple(extra[name])
        paths2.append((name, out))
    spec2 = ModelSpec.from_syntax(_syntax(blocks2, paths2), name=f"{spec.name} (moderated)")
    modes2 = {lv: modes.get(lv, "A") for lv in lat}
    modes2.update({t[3]: "A" for t in terms})
    res = fit_pls(spec2, data2, mode=modes2, **options)
    if consistent:
        names = {t[3] for t in terms}
        problem = PLScProblem(spec2, res.scheme, res.modes, True, res.max_iter, res.tol,
                              factors=[lv for lv in spec2.latents
                                       if lv not in names and lv not in composites])
        note = ("PLSc with interaction terms: the interaction constructs are composites "
                "(rho_A = 1), which biases their paths somewhat (Becker et al. 2018).")
        res = _fit_data(problem, spec2, res._data, list(res.warnings) + [note],
                        survey=res.survey, level=res.level, ci_method=res.ci_method)
    if bootstrap:
        B = 5000 if bootstrap is True else int(bootstrap)
        res = bootstrap_pls(res, B=B, seed=seed)
    scales = {}
    outer = res.outer
    for *_, name in terms:
        block = outer[outer.latent == name]
        sd = data2[list(block.item)].std(ddof=1).to_numpy()
        lam = np.abs(block.loading.to_numpy())
        scales[name] = float((sd * lam).sum() / lam.sum())
    return ModerationResult(result=res, interactions=tuple(terms), method=method,
                            first_stage=first, scales=scales)


def simple_slopes(moderated: ModerationResult, iv: str, moderator: str,
                  levels=(-1.0, 0.0, 1.0)) -> pd.DataFrame:
    """Simple slopes: the effect of ``iv`` on the outcome at moderator levels (in SDs).

    For the model ``y = b1 x + b2 m + b3 (x m)`` of standardized ``x``, ``m`` and ``y``, the
    slope of ``x`` at ``m = level`` is ``b1 + b3 level`` and the intercept ``b2 level``
    (seminr's ``slope_analysis``, SmartPLS's simple slope plot); ``b3`` is the effect per
    unit of the product, ``est.product`` of :meth:`ModerationResult.interaction_effects`.

    Returns
    -------
    DataFrame
        ``level, intercept, slope``.

    Examples
    --------
    >>> import csi_model as cm
    >>> survey = cm.simulate_survey("telecom", n=300, seed=2)
    >>> mod = cm.fit_pls_moderated("telecom", survey, [("QUAL", "EXPE", "SAT")])
    >>> list(cm.simple_slopes(mod, "QUAL", "EXPE").level)
    [-1.0, 0.0, 1.0]
    """
    match = [t for t in moderated.interactions if t[0] == iv and t[1] == moderator]
    if not match:
        raise ValueError(f"simple_slopes: the model has no interaction of {iv} with "
                         f"{moderator}; it has {[t[:2] for t in moderated.interactions]}.")
    _, _, out, name = match[0]
    B = moderated.result.path_matrix()
    eff = moderated.interaction_effects().set_index("rhs")
    b1, b2, b3 = B.loc[iv, out], B.loc[moderator, out], eff.loc[name, "est.product"]
    lv = np.asarray(levels, dtype=float)
    return pd.DataFrame({"level": lv, "intercept": b2 * lv, "slope": b1 + b3 * lv})
