"""Model specifications: the parsed model, its validation and its parameter table.

A :class:`ModelSpec` is immutable and knows nothing of data or estimators. It is
made from lavaan syntax (:meth:`ModelSpec.from_syntax`, :func:`load_model`) or
from Python (:func:`specify` with :func:`reflective` and :func:`paths`), and it
yields one lavaan-style parameter table (:meth:`ModelSpec.partable`) that every
estimator and every report uses.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from ..exceptions import ModelSpecError, ModelSyntaxError
from .expression import DefinedParameter, parse_defined
from .syntax import CONSTRAINT_OPERATORS, Statement, format_statement, parse_syntax

__all__ = ["ModelSpec", "load_model", "bundled_models", "specify", "reflective", "paths",
           "items", "Construct", "Paths"]

PARTABLE_COLUMNS = ["lhs", "op", "rhs", "free", "ustart", "label", "user", "line", "exo"]


@dataclass(frozen=True, eq=False)
class ModelSpec:
    """A validated structural equation model.

    Use :meth:`from_syntax`, :func:`load_model` or :func:`specify` to make one.

    Attributes
    ----------
    statements : tuple of Statement
        The parsed statements, in the order written.
    name : str
        A short name (the model file's stem for bundled models).
    source : str or None
        The file the model was read from.
    auto_cov_y, fixed_x : bool
        lavaan's ``auto.cov.y`` and ``fixed.x`` (both True by default, as ``sem()``); see
        :meth:`from_syntax` and :meth:`partable`.
    meanstructure, int_ov_free, int_lv_free : bool
        lavaan's ``meanstructure`` (False by default; a model that writes an intercept,
        ``x ~ 1``, has one anyway), ``int.ov.free`` (True: the observed intercepts are free)
        and ``int.lv.free`` (False: the latent means are fixed at 0). lavaan's ``growth()``
        is ``meanstructure=True, int_ov_free=False, int_lv_free=True``
        (:func:`csi_model.growth`); see :meth:`with_defaults`.

    Examples
    --------
    >>> spec = ModelSpec.from_syntax("SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2\\nLOY ~ SAT")
    >>> spec
    ModelSpec(name='model', latents=['SAT', 'LOY'], paths=1, observed=5)
    >>> spec.latents, spec.observed
    (('SAT', 'LOY'), ('SAT1', 'SAT2', 'SAT3', 'LOY1', 'LOY2'))
    >>> spec.structural_paths
    (('SAT', 'LOY'),)
    >>> load_model("acsi").indicators["SAT"]
    ('SAT1', 'SAT2', 'SAT3')
    """

    statements: tuple[Statement, ...]
    name: str = "model"
    source: str | None = None
    allow_cross_loadings: bool = False
    auto_cov_y: bool = True
    fixed_x: bool = True
    meanstructure: bool = False
    int_ov_free: bool = True
    int_lv_free: bool = False

    # ----------------------------------------------------------------- creation
    @classmethod
    def from_syntax(cls, text: str, *, name: str = "model", source: str | None = None,
                    allow_cross_loadings: bool = False, auto_cov_y: bool = True,
                    fixed_x: bool = True) -> "ModelSpec":
        """Parse and validate lavaan syntax.

        Parameters
        ----------
        text : str
            The model, e.g. ``"SAT =~ CUSA1 + CUSA2 + CUSA3\\nLOY =~ CUSL1 + CUSL2\\nLOY ~ SAT"``.
        name : str
            A short name used in reports.
        source : str, optional
            The file the text came from (for error messages).
        allow_cross_loadings : bool
            Allow an item to load on more than one latent. By default that is an error,
            because in a CSI questionnaire it is almost always a copy-paste mistake.
        auto_cov_y : bool
            lavaan's ``auto.cov.y`` (default True, as ``sem()``/``cfa()``): the residual
            covariances among the endogenous variables that predict nothing else (latent or
            observed "pure outcomes") are free. False fixes them at 0 (semopy's default),
            unless the model writes them with ``~~``.
        fixed_x : bool
            lavaan's ``fixed.x`` (default True): the variances and covariances (and means) of
            the observed exogenous predictors are fixed at their sample values and not counted
            as parameters. The other estimates and their standard errors are the same either
            way; ``npar``, the log-likelihood, AIC and BIC are lavaan's conditional ones.
            False estimates them as free parameters (lavaan's ``fixed.x = FALSE``).

        Examples
        --------
        >>> spec = ModelSpec.from_syntax("SAT =~ CUSA1 + CUSA2 + CUSA3\\nLOY =~ CUSL1 + CUSL2\\nLOY ~ SAT")
        >>> spec.latents
        ('SAT', 'LOY')
        >>> spec.structural_paths
        (('SAT', 'LOY'),)
        """
        spec = cls(parse_syntax(text, source=source), name=name, source=source,
                   allow_cross_loadings=allow_cross_loadings,
                   auto_cov_y=_flag(auto_cov_y, "auto_cov_y"), fixed_x=_flag(fixed_x, "fixed_x"))
        spec._validate()
        return spec

    def with_defaults(self, *, auto_cov_y: bool | None = None, fixed_x: bool | None = None,
                      meanstructure: bool | None = None, int_ov_free: bool | None = None,
                      int_lv_free: bool | None = None) -> "ModelSpec":
        """The same model with other lavaan defaults (None keeps the current setting).

        ``meanstructure``, ``int_ov_free`` and ``int_lv_free`` are lavaan's options of the
        same names (see the class attributes); ``meanstructure=False`` is refused for a model
        that writes intercepts (``x ~ 1``), which has a mean structure whatever the option.

        Examples
        --------
        >>> spec = ModelSpec.from_syntax("y1 + y2 ~ x1")
        >>> spec.with_defaults(auto_cov_y=False).auto_cov_y
        False
        >>> spec.with_defaults(meanstructure=True).partable().query("op == '~1'")[
        ...     ["lhs", "free", "exo"]].to_string(index=False)
        'lhs  free  exo\\n y1     7    0\\n x1     8    1\\n y2     9    0'
        """
        if meanstructure is False and self.has_intercepts:
            st = next(s for s in self.statements if s.op == "~1")
            raise ModelSpecError(
                f"{self._where(st)}: the model writes an intercept or mean ('{st.text}'), so it "
                "has a mean structure: meanstructure=False cannot be applied. Remove the '~ 1' "
                "lines, or leave meanstructure at its default (None).")
        ov_free = self.int_ov_free if int_ov_free is None else int_ov_free
        lv_free = self.int_lv_free if int_lv_free is None else int_lv_free
        if meanstructure is False and (not ov_free or lv_free):
            raise ModelSpecError(
                f"{self.source or '<model>'}: int_ov_free=False / int_lv_free=True (a growth "
                "model) are settings of the mean structure: meanstructure=False cannot be "
                "applied with them.")
        changes = {k: _flag(v, k) for k, v in (("auto_cov_y", auto_cov_y), ("fixed_x", fixed_x),
                                                ("meanstructure", meanstructure),
                                                ("int_ov_free", int_ov_free),
                                                ("int_lv_free", int_lv_free))
                   if v is not None}
        if not changes or all(getattr(self, k) == v for k, v in changes.items()):
            return self
        return replace(self, **changes)

    # ------------------------------------------------------------------ structure
    @cached_property
    def latents(self) -> tuple[str, ...]:
        """Latent variables in order of first definition (``=~`` and composites ``<~``)."""
        out: list[str] = []
        for st in self.statements:
            if st.op in ("=~", "<~") and st.lhs not in out:
                out.append(st.lhs)
        return tuple(out)

    @cached_property
    def indicators(self) -> dict[str, tuple[str, ...]]:
        """Mapping latent -> its indicators, in the order written."""
        out: dict[str, list[str]] = {lv: [] for lv in self.latents}
        for st in self.statements:
            if st.op == "=~":
                for t in st.terms:
                    if t.name not in out[st.lhs]:
                        out[st.lhs].append(t.name)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def composites(self) -> dict[str, tuple[str, ...]]:
        """Mapping composite -> its items, for the formative blocks ``f <~ x1 + x2``.

        In CB-SEM (as lavaan 0.6-14) ``f <~ x1 + x2`` is the regression of the latent f on
        the items, with the items observed exogenous predictors and the disturbance
        variance of f fixed at 0; PLS estimates the block in mode B.

        >>> ModelSpec.from_syntax("IMAG <~ 1*i1 + i2\\nSAT =~ s1 + s2 + s3\\nSAT ~ IMAG").composites
        {'IMAG': ('i1', 'i2')}
        """
        out: dict[str, list[str]] = {}
        for st in self.statements:
            if st.op == "<~":
                items = out.setdefault(st.lhs, [])
                items.extend(t.name for t in st.terms if t.name not in items)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def constraints(self) -> tuple[Statement, ...]:
        """The constraint statements (``==``, ``<``, ``>``), checked with :meth:`constraint_functions`."""
        return tuple(st for st in self.statements if st.op in CONSTRAINT_OPERATORS)

    @cached_property
    def constraint_functions(self) -> tuple[tuple[str, DefinedParameter], ...]:
        """Each constraint as ``(kind, g)``: ``kind`` "eq" (``g == 0``) or "ineq" (``g >= 0``).

        ``g`` is ``lhs - rhs`` for ``==`` and ``>``, ``rhs - lhs`` for ``<``, an expression of
        the labels and defined parameters (:mod:`csi_model.model.expression`).

        >>> spec = ModelSpec.from_syntax("f =~ x1 + a*x2 + b*x3\\na == 2*b\\nb < 1")
        >>> [(kind, g.rhs) for kind, g in spec.constraint_functions]
        [('eq', '(a)-(2*b)'), ('ineq', '(1)-(b)')]
        """
        labels = {t.label for st in self.statements for t in st.terms if t.label}
        labels |= {g[1] for st in self.statements for t in st.terms if t.groups
                   for g in t.groups if g[1]}     # c(b1, b2)*x: a label per group
        defined = {d.name: d.line for d in self.defined_parameters}
        out = []
        for st in self.constraints:
            kind = "eq" if st.op == "==" else "ineq"
            first, second = (st.expression, st.lhs) if st.op == "<" else (st.lhs, st.expression)
            text = f"({first}) - ({second})"
            try:
                g = parse_defined(f"{_CONSTRAINT_NAME} := {text}", line=st.line, labels=labels,
                                  defined=defined, text=st.text, source=self.source)
            except ModelSyntaxError as exc:     # the message without its location and text
                message = str(exc).split("\n")[0].split(": ", 1)[-1]
                message = (message.replace(f"'{_CONSTRAINT_NAME} := ...'", "the constraint")
                           .replace("in a defined parameter", "in a constraint"))
                raise ModelSyntaxError(message, source=self.source, line=st.line,
                                       text=st.text) from None
            out.append((kind, g))
        return tuple(out)

    @cached_property
    def structural_paths(self) -> tuple[tuple[str, str], ...]:
        """Regression paths as (from, to) pairs, in the order written."""
        return tuple((t.name, st.lhs) for st in self.statements if st.op == "~" for t in st.terms)

    @cached_property
    def observed(self) -> tuple[str, ...]:
        """Observed variables (everything that is not a latent), indicators first."""
        lat = set(self.latents)
        out: list[str] = []
        for lv in self.latents:
            out.extend(i for i in self.indicators[lv] if i not in lat and i not in out)
        for st in self.statements:
            if st.op in ("~", "~~", "~1", "<~"):
                for name in (st.lhs, *(st.rhs_names if st.op != "~1" else ())):
                    if name not in lat and name not in out:
                        out.append(name)
        return tuple(out)

    @cached_property
    def has_intercepts(self) -> bool:
        """True when the model writes an intercept or a mean (``x ~ 1``, ``f ~ 0*1``)."""
        return any(st.op == "~1" for st in self.statements)

    @property
    def has_meanstructure(self) -> bool:
        """True when the parameter table has a mean structure without being asked for one:
        the model writes an intercept (``x ~ 1``) or was made with ``meanstructure=True``,
        ``int_ov_free=False`` or ``int_lv_free=True`` (:meth:`with_defaults`,
        :func:`csi_model.growth`)."""
        return (self.meanstructure or self.has_intercepts or not self.int_ov_free
                or self.int_lv_free)

    @cached_property
    def endogenous_latents(self) -> tuple[str, ...]:
        """Latents that are regressed on something (or are indicators of a higher-order latent)."""
        dep = {st.lhs for st in self.statements if st.op == "~"}
        dep |= {t.name for st in self.statements if st.op == "=~" for t in st.terms}
        return tuple(lv for lv in self.latents if lv in dep)

    @cached_property
    def exogenous_latents(self) -> tuple[str, ...]:
        endo = set(self.endogenous_latents)
        return tuple(lv for lv in self.latents if lv not in endo)

    @cached_property
    def exogenous_observed(self) -> tuple[str, ...]:
        """Observed variables that only predict (lavaan's ``ov.x``).

        Not indicators, never regressed on, and (as lavaan) not named in a ``~~``
        statement: a predictor given a variance or covariance in the model is
        treated as random (see :attr:`random_predictors`).
        """
        return tuple(v for v in self._predictors if v not in self.random_predictors)

    @cached_property
    def _predictors(self) -> tuple[str, ...]:
        indicator_set = {i for items in self.indicators.values() for i in items}
        dependents = {st.lhs for st in self.statements if st.op == "~"}
        return tuple(v for v in self.observed if v not in indicator_set and v not in dependents
                     and any(v in st.rhs_names for st in self.statements
                             if st.op in ("~", "<~")))

    @cached_property
    def random_predictors(self) -> tuple[str, ...]:
        """Observed predictors named in a ``~~`` statement: lavaan treats them as random
        (free variances, no default covariances) and warns."""
        named = {n for st in self.statements if st.op == "~~" for n in (st.lhs, *st.rhs_names)}
        return tuple(v for v in self._predictors if v in named)

    @cached_property
    def pure_outcomes(self) -> tuple[str, ...]:
        """Endogenous variables that predict nothing (lavaan's ``lv.y`` then ``ov.y``):
        regressed on something, never a predictor, not an indicator. Their residual
        covariances are free by default (``auto_cov_y``)."""
        indicator_set = {i for items in self.indicators.values() for i in items}
        dependents = {st.lhs for st in self.statements if st.op == "~"}
        predictors = {n for st in self.statements if st.op == "~" for n in st.rhs_names}
        pure = dependents - indicator_set - predictors
        lat = set(self.latents)
        return (tuple(v for v in self.latents if v in pure)
                + tuple(v for v in self.observed if v in pure and v not in lat))

    @cached_property
    def defined(self) -> tuple[Statement, ...]:
        """The ``:=`` statements."""
        return tuple(st for st in self.statements if st.op == ":=")

    def statement_line(self, lhs: str, op: str, rhs: str | None = None) -> int | None:
        """The model line where ``lhs op rhs`` is written (None for defaults).

        Examples
        --------
        >>> spec = ModelSpec.from_syntax("SAT =~ SAT1 + SAT2\\nLOY =~ LOY1 + LOY2\\nLOY ~ SAT")
        >>> spec.statement_line("LOY", "~", "SAT")
        3
        >>> spec.statement_line("SAT", "~~", "SAT") is None      # a default variance: no line
        True
        """
        for st in self.statements:
            if st.lhs == lhs and st.op == op and (rhs is None or rhs in st.rhs_names):
                return st.line
        return None

    def to_syntax(self) -> str:
        """The model in lavaan syntax, one statement per line.

        Examples
        --------
        >>> print(specify(reflective("SAT", "CUSA1", "CUSA2"), reflective("LOY", "CUSL1", "CUSL2"),
        ...               paths(from_="SAT", to="LOY")).to_syntax())
        SAT =~ CUSA1 + CUSA2
        LOY =~ CUSL1 + CUSL2
        LOY ~ SAT
        """
        return "\n".join(format_statement(st) for st in self.statements)

    def __repr__(self) -> str:
        return (f"ModelSpec(name={self.name!r}, latents={list(self.latents)}, "
                f"paths={len(self.structural_paths)}, observed={len(self.observed)})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ModelSpec):
            return NotImplemented
        if self.has_group_modifiers or other.has_group_modifiers:
            return self.to_syntax() == other.to_syntax()
        cols = ["lhs", "op", "rhs", "free", "ustart", "label"]
        a, b = self.partable()[cols], other.partable()[cols]
        key = ["lhs", "op", "rhs"]
        defined = [(d.name, d.rhs) for d in self.defined_parameters] == \
            [(d.name, d.rhs) for d in other.defined_parameters] and \
            [(k, g.rhs) for k, g in self.constraint_functions] == \
            [(k, g.rhs) for k, g in other.constraint_functions]
        return defined and a.sort_values(key).reset_index(drop=True).equals(
            b.sort_values(key).reset_index(drop=True))

    def __hash__(self) -> int:
        return hash(self.to_syntax())

    # ------------------------------------------------------------------ validation
    def _where(self, st: Statement, col: int | None = None) -> str:
        where = self.source or "<model>"
        where += f", line {st.line}"
        if col:
            where += f", column {col}"
        return where

    def _error(self, st: Statement, message: str, hint: str, col: int | None = None):
        raise ModelSyntaxError(message, source=self.source, line=st.line, col=col,
                               text=st.text, hint=hint)

    def _validate(self) -> None:
        latents = set(self.latents)
        seen: dict[tuple[str, str, str], Statement] = {}
        owner: dict[str, Statement] = {}
        for st in self.statements:
            if st.op == ":=" or st.op in CONSTRAINT_OPERATORS:
                continue
            for t in st.terms:
                key = (st.lhs, st.op, t.name)
                if st.op == "~~" and (t.name, "~~", st.lhs) in seen:
                    key = (t.name, "~~", st.lhs)
                if key in seen:
                    first = seen[key]
                    self._error(st, f"'{st.lhs} {st.op} {t.name}' is specified twice "
                                    f"(first on line {first.line}).",
                                "Remove one of the two.", t.col)
                seen[key] = st
                if t.name == st.lhs and st.op in ("=~", "~"):
                    what = "measure itself" if st.op == "=~" else "be regressed on itself"
                    self._error(st, f"'{st.lhs}' cannot {what}.", "Remove the term.", t.col)
                if st.op == "=~" and t.name not in latents:
                    if t.name in owner and owner[t.name].lhs != st.lhs and not self.allow_cross_loadings:
                        other = owner[t.name]
                        self._error(st, f"The item '{t.name}' is an indicator of both '{other.lhs}' "
                                        f"(line {other.line}) and '{st.lhs}'.",
                                    "Remove one of them, or pass allow_cross_loadings=True "
                                    "(CLI: --allow-cross-loadings) if the cross-loading is intended.",
                                    t.col)
                    owner.setdefault(t.name, st)
        for lv in self.latents:
            if lv in owner:
                st = owner[lv]
                self._error(st, f"'{lv}' is used both as a latent and as an item.",
                            "Rename the item or the latent.")
        self._check_composites()
        self._check_nonrecursive()
        self._check_defined()
        self.constraint_functions  # noqa: B018 - parsing checks every constraint line

    def _check_composites(self) -> None:
        """``<~`` blocks: formed from observed items, and not also reflective or regressed."""
        if not self.composites:
            return
        reflective = {st.lhs for st in self.statements if st.op == "=~"}
        regressed = {st.lhs for st in self.statements if st.op == "~"}
        indicator_set = {t.name for st in self.statements if st.op == "=~" for t in st.terms}
        latents = set(self.latents)
        for st in self.statements:
            if st.op != "<~":
                continue
            f = st.lhs
            if f in reflective or f in regressed:
                what = "measured reflectively ('=~')" if f in reflective else "regressed ('~')"
                self._error(st, f"The composite '{f}' (formative '<~' block) is also {what}.",
                            "A composite is formed by its items only: remove the other line, "
                            "or make it a reflective latent.")
            for t in st.terms:
                if t.name in latents or t.name in indicator_set or t.name in regressed:
                    self._error(st, f"The item '{t.name}' of the formative composite '{f}' "
                                    "must be an observed variable that is not an indicator "
                                    "of a latent and not regressed on anything.",
                                "Form the composite from observed items only (lavaan treats "
                                "them as exogenous predictors).", t.col)

    def check_composite_identification(self) -> None:
        """Refuse the formative blocks whose CB-SEM estimates are not identified.

        As lavaan 0.6-14 specifies ``f <~ x1 + x2`` (every weight free, the disturbance of f
        fixed at 0): a composite needs a fixed weight (its scale), must emit at least one
        path (two if its disturbance is freed with ``f ~~ f``), and cannot be an exogenous
        latent next to others (lavaan would free a covariance of its zero-variance
        disturbance). PLS has none of these rules (the blocks are weighted composites).

        Raises
        ------
        ModelSyntaxError
            Naming the composite's line and saying what to write instead.

        Examples
        --------
        >>> spec = ModelSpec.from_syntax("IMAG <~ i1 + i2\\nSAT =~ s1 + s2 + s3\\nSAT ~ IMAG")
        >>> spec.check_composite_identification()
        Traceback (most recent call last):
        ...
        csi_model.exceptions.ModelSyntaxError: <model>, line 1: The composite 'IMAG' ...
        """
        if not self.composites:
            return
        emitted = {lv: sum(1 for f, _ in self.structural_paths if f == lv) for lv in self.composites}
        free_disturbance = {st.lhs for st in self.statements if st.op == "~~" for t in st.terms
                            if t.name == st.lhs and t.fixed is None}
        for f, items in self.composites.items():
            st = next(s for s in self.statements if s.op == "<~" and s.lhs == f)
            terms = [t for s in self.statements if s.op == "<~" and s.lhs == f for t in s.terms]
            if not any(t.fixed is not None for t in terms):
                self._error(st, f"The composite '{f}' ('<~', a formative block) has no fixed "
                                "weight, so its scale is not identified (lavaan 0.6-14 leaves "
                                "every weight free and cannot compute standard errors).",
                            f"Fix one weight, e.g. '{f} <~ 1*{items[0]} + ...'.")
            need = 2 if f in free_disturbance else 1
            if emitted[f] < need:
                why = ("its disturbance variance is free ('" + f + " ~~ " + f + "'), so it must "
                       "emit at least two paths (MacCallum & Browne, 1993)"
                       if need == 2 else "it must emit at least one path to be identified")
                self._error(st, f"The formative composite '{f}' emits {emitted[f]} structural "
                                f"path(s): {why}.",
                            f"Add paths from '{f}' ('Y ~ {f}'), or fix its disturbance at 0 "
                            "(lavaan's default for '<~')." if need == 2 else
                            f"Add a path from '{f}' to an outcome ('Y ~ {f}').")
        others = [lv for lv in self.exogenous_latents if lv not in self.composites]
        exo_comp = [f for f in self.composites if f in self.exogenous_latents]
        if exo_comp and len(exo_comp) + len(others) > 1:
            st = next(s for s in self.statements if s.op == "<~" and s.lhs == exo_comp[0])
            rest = [v for v in exo_comp[1:] + others]
            self._error(st, f"The formative composite '{exo_comp[0]}' is exogenous together "
                            f"with {', '.join(repr(v) for v in rest)}: lavaan 0.6-14 frees the "
                            "covariance of the composite's zero-variance disturbance with them, "
                            "which is not identified.",
                        "Make the other exogenous latents outcomes of the composite "
                        f"(e.g. '{rest[0]} ~ {exo_comp[0]}'), or use one composite as the only "
                        "exogenous latent.")

    @cached_property
    def feedback_loops(self) -> tuple[tuple[str, ...], ...]:
        """The nonrecursive blocks: groups of variables on a directed cycle of ``~`` paths.

        >>> ModelSpec.from_syntax("y1 ~ x1 + y2\\ny2 ~ x2 + y1").feedback_loops
        (('y1', 'y2'),)
        """
        graph: dict[str, list[str]] = {}
        for st in self.statements:
            if st.op == "~":
                graph.setdefault(st.lhs, [])     # model order: outcomes as first written
                for t in st.terms:
                    graph.setdefault(t.name, []).append(st.lhs)
        return tuple(c for c in _strongly_connected(graph) if len(c) > 1)

    def _check_nonrecursive(self) -> None:
        """Order and rank conditions for each equation in a feedback loop (Bollen 1989, 4.4).

        For a block of m mutually dependent variables whose disturbances correlate (a
        ``~~`` between two of them), the equation of each must exclude at least m - 1 of the
        block's variables and predictors (order condition), and the coefficients of the
        excluded variables in the other equations must have rank m - 1 (rank condition,
        checked at random coefficient values). With uncorrelated disturbances (lavaan's
        default for variables that predict each other) a loop can be identified without
        instruments, and the fit's information matrix is the check
        (:func:`csi_model.sem.fitting.empirical_identification_notes`).
        """
        import numpy as np

        preds: dict[str, list[str]] = {}
        covaries: set[frozenset] = set()
        for st in self.statements:
            if st.op == "~":
                preds.setdefault(st.lhs, []).extend(st.rhs_names)
            elif st.op == "~~":
                covaries.update(frozenset((st.lhs, t.name)) for t in st.terms
                                if t.name != st.lhs and t.fixed != 0)
        rng = np.random.default_rng(0)
        for block in self.feedback_loops:
            if not any(frozenset((a, b)) in covaries for a in block for b in block if a != b):
                continue
            cols = list(block) + [v for y in block for v in preds.get(y, ())
                                  if v not in block]
            cols = list(dict.fromkeys(cols))
            C = np.zeros((len(block), len(cols)))
            for i, y in enumerate(block):
                C[i, i] = 1.0
                for v in preds.get(y, ()):
                    C[i, cols.index(v)] = rng.uniform(0.3, 0.9) * rng.choice([-1, 1])
            m = len(block)
            for i, y in enumerate(block):
                excluded = [k for k in range(len(cols)) if C[i, k] == 0]
                ok = len(excluded) >= m - 1 and (
                    m == 1 or np.linalg.matrix_rank(np.delete(C[:, excluded], i, axis=0)) == m - 1)
                if ok:
                    continue
                st = next(s for s in self.statements if s.op == "~" and s.lhs == y)
                loop = " <-> ".join(block)
                condition = "order" if len(excluded) < m - 1 else "rank"
                self._error(st, f"The equation of '{y}' in the feedback loop {loop} is not "
                                f"identified ({condition} condition): with correlated "
                                "disturbances, a nonrecursive model needs for each variable of "
                                "the loop a predictor (instrument) that its own equation "
                                "excludes and another equation of the loop includes.",
                            f"Add a predictor of another variable of the loop that does not "
                            f"predict '{y}' (e.g. 'OTHER ~ Z' with Z not in '{y} ~ ...'), fix "
                            "the disturbance covariance at 0, or remove one of the reciprocal "
                            "paths.")

    def _check_defined(self) -> None:
        self.defined_parameters  # noqa: B018 - parsing checks every ':=' line

    @cached_property
    def defined_parameters(self) -> tuple[DefinedParameter, ...]:
        """The ``:=`` statements, parsed and checked (:mod:`csi_model.model.expression`).

        >>> spec = ModelSpec.from_syntax("SAT =~ s1 + s2\\nLOY =~ l1 + l2\\nLOY ~ b*SAT\\nb2 := b^2")
        >>> [(d.name, d.rhs) for d in spec.defined_parameters]
        [('b2', 'b^2')]
        """
        labels = {t.label for st in self.statements for t in st.terms if t.label}
        labels |= {g[1] for st in self.statements for t in st.terms if t.groups
                   for g in t.groups if g[1]}
        out: list[DefinedParameter] = []
        for k, st in enumerate(self.defined):
            col = st.text.find(":=")
            later = {s.lhs: s.line for s in self.defined[k + 1:]}
            out.append(parse_defined(f"{st.lhs} := {st.expression}", line=st.line, labels=labels,
                                     defined={d.name: d.line for d in out}, later=later,
                                     text=st.text, source=self.source,
                                     col=col + 3 if col >= 0 else None))
        return tuple(out)

    def check_against(self, columns: Iterable[str], *, data_source: str | None = None) -> None:
        """Raise a clear error if a model variable is missing from the data.

        Parameters
        ----------
        columns : iterable of str
            The data's column names.
        data_source : str, optional
            The data file's name, for the message.

        Examples
        --------
        >>> spec = ModelSpec.from_syntax("SAT =~ SAT1 + SAT2 + SAT3")
        >>> spec.check_against(["SAT1", "SAT2", "SAT3", "age"])    # every item present: nothing
        >>> try:
        ...     spec.check_against(["SAT1", "SAT2", "SAT_3"], data_source="wave1.csv")
        ... except ModelSpecError as exc:
        ...     print(exc)
        <model>, line 1: the model variable 'SAT3' is not a column of the data (wave1.csv). Did you mean 'SAT_3', 'SAT2', 'SAT1'?
        """
        cols = list(columns)
        colset = set(cols)
        for var in self.observed:
            if var in colset:
                continue
            st = next((s for s in self.statements if s.op != ":=" and
                       s.op not in CONSTRAINT_OPERATORS and
                       (s.lhs == var or var in s.rhs_names)), None)
            used_as_latent = st is not None and st.op in ("~", "~~")
            pool = cols + list(self.latents) if used_as_latent else cols
            close = difflib.get_close_matches(var, pool, n=3)
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            where = f"{self.source or '<model>'}, line {st.line}" if st else (self.source or "<model>")
            extra = (f" If '{var}' is meant to be a latent, define it with a line "
                     f"'{var} =~ item1 + item2'.") if used_as_latent else ""
            raise ModelSpecError(
                f"{where}: the model variable '{var}' is not a column of the data "
                f"({data_source or 'survey'}).{hint}{extra}")

    # ---------------------------------------------------------------- parameter table
    def partable(self, *, meanstructure: bool | None = None, group: int = 0,
                 n_groups: int = 1) -> pd.DataFrame:
        """The lavaan-style parameter table with all default parameters.

        Defaults follow lavaan 0.6's ``sem()`` and ``cfa()``:

        * ``auto.fix.first``: the first loading of each latent is fixed at 1 (``NA*x`` frees it,
          ``start(v)*x`` fixes it at v, as in lavaan);
        * labels: parameters with the same label are equal, and a label shared with a fixed
          parameter fixes them all at its value (``f =~ a*x1 + a*x2`` fixes both loadings at 1);
        * ``auto.var``: free (residual) variances of every variable, except the item of a
          single-indicator latent, whose residual variance is fixed at 0 (``auto.fix.single``);
        * ``auto.cov.lv.x``: free covariances among the exogenous latents;
        * ``auto.cov.y`` (:attr:`auto_cov_y`): free residual covariances among the endogenous
          variables that predict nothing else (:attr:`pure_outcomes`);
        * ``fixed.x`` (:attr:`fixed_x`): the variances and covariances of the observed
          exogenous predictors (:attr:`exogenous_observed`) are marked ``exo = 1``. They are
          estimated as parameters (their estimates are the sample moments, and the other
          estimates and SEs do not depend on them) but reported as fixed, as lavaan reports them.

        With a mean structure (``meanstructure=True``, or :attr:`has_meanstructure`: the model
        writes an intercept ``x ~ 1`` or was made with ``meanstructure=True``) every variable
        has a ``~1`` row: the observed intercepts are free (``int_ov_free``) and the latent
        means fixed at 0 (unless ``int_lv_free``, or freed in the model: ``f ~ 1``); the
        predictors' means are ``exo`` rows with ``fixed_x``. ``meanstructure=False`` (or None)
        gives the table without means only for a model that has none.

        ``group`` (0-based) of ``n_groups``: the table of one group of a multi-group fit, with
        that group's entry of every ``c(...)`` modifier. A ``c(...)`` whose length is not
        ``n_groups`` is a :class:`~csi_model.exceptions.ModelSyntaxError` naming its line (a
        single-group fit has ``n_groups=1``).

        Returns
        -------
        pandas.DataFrame
            Columns ``lhs, op, rhs, free, ustart, label, user, line, exo``; ``free`` is the
            1-based index of the parameter (0 if fixed; equal labels share an index),
            ``ustart`` the fixed value or the user's start value, ``exo`` 1 for the
            ``fixed.x`` rows.

        Examples
        --------
        >>> spec = ModelSpec.from_syntax("SAT =~ CUSA1 + CUSA2\\nCOMP =~ CUSCO\\nCOMP ~ SAT")
        >>> pt = spec.partable()
        >>> pt.loc[pt.op == "=~", ["lhs", "rhs", "free", "ustart"]].to_string(index=False)
        ' lhs   rhs  free  ustart\\n SAT CUSA1     0     1.0\\n SAT CUSA2     1     NaN\\nCOMP CUSCO     0     1.0'
        >>> float(pt.query("lhs == 'CUSCO' and op == '~~'").ustart.iloc[0])
        0.0
        >>> two = ModelSpec.from_syntax("y1 + y2 ~ x1")      # two outcomes: correlated residuals
        >>> two.partable().query("op == '~~'")[["lhs", "rhs", "free", "exo"]].to_string(index=False)
        'lhs rhs  free  exo\\n y1  y1     3    0\\n y2  y2     4    0\\n y1  y2     5    0\\n x1  x1     6    1'
        """
        return self._partable(bool(meanstructure) or self.has_meanstructure, group,
                              n_groups).copy()

    @cached_property
    def has_group_modifiers(self) -> bool:
        """True when a term has a ``c(...)`` modifier (one value per group).

        >>> ModelSpec.from_syntax("f =~ x1 + c(a, b)*x2 + x3").has_group_modifiers
        True
        """
        return any(t.groups is not None for st in self.statements for t in st.terms)

    def _partable(self, meanstructure: bool, group: int | None = 0,
                  n_groups: int | None = 1) -> pd.DataFrame:
        """``group=None``: the ``c(...)`` modifiers left out (start values of a multi-group fit)."""
        if group is not None and n_groups is None:
            group, n_groups = 0, 1
        key = (meanstructure, group, n_groups)
        cache = self.__dict__.setdefault("_partable_cache", {})
        if key in cache:
            return cache[key]
        rows: list[dict] = []
        specified: set[tuple[str, str, str]] = set()

        def add(lhs, op, rhs, fixed=None, label=None, start=None, user=0, line=None, exo=0):
            if user == 0 and (lhs, op, rhs) in specified:
                return
            rows.append(dict(lhs=lhs, op=op, rhs=rhs, fixed=fixed, label=label or "",
                             start=start, user=user, line=line, exo=exo))
            specified.add((lhs, op, rhs))
            if op == "~~":
                specified.add((rhs, op, lhs))

        first_done: set[str] = set()
        for st in self.statements:
            if st.op == ":=":
                continue
            for t in st.terms:
                if t.groups is not None:
                    t = (replace(t, groups=None) if group is None else
                         t.for_group(group, n_groups, st.text, self.source))
                fixed = t.fixed
                if st.op == "=~" and st.lhs not in first_done:
                    first_done.add(st.lhs)
                    if fixed is None and not t.free:
                        # lavaan: a start value on the marker fixes it at that value
                        fixed = 1.0 if t.start is None else t.start
                if st.op == "~1":     # lavaan: a user's intercept is free unless fixed
                    add(st.lhs, "~1", "", fixed, t.label, t.start, 1, st.line)
                    continue
                add(st.lhs, st.op, t.name, fixed, t.label, t.start, 1, st.line)

        exo_ov = self.exogenous_observed
        # auto.fix.single: a latent with one =~ row whose indicator measures nothing else
        owners: dict[str, int] = {}
        for items in self.indicators.values():
            for i in items:
                owners[i] = owners.get(i, 0) + 1
        single = {items[0] for items in self.indicators.values()
                  if len(items) == 1 and owners[items[0]] == 1}
        for ov in self.observed:
            if ov not in exo_ov:
                add(ov, "~~", ov, 0.0 if ov in single else None)
        composites = self.composites
        for lv in self.latents:     # a composite's disturbance variance is 0 (lavaan's '<~')
            add(lv, "~~", lv, 0.0 if lv in single or lv in composites else None)
        exo_lv = [lv for lv in self.exogenous_latents if lv not in composites]
        for i, a in enumerate(exo_lv):
            for b in exo_lv[i + 1:]:
                add(a, "~~", b)
        if self.auto_cov_y:
            outcomes = self.pure_outcomes
            for i, a in enumerate(outcomes):
                for b in outcomes[i + 1:]:
                    add(a, "~~", b)
        for i, a in enumerate(exo_ov):
            for b in exo_ov[i:]:
                add(a, "~~", b, exo=int(self.fixed_x))
        if meanstructure:
            for ov in self.observed:
                exo = self.fixed_x and ov in exo_ov       # fixed.x: the sample mean (lavaan)
                add(ov, "~1", "", None if self.int_ov_free or exo else 0.0, exo=int(exo))
            for lv in self.latents:
                add(lv, "~1", "", None if self.int_lv_free else 0.0)

        # a label shared with a fixed parameter fixes all its parameters (lavaan)
        fixed_label: dict[str, float] = {}
        for r in rows:
            if r["label"] and r["fixed"] is not None:
                fixed_label.setdefault(r["label"], r["fixed"])
        for r in rows:
            if r["label"] in fixed_label:
                r["fixed"] = fixed_label[r["label"]]

        # free-parameter indices; equal labels share one index
        free_index: dict[str, int] = {}
        counter = 0
        out = []
        for r in rows:
            if r["fixed"] is not None:
                free, ustart = 0, r["fixed"]
            else:
                if r["label"] and r["label"] in free_index:
                    free = free_index[r["label"]]
                else:
                    counter += 1
                    free = counter
                    if r["label"]:
                        free_index[r["label"]] = free
                ustart = r["start"]
            out.append(dict(lhs=r["lhs"], op=r["op"], rhs=r["rhs"], free=free,
                            ustart=float("nan") if ustart is None else float(ustart),
                            label=r["label"], user=r["user"],
                            line=pd.NA if r["line"] is None else r["line"], exo=r["exo"]))
        pt = pd.DataFrame(out, columns=PARTABLE_COLUMNS)
        pt["line"] = pt["line"].astype("Int64")
        cache[key] = pt
        return pt


_CONSTRAINT_NAME = "constraint"


def _strongly_connected(graph: dict[str, list[str]]) -> list[tuple[str, ...]]:
    """Tarjan's strongly connected components, each in order of first appearance."""
    nodes = list(dict.fromkeys([n for n in graph] + [m for v in graph.values() for m in v]))
    order = {n: k for k, n in enumerate(nodes)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[tuple[str, ...]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(tuple(sorted(comp, key=order.get)))

    for n in nodes:
        if n not in index:
            visit(n)
    return sorted(out, key=lambda c: order[c[0]])


def _flag(value, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"The '{name}' parameter must be True or False. Got {value!r} instead.")
    return value


# --------------------------------------------------------------------- model library
def bundled_models() -> list[str]:
    """Names of the models shipped with csi_model (``telecom``, ``acsi``, ``ecsi``, ...).

    Examples
    --------
    >>> {"acsi", "ecsi", "telecom"} <= set(bundled_models())
    True
    """
    root = resources.files("csi_model.models")
    return sorted(p.name[:-4] for p in root.iterdir() if p.name.endswith(".lav"))


def load_model(model: str | Path, *, allow_cross_loadings: bool = False) -> ModelSpec:
    """Load a bundled model by name or a ``.lav`` file by path.

    Parameters
    ----------
    model : str or Path
        ``"telecom"``, ``"acsi"``, ``"ecsi"`` (see :func:`bundled_models`) or a path.
    allow_cross_loadings : bool
        See :meth:`ModelSpec.from_syntax`.

    Examples
    --------
    >>> spec = load_model("telecom")
    >>> spec.latents
    ('IMAG', 'EXPE', 'QUAL', 'VAL', 'SAT', 'COMP', 'LOY')
    """
    if isinstance(model, ModelSpec):
        return model
    text_name = str(model)
    if isinstance(model, str) and "/" not in text_name and "\\" not in text_name \
            and not text_name.endswith(".lav"):
        if text_name in bundled_models():
            res = resources.files("csi_model.models") / f"{text_name}.lav"
            return ModelSpec.from_syntax(res.read_text(encoding="utf-8"), name=text_name,
                                         source=f"{text_name}.lav",
                                         allow_cross_loadings=allow_cross_loadings)
        if not Path(text_name).exists():
            raise ModelSpecError(
                f"Unknown model {text_name!r}. The 'model' argument must be one of "
                f"{bundled_models()} or the path of a .lav file.")
    path = Path(model)
    if not path.is_file():
        raise ModelSpecError(f"Model file not found: '{path}'. Pass the path of an existing "
                             f".lav file or one of the bundled models {bundled_models()}.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ModelSpecError(f"Cannot read '{path}' as UTF-8 text: {exc}. Save the model "
                             "file as UTF-8.") from exc
    return ModelSpec.from_syntax(text, name=path.stem, source=str(path),
                                 allow_cross_loadings=allow_cross_loadings)


# ------------------------------------------------------------------ Python builder
@dataclass(frozen=True)
class Construct:
    """A reflective construct: a latent and its items (see :func:`reflective`).

    Examples
    --------
    >>> c = reflective("SAT", items("SAT", 1, 3))
    >>> c.name, c.items
    ('SAT', ('SAT1', 'SAT2', 'SAT3'))
    """

    name: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Paths:
    """Structural paths from each of ``sources`` to each of ``targets`` (see :func:`paths`).

    Examples
    --------
    >>> p = paths(from_=["QUAL", "VAL"], to="SAT")
    >>> p.sources, p.targets
    (('QUAL', 'VAL'), ('SAT',))
    >>> specify(reflective("QUAL", "Q1", "Q2"), reflective("VAL", "V1", "V2"),
    ...         reflective("SAT", "S1", "S2"), p).structural_paths
    (('QUAL', 'SAT'), ('VAL', 'SAT'))
    """

    sources: tuple[str, ...]
    targets: tuple[str, ...]


def _names(arg: str | Sequence[str], what: str) -> tuple[str, ...]:
    if isinstance(arg, str):
        return (arg,)
    out = tuple(arg)
    if not out or not all(isinstance(a, str) for a in out):
        raise TypeError(f"The '{what}' argument must be a name or a non-empty list of names. "
                        f"Got {arg!r} instead.")
    return out


def items(prefix: str, first: int, last: int) -> tuple[str, ...]:
    """Item names ``prefix<first>`` .. ``prefix<last>`` (like seminr's ``multi_items``).

    Examples
    --------
    >>> items("IMAG", 1, 3)
    ('IMAG1', 'IMAG2', 'IMAG3')
    """
    return tuple(f"{prefix}{i}" for i in range(first, last + 1))


def reflective(name: str, *indicators: str | Sequence[str]) -> Construct:
    """A reflectively measured latent: ``reflective("SAT", "CUSA1", "CUSA2")``.

    Items may be given one by one or as a list, e.g. ``reflective("IMAG", items("IMAG", 1, 5))``.

    Examples
    --------
    >>> reflective("SAT", "CUSA1", "CUSA2")
    Construct(name='SAT', items=('CUSA1', 'CUSA2'))
    >>> reflective("IMAG", items("IMAG", 1, 3)).items
    ('IMAG1', 'IMAG2', 'IMAG3')
    """
    flat: list[str] = []
    for ind in indicators:
        flat.extend(_names(ind, "indicators"))
    if not flat:
        raise ModelSpecError(f"The construct '{name}' has no indicators. Give at least one item: "
                             f"reflective('{name}', 'ITEM1', 'ITEM2').")
    return Construct(name, tuple(flat))


def paths(*, from_: str | Sequence[str], to: str | Sequence[str]) -> Paths:
    """Structural paths from every construct in ``from_`` to every one in ``to``.

    Examples
    --------
    >>> paths(from_="IMAG", to=["EXPE", "SAT"])
    Paths(sources=('IMAG',), targets=('EXPE', 'SAT'))
    """
    return Paths(_names(from_, "from_"), _names(to, "to"))


def specify(*parts: Construct | Paths, name: str = "model",
            allow_cross_loadings: bool = False) -> ModelSpec:
    """Build a :class:`ModelSpec` from constructs and paths (seminr style).

    The result is the same model as the equivalent lavaan syntax.

    Examples
    --------
    >>> spec = specify(
    ...     reflective("QUAL", items("PERQ", 1, 3)),
    ...     reflective("SAT", items("CUSA", 1, 3)),
    ...     reflective("LOY", items("CUSL", 1, 3)),
    ...     paths(from_="QUAL", to="SAT"),
    ...     paths(from_=["QUAL", "SAT"], to="LOY"),
    ... )
    >>> spec == ModelSpec.from_syntax('''
    ...     QUAL =~ PERQ1 + PERQ2 + PERQ3
    ...     SAT =~ CUSA1 + CUSA2 + CUSA3
    ...     LOY =~ CUSL1 + CUSL2 + CUSL3
    ...     SAT ~ QUAL
    ...     LOY ~ QUAL + SAT''')
    True
    """
    lines: list[str] = []
    regressions: dict[str, list[str]] = {}
    for part in parts:
        if isinstance(part, Construct):
            lines.append(f"{part.name} =~ " + " + ".join(part.items))
        elif isinstance(part, Paths):
            for tgt in part.targets:
                regressions.setdefault(tgt, []).extend(s for s in part.sources
                                                       if s not in regressions.get(tgt, []))
        else:
            raise TypeError("specify() takes reflective(...) constructs and paths(...). "
                            f"Got {type(part).__name__} instead.")
    for tgt, srcs in regressions.items():
        lines.append(f"{tgt} ~ " + " + ".join(srcs))
    spec = ModelSpec.from_syntax("\n".join(lines), name=name,
                                 allow_cross_loadings=allow_cross_loadings)
    known = set(spec.latents)
    for tgt, srcs in regressions.items():
        for v in (tgt, *srcs):
            if v not in known:
                close = difflib.get_close_matches(v, sorted(known), n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise ModelSpecError(f"paths() names '{v}', which is not a construct of this "
                                     f"model ({', '.join(spec.latents)}).{hint}")
    return spec
