"""Higher-order constructs in PLS (Sarstedt, Hair, Cheah, Becker & Ringle 2019, *Australasian
Marketing Journal* 27(3)).

A higher-order construct (HOC) is written as a latent measured by latents, e.g. the ACSI-style
perceived quality of a telecom operator as a second-order construct of its dimensions::

    QUAL =~ NETW + TARIFF + HALL + BILL       # the HOC and its lower-order constructs
    NETW =~ netw1 + netw2 + netw3             # ... each with its items
    SAT  ~ QUAL

:func:`fit_pls_hoc` estimates it in one of three ways:

* ``"repeated_indicators"`` - the HOC is measured by all items of its lower-order
  constructs (LOCs) and explains each LOC in the inner model (``LOC ~ HOC``); antecedents of
  the HOC point at the HOC. One PLS fit.
* ``"two_stage"`` (disjoint two-stage; seminr's ``higher_composite(method = two_stage)``) -
  stage 1 fits the model with the HOC replaced by its LOCs (its antecedents point at every
  LOC, every LOC points at its outcomes); stage 2 fits the model with the HOC measured by
  the LOCs' stage-1 scores.
* ``"embedded_two_stage"`` - stage 1 is the repeated-indicators model; stage 2 as above
  with its LOC scores.

Outer modes of a HOC follow ``mode`` (default A; ``{"QUAL": "B"}`` for a formative HOC).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .._inputs import as_spec, check_choice
from ..exceptions import ModelSpecError
from ..model.spec import ModelSpec
from .composite_syntax import split_composites

__all__ = ["fit_pls_hoc", "HOCResult"]

_METHODS = ("two_stage", "embedded_two_stage", "repeated_indicators")


@dataclass(frozen=True)
class HOCResult:
    """Result of :func:`fit_pls_hoc`.

    Attributes
    ----------
    result : PLSResult
        The final model: for the two-stage methods the stage-2 fit (the HOC's "items" are
        the LOC scores), for repeated indicators the only fit.
    first_stage : PLSResult or None
        Stage 1 of the two-stage methods (its loadings are the LOCs' measurement model).
    method : str
    higher_order : dict
        ``{HOC: (LOC, ...)}``.

    Examples
    --------
    >>> import csi_model as cm
    >>> survey = cm.simulate_survey("telecom", n=250, seed=3)
    >>> model = cm.ModelSpec.from_syntax('''
    ... IMAG =~ IMAG1 + IMAG2 + IMAG3
    ... EXPE =~ EXPE1 + EXPE2 + EXPE3
    ... VAL  =~ VAL1 + VAL2
    ... SAT  =~ SAT1 + SAT2 + SAT3
    ... EVAL =~ EXPE + VAL
    ... EVAL ~ IMAG
    ... SAT ~ EVAL
    ... ''')
    >>> hoc = cm.fit_pls_hoc(model, survey, method="two_stage")
    >>> hoc.paths[["lhs", "op", "rhs", "est"]].round(3)
        lhs op   rhs    est
    0  EVAL  ~  IMAG  0.328
    1   SAT  ~  EVAL  0.597
    """

    result: Any
    first_stage: Any
    method: str
    higher_order: dict

    @property
    def paths(self) -> pd.DataFrame:
        """The structural paths of the final model."""
        return self.result.paths

    def loadings(self) -> pd.DataFrame:
        """Loadings of the measurement model: the LOCs' items (stage 1 for the two-stage
        methods) and the HOCs' LOCs (stage 2), ``lhs, rhs, loading, weight``.

        Examples
        --------
        >>> import csi_model as cm
        >>> survey = cm.simulate_survey("telecom", n=250, seed=3)
        >>> model = cm.ModelSpec.from_syntax('''
        ... IMAG =~ IMAG1 + IMAG2 + IMAG3
        ... EXPE =~ EXPE1 + EXPE2 + EXPE3
        ... VAL  =~ VAL1 + VAL2
        ... SAT  =~ SAT1 + SAT2 + SAT3
        ... EVAL =~ EXPE + VAL
        ... EVAL ~ IMAG
        ... SAT ~ EVAL
        ... ''')
        >>> hoc = cm.fit_pls_hoc(model, survey, method="two_stage")
        >>> hoc.loadings().round(3)
             lhs    rhs  loading  weight
        0   IMAG  IMAG1    0.834   0.345
        1   IMAG  IMAG2    0.868   0.435
        2   IMAG  IMAG3    0.823   0.407
        3    SAT   SAT1    0.899   0.400
        4    SAT   SAT2    0.880   0.357
        5    SAT   SAT3    0.857   0.381
        6   EVAL   EXPE    0.836   0.618
        7   EVAL    VAL    0.818   0.591
        8   EXPE  EXPE1    0.886   0.441
        9   EXPE  EXPE2    0.819   0.399
        10  EXPE  EXPE3    0.798   0.354
        11   VAL   VAL1    0.938   0.542
        12   VAL   VAL2    0.934   0.526
        """
        final = self.result.outer
        rows = final[["latent", "item", "loading", "weight"]]
        if self.first_stage is not None:
            locs = {l for v in self.higher_order.values() for l in v}
            first = self.first_stage.outer
            first = first[first.latent.isin(locs)][["latent", "item", "loading", "weight"]]
            rows = pd.concat([rows, first], ignore_index=True)
        return rows.rename(columns={"latent": "lhs", "item": "rhs"}).reset_index(drop=True)

    @property
    def warnings(self) -> tuple:
        first = self.first_stage.warnings if self.first_stage is not None else ()
        return tuple(dict.fromkeys(tuple(first) + tuple(self.result.warnings)))


def _syntax(blocks: dict, paths: list) -> str:
    lines = [f"{lv} =~ {' + '.join(items)}" for lv, items in blocks.items()]
    lines += [f"{t} ~ {f}" for f, t in paths]
    return "\n".join(lines)


def _spec(blocks, paths, name):
    return ModelSpec.from_syntax(_syntax(blocks, paths), name=name, allow_cross_loadings=True)


def fit_pls_hoc(spec, data, *, method: str = "two_stage", mode="A", **options) -> HOCResult:
    """Fit a PLS path model with higher-order constructs.

    Parameters
    ----------
    spec : ModelSpec, str or Path
        A model in which some latents are measured by latents (the HOCs; see the module
        docstring). ``<~`` marks composites (mode B) as in :func:`fit_pls`.
    data : Survey, DataFrame or path
    method : {"two_stage", "embedded_two_stage", "repeated_indicators"}
    mode : "A", "B" or dict
        Outer modes, as :func:`fit_pls` (the HOC's mode applies to its LOC scores or to its
        repeated items).
    **options :
        Passed to every :func:`fit_pls` call (``scheme``, ``consistent``, ``max_iter``, ...;
        ``bootstrap``/``seed`` bootstrap the final model only).

    Returns
    -------
    HOCResult

    Examples
    --------
    >>> import csi_model as cm
    >>> survey = cm.simulate_survey("telecom", n=250, seed=3)
    >>> model = cm.ModelSpec.from_syntax('''
    ... IMAG =~ IMAG1 + IMAG2 + IMAG3
    ... EXPE =~ EXPE1 + EXPE2 + EXPE3
    ... VAL  =~ VAL1 + VAL2
    ... SAT  =~ SAT1 + SAT2 + SAT3
    ... EVAL =~ EXPE + VAL
    ... EVAL ~ IMAG
    ... SAT ~ EVAL
    ... ''')
    >>> hoc = cm.fit_pls_hoc(model, survey, method="two_stage")
    >>> hoc.paths[["lhs", "rhs"]].to_dict("records")
    [{'lhs': 'EVAL', 'rhs': 'IMAG'}, {'lhs': 'SAT', 'rhs': 'EVAL'}]
    """
    from .fit import fit_pls, _refuse_em
    method = check_choice(method, _METHODS, "method", "fit_pls_hoc")
    spec, composites = split_composites(spec)
    spec = as_spec(spec, "fit_pls_hoc")
    _refuse_em(options.get("missing", "listwise"), "fit_pls_hoc")
    lat = set(spec.latents)
    blocks = {lv: tuple(spec.indicators[lv]) for lv in spec.latents}
    hocs = {lv: items for lv, items in blocks.items() if any(i in lat for i in items)}
    if not hocs:
        raise ModelSpecError(f"{spec.source or '<model>'}: no latent is measured by latents; "
                             "fit_pls_hoc needs a higher-order construct ('HOC =~ LOC1 + LOC2'). "
                             "Use fit_pls for this model.")
    for h, items in hocs.items():
        mixed = [i for i in items if i not in lat]
        if mixed:
            raise ModelSpecError(f"{spec.source or '<model>'}: the higher-order construct {h} "
                                 f"mixes latents and items ({mixed}); list only its "
                                 "lower-order constructs.")
        nested = [i for i in items if i in hocs]
        if nested:
            raise ModelSpecError(f"{spec.source or '<model>'}: {h} is measured by the "
                                 f"higher-order construct(s) {nested}; only second-order "
                                 "constructs are supported.")
    paths = list(spec.structural_paths)
    modes = dict(mode) if isinstance(mode, dict) else {lv: mode for lv in spec.latents}
    for lv in composites:
        modes[lv] = "B"

    def modes_for(names):
        return {lv: modes.get(lv, "A") for lv in names}

    locs_of = {h: list(items) for h, items in hocs.items()}
    first_order = {lv: b for lv, b in blocks.items() if lv not in hocs}
    # repeated indicators: HOC measured by its LOCs' items, LOC ~ HOC
    ri_blocks = dict(first_order)
    ri_paths = list(paths)
    for h, locs in locs_of.items():
        ri_blocks[h] = tuple(i for loc in locs for i in first_order[loc])
        ri_paths += [(h, loc) for loc in locs]
    boot = {k: options.pop(k) for k in ("bootstrap", "seed", "n_jobs") if k in options}
    if method == "repeated_indicators":
        ri = _spec(ri_blocks, ri_paths, f"{spec.name} (repeated indicators)")
        res = fit_pls(ri, data, mode=modes_for(ri.latents), **options, **boot)
        return HOCResult(result=res, first_stage=None, method=method, higher_order=locs_of)
    if method == "two_stage":
        s1_paths = []
        for f, t in paths:
            fs = locs_of.get(f, [f])
            ts = locs_of.get(t, [t])
            s1_paths += [(a, b) for a in fs for b in ts]
        s1 = _spec(first_order, list(dict.fromkeys(s1_paths)), f"{spec.name} (stage 1)")
    else:
        s1 = _spec(ri_blocks, ri_paths, f"{spec.name} (stage 1, repeated indicators)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = fit_pls(s1, data, mode=modes_for(s1.latents), **options)
    scores = first.scores
    locs = [l for v in locs_of.values() for l in v]
    frame = first._data
    base = pd.DataFrame(frame.X, columns=first._problem.items, index=frame.rows)
    clash = [l for l in locs if l in base.columns]
    if clash:
        raise ModelSpecError(f"The lower-order construct(s) {clash} have the name of an item; "
                             "rename them.")
    stage2_data = pd.concat([base, scores[locs]], axis=1)
    s2_blocks = {lv: b for lv, b in blocks.items()
                 if lv in hocs or lv not in locs or any(lv in (f, t) for f, t in paths)}
    s2_paths = list(paths)
    s2 = ModelSpec.from_syntax(_syntax(s2_blocks, s2_paths), name=f"{spec.name} (stage 2)")
    res = fit_pls(s2, stage2_data, mode=modes_for(s2.latents), **options, **boot)
    return HOCResult(result=res, first_stage=first, method=method, higher_order=locs_of)
