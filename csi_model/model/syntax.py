"""Parse and print model syntax (the lavaan/semopy dialect).

Supported statements, one per line (or separated by ``;``)::

    IMAG =~ IMAG1 + IMAG2 + IMAG3      # measurement: latent =~ indicators
    SAT  ~ IMAG + b1*QUAL + 0.3*VAL    # regression, with a label and a fixed value
    CUSA1 ~~ CUSA2                     # (residual) covariance or variance
    ind  := b1*b2                      # defined parameter (see model.expression)
    CUSA1 ~ 1                          # intercept (of an item) or mean (of a latent)

An intercept is the term ``1`` right of ``~`` (``x ~ 1``, ``x ~ a*1``, ``f ~ 0*1``,
``y ~ 1 + x``); it becomes a statement of its own with lavaan's operator ``~1`` and
the term ``1``. Any intercept in a model turns its mean structure on.
    b1 == 2*b2                         # constraints: ==, < and > between expressions of labels
    IMAG <~ 1*IMAG1 + IMAG2            # formative (composite) block

An intercept is the term ``1`` right of ``~`` (``x ~ 1``, ``x ~ a*1``, ``f ~ 0*1``,
``y ~ 1 + x``); it becomes a statement of its own with lavaan's operator ``~1`` and
the term ``1``. Any intercept in a model turns its mean structure on.

A term may carry modifiers: a number (fixed value), ``NA`` (free), a label
(an identifier: equal labels mean equal parameters), ``equal("label")`` (the same) or
``start(0.5)``. Several modifiers of one term are either chained (``NA*l1*x1``) or
written as repeated terms (``NA*x1 + l1*x1``), which lavaan merges. In a multi-group
model a modifier may be a vector with one entry per group, as lavaan's: ``c(a1, a2)*x``
(labels), ``c(0.5, NA)*x`` or ``c(NA, 1)*x`` (fixed values, ``NA`` free); a single
modifier holds in every group. A line ending in ``+`` continues on the next line. ``#``
and ``!`` start comments.

Errors raise :class:`~csi_model.exceptions.ModelSyntaxError` with the line, the
column and a caret under the problem.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from ..exceptions import ModelSyntaxError

__all__ = ["Term", "Statement", "parse_syntax", "format_statement", "OPERATORS",
           "CONSTRAINT_OPERATORS"]

#: Operators in the order the tokenizer must try them (longest first).
OPERATORS = ("=~", "~~", ":=", "<~", "==", "~", "<", ">")
#: The constraint operators: ``lhs op rhs`` between expressions of labels.
CONSTRAINT_OPERATORS = ("==", "<", ">")
_KNOWN_BUT_UNSUPPORTED = {"|": "thresholds (ordinal data)", "~*~": "scaling factors",
                          "<=": "inequality constraints", ">=": "inequality constraints"}
_UNSUPPORTED_HINTS = {
    "<=": "Write '<' (lavaan's inequality constraints are not strict: 'b < 1' allows b = 1).",
    ">=": "Write '>' (lavaan's inequality constraints are not strict: 'b > 0' allows b = 0).",
}
_NAME = re.compile(r"[^\W\d][\w.]*", re.UNICODE)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_VECTOR = re.compile(r"c\((.*)\)", re.DOTALL)
_START = re.compile(r"start\(\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\)")
_EQUAL = re.compile(r"equal\(\s*[\"']([^\"']*)[\"']\s*\)")
_OPERATOR_LIKE = re.compile(r"[=~<>\-|*:]+")


@dataclass(frozen=True)
class Term:
    """One right-hand-side term, e.g. ``0.5*QUAL``.

    Examples
    --------
    >>> st = parse_syntax("SAT =~ 1*SAT1 + a*SAT2 + start(0.8)*SAT3")[0]
    >>> [(t.name, t.fixed, t.label, t.start) for t in st.terms]
    [('SAT1', 1.0, None, None), ('SAT2', None, 'a', None), ('SAT3', None, None, 0.8)]
    """

    name: str
    fixed: float | None = None     # a number before ``*``: the parameter is fixed at it
    label: str | None = None       # an identifier before ``*``
    start: float | None = None     # ``start(x)*``
    free: bool = False             # ``NA*``: free a parameter that would be fixed by default
    col: int = 0                   # 1-based column of the variable name
    line: int = 0                  # 1-based line of the variable name
    groups: tuple | None = None    # ``c(...)*``: one (fixed, label, free) per group

    def for_group(self, group: int, n_groups: int, where: str = "",
                  source: str | None = None) -> "Term":
        """The term with the modifier of one group (0-based) of ``n_groups``.

        A ``c(...)`` modifier must have one entry per group (lavaan: "wrong number of
        arguments in modifier"); a plain modifier holds in every group.

        Examples
        --------
        >>> t = parse_syntax("f =~ x1 + c(a, b)*x2")[0].terms[1]
        >>> t.for_group(1, 2).label
        'b'
        """
        if self.groups is None:
            return self
        if len(self.groups) != n_groups:
            what = "one group" if n_groups == 1 else f"{n_groups} groups"
            hint = ("c() modifiers give one value per group of a multi-group fit "
                    "(fit_multigroup(..., by=COLUMN)); with one group write a single modifier, "
                    "e.g. 'a*x'." if n_groups == 1 else
                    f"Give {n_groups} values, one per group in the order of the groups.")
            raise ModelSyntaxError(
                f"The modifier {format_modifier(self)} of '{self.name}' has {len(self.groups)} "
                f"values but the fit has {what}. {hint}", source=source, line=self.line,
                col=self.col, text=where or None)
        fixed, label, free = self.groups[group]
        return replace(self, fixed=fixed, label=label, free=free, groups=None)


@dataclass(frozen=True)
class Statement:
    """One parsed statement with its position in the source.

    Examples
    --------
    >>> st = parse_syntax("# the satisfaction block\\nSAT =~ SAT1 + SAT2")[0]
    >>> st.lhs, st.op, st.rhs_names, st.line
    ('SAT', '=~', ('SAT1', 'SAT2'), 2)
    >>> format_statement(st)
    'SAT =~ SAT1 + SAT2'
    """

    lhs: str
    op: str
    terms: tuple[Term, ...]
    line: int
    text: str
    source: str | None = None
    expression: str | None = None  # the right-hand side of ``:=``
    lhs_col: int = 1
    op_col: int = 1

    @property
    def rhs_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.terms)


def _strip_comment(line: str) -> str:
    for marker in ("#", "!"):
        i = line.find(marker)
        if i >= 0:
            line = line[:i]
    return line


def _logical_lines(text: str):
    """Yield (joined_text, mapping) where mapping turns a position into (line, col, raw line)."""
    raw_lines = text.splitlines()
    pending: list[tuple[str, int]] = []  # pieces of (code, line number)

    def flush():
        if not pending:
            return None
        joined, mapping = "", []
        for code, num in pending:
            if joined:
                joined += " "
            mapping.append((len(joined), num))
            joined += code
        pending.clear()
        return joined, mapping

    for num, raw in enumerate(raw_lines, start=1):
        code = _strip_comment(raw)
        for piece_start, piece in _split_semicolons(code):
            stripped = piece.rstrip()
            if not stripped.strip():
                continue
            starts_with_plus = stripped.lstrip().startswith("+")
            if pending and not starts_with_plus and not pending[-1][0].rstrip().endswith("+"):
                out = flush()
                if out:
                    yield out
            # keep the original columns: pad with the offset of the piece
            pending.append((" " * piece_start + stripped, num))
    out = flush()
    if out:
        yield out


def _split_semicolons(code: str):
    start = 0
    for i, ch in enumerate(code):
        if ch == ";":
            yield start, code[start:i]
            start = i + 1
    yield start, code[start:]


class _Locator:
    def __init__(self, mapping, raw_lines, source):
        self.mapping, self.raw_lines, self.source = mapping, raw_lines, source

    def where(self, pos: int) -> tuple[int, int, str]:
        base, line = self.mapping[0]
        for b, ln in self.mapping:
            if b <= pos:
                base, line = b, ln
        col = pos - base + 1
        return line, col, self.raw_lines[line - 1]

    def error(self, pos: int, message: str, hint: str | None = None) -> ModelSyntaxError:
        line, col, raw = self.where(pos)
        return ModelSyntaxError(message, source=self.source, line=line, col=col, text=raw, hint=hint)


def parse_syntax(text: str, *, source: str | None = None) -> tuple[Statement, ...]:
    """Parse model syntax into statements.

    Parameters
    ----------
    text : str
        The model in lavaan/semopy syntax.
    source : str, optional
        The file the text came from; used in error messages.

    Returns
    -------
    tuple of Statement

    Examples
    --------
    >>> st = parse_syntax("SAT =~ CUSA1 + CUSA2\\nLOY ~ b*SAT")
    >>> [(s.lhs, s.op, s.rhs_names) for s in st]
    [('SAT', '=~', ('CUSA1', 'CUSA2')), ('LOY', '~', ('SAT',))]
    >>> st[1].terms[0].label
    'b'
    """
    if not isinstance(text, str):
        raise TypeError(f"The model syntax must be a str. Got {type(text).__name__} instead.")
    raw_lines = text.splitlines()
    statements: list[Statement] = []
    for joined, mapping in _logical_lines(text):
        loc = _Locator(mapping, raw_lines, source)
        statements.extend(_parse_statement(joined, loc, source))
    if not statements:
        raise ModelSyntaxError("The model has no statements.", source=source,
                               hint="Write at least one 'latent =~ item1 + item2' line.")
    return tuple(statements)


def _find_operator(code: str, loc: _Locator) -> tuple[str, int]:
    for m in _OPERATOR_LIKE.finditer(code):
        token = m.group(0)
        # a '*' or '-' alone belongs to terms (modifiers, negative numbers)
        if set(token) <= {"*", "-"}:
            continue
        for op in (":=", "==", "<", ">"):
            if token.startswith(op) and len(token) > len(op) and set(token[len(op):]) <= {"-"}:
                return op, m.start()      # 'x :=-a', 'b >-1': the minus belongs to the rhs
        for op in OPERATORS:
            if token == op:
                return op, m.start()
        if token in _KNOWN_BUT_UNSUPPORTED:
            raise loc.error(m.start(), f"The operator '{token}' ({_KNOWN_BUT_UNSUPPORTED[token]}) "
                            "is not supported.", hint=_UNSUPPORTED_HINTS.get(
                                token, "Supported operators: =~ <~ ~ ~~ := == < >."))
        raise loc.error(m.start(), f"Unknown operator '{token}'.",
                        hint="Use one of =~ (measured by), <~ (formed by), ~ (regressed on), "
                             "~~ (covariance), := (defined parameter), == < > (constraints).")
    raise loc.error(len(code) - len(code.lstrip()), "No operator found in this statement.",
                    hint="Expected 'lhs =~ rhs', 'lhs ~ rhs', 'lhs ~~ rhs' or 'name := expression'.")


def _parse_statement(code: str, loc: _Locator, source: str | None) -> list[Statement]:
    op, op_pos = _find_operator(code, loc)
    lhs_part = code[:op_pos]
    rhs_part = code[op_pos + len(op):]
    rhs_offset = op_pos + len(op)
    line, _, raw = loc.where(op_pos)
    if op in CONSTRAINT_OPERATORS:
        lhs_expr, rhs_expr = lhs_part.strip(), rhs_part.strip()
        if not lhs_expr or not rhs_expr:
            pos = op_pos if not lhs_expr else rhs_offset + len(rhs_part)
            raise loc.error(pos, f"The constraint needs an expression on both sides of '{op}'.",
                            hint="Write e.g. 'b1 == b2', 'a1 == 2*a2' or 'b3 < 1' with "
                                 "parameter labels.")
        return [Statement(lhs_expr, op, (), line, raw.strip(), source, expression=rhs_expr,
                          lhs_col=loc.where(len(lhs_part) - len(lhs_part.lstrip()))[1],
                          op_col=loc.where(op_pos)[1])]
    lhs_names = _parse_lhs(lhs_part, op, loc)
    if op == ":=":
        expr = rhs_part.strip()
        if not expr:
            raise loc.error(rhs_offset, "The defined parameter has no expression after ':='.")
        name, pos = lhs_names[0]
        return [Statement(name, op, (), line, raw.strip(), source, expression=expr,
                          lhs_col=loc.where(pos)[1], op_col=loc.where(op_pos)[1])]
    terms = _parse_terms(rhs_part, rhs_offset, op, loc)
    if op == "~":     # 'y ~ 1 + x': the intercept is a statement of its own, op '~1' (lavaan)
        means = tuple(t for t in terms if t.name == "1")
        terms = tuple(t for t in terms if t.name != "1")
    else:
        means = ()
    out = []
    for name, pos in lhs_names:
        where = dict(lhs_col=loc.where(pos)[1], op_col=loc.where(op_pos)[1])
        if terms:
            out.append(Statement(name, op, terms, line, raw.strip(), source, **where))
        if means:
            if len(means) > 1:
                raise loc.error(op_pos, f"The intercept of '{name}' ('~ 1') is written twice.",
                                hint="Keep one '1' term.")
            out.append(Statement(name, "~1", means, line, raw.strip(), source, **where))
    return out


def _parse_lhs(part: str, op: str, loc: _Locator) -> list[tuple[str, int]]:
    names = []
    pos = 0
    pieces = part.split("+")
    if len(pieces) > 1 and op not in ("~", "~~"):
        raise loc.error(part.find("+"), f"Only one variable may stand left of '{op}'.")
    for piece in pieces:
        stripped = piece.strip()
        start = pos + (len(piece) - len(piece.lstrip()))
        if not stripped:
            raise loc.error(start, f"Missing variable name before '{op}'.")
        if not _NAME.fullmatch(stripped):
            raise loc.error(start, f"'{stripped}' is not a valid variable name.",
                            hint="Names start with a letter and contain letters, digits, '_' or '.'.")
        names.append((stripped, start))
        pos += len(piece) + 1
    return names


def _parse_terms(part: str, offset: int, op: str, loc: _Locator) -> tuple[Term, ...]:
    if not part.strip():
        what = "indicators" if op == "=~" else "variables"
        raise loc.error(offset + len(part), f"Missing {what} after '{op}'.",
                        hint="A latent needs at least one indicator: 'SAT =~ CUSA1 + CUSA2'."
                        if op == "=~" else None)
    terms: list[Term] = []
    pos = offset
    for piece in part.split("+"):
        lead = len(piece) - len(piece.lstrip())
        start = pos + lead
        body = piece.strip()
        if not body:
            raise loc.error(start, "Empty term: two '+' in a row or a trailing '+'.")
        term = _parse_term(body, start, loc, intercept_ok=op == "~")
        same = next((k for k, t in enumerate(terms) if t.name == term.name), None)
        if same is None:
            terms.append(term)
        else:       # lavaan merges the modifiers of a repeated term ('NA*x1 + l1*x1')
            terms[same] = _merge(terms[same], term, start, loc)
        pos += len(piece) + 1
    return tuple(terms)


def _merge(first: Term, second: Term, pos: int, loc: _Locator) -> Term:
    if not _has_modifier(first) and not _has_modifier(second):
        raise loc.error(pos, f"The term '{second.name}' is written twice.",
                        hint="Remove one of the two.")
    return _combine(first, second, pos, loc, first.name)


def _has_modifier(t: Term) -> bool:
    return (t.fixed is not None or t.label is not None or t.start is not None or t.free
            or t.groups is not None)


def _combine(a: Term, b: Term, pos: int, loc: _Locator, name: str) -> Term:
    """One term with the modifiers of both (lavaan), or an error if two of a kind differ."""
    if a.groups is not None or b.groups is not None:
        if not _has_modifier(a) or not _has_modifier(b):
            return a if _has_modifier(a) else b
        raise loc.error(pos, f"'{name}' has a per-group modifier c(...) and another modifier.",
                        hint="Write every group's value inside one c(...), e.g. "
                             "'c(a1, a2)*x' or 'c(NA, 1)*x'.")
    values = {}
    for kind in ("fixed", "label", "start"):
        x, y = getattr(a, kind), getattr(b, kind)
        if x is not None and y is not None and x != y:
            what = {"fixed": "fixed values", "label": "labels", "start": "start values"}[kind]
            raise loc.error(pos, f"'{name}' has two different {what} ({x} and {y}).",
                            hint="Keep one of them.")
        values[kind] = x if x is not None else y
    free = a.free or b.free
    if free and values["fixed"] is not None:
        raise loc.error(pos, f"'{name}' is both free (NA) and fixed at {values['fixed']:g}.",
                        hint="Keep NA* to estimate it, or the number to fix it.")
    return Term(a.name, fixed=values["fixed"], label=values["label"], start=values["start"],
                free=free, col=a.col, line=a.line)


def _parse_term(body: str, start: int, loc: _Locator, intercept_ok: bool = False) -> Term:
    name_part, name_pos = body, start
    term = None
    if "*" in body:
        modifiers, _, name_part = body.rpartition("*")
        name_pos = start + len(modifiers) + 1 + (len(name_part) - len(name_part.lstrip()))
        name_part = name_part.strip()
        for modifier in modifiers.split("*"):      # chained modifiers: 'NA*l1*x1'
            one = _parse_modifier(modifier.strip(), start, loc)
            term = one if term is None else _combine(term, one, start, loc, name_part)
    if name_part == "1" and not intercept_ok:
        raise loc.error(name_pos, "'1' (an intercept or mean) can only stand right of '~'.",
                        hint="Write the intercept of x as 'x ~ 1' (free), 'x ~ 0*1' (fixed) "
                             "or 'x ~ a*1' (labelled).")
    if name_part != "1" and not _NAME.fullmatch(name_part):
        raise loc.error(name_pos, f"'{name_part}' is not a valid variable name.",
                        hint="Names start with a letter and contain letters, digits, '_' or '.'; "
                             "terms are separated by '+'.")
    line, col, _ = loc.where(name_pos)
    if term is None:
        return Term(name_part, col=col, line=line)
    return Term(name_part, fixed=term.fixed, label=term.label, start=term.start,
                free=term.free, col=col, line=line, groups=term.groups)


def _parse_modifier(modifier: str, start: int, loc: _Locator) -> Term:
    """One modifier as a Term with no name."""
    m_start = _START.fullmatch(modifier)
    m_equal = _EQUAL.fullmatch(modifier)
    m_vector = _VECTOR.fullmatch(modifier)
    if m_vector:
        return Term("", groups=_parse_vector(m_vector.group(1), modifier, start, loc))
    if modifier == "NA":
        return Term("", free=True)
    if m_start:
        return Term("", start=float(m_start.group(1)))
    if m_equal:
        target = m_equal.group(1).strip()
        if not _NAME.fullmatch(target):
            raise loc.error(start, f"equal(\"{target}\") must name a parameter label.",
                            hint="Label the parameter first (e.g. 'f =~ x1 + a*x2') and write "
                                 "equal(\"a\")* or simply a* on the other term.")
        return Term("", label=target)
    if _NUMBER.fullmatch(modifier):
        fixed = float(modifier)
        if not math.isfinite(fixed):
            raise loc.error(start, f"The fixed value '{modifier}' is not a finite number.")
        return Term("", fixed=fixed)
    if _NAME.fullmatch(modifier):
        return Term("", label=modifier)
    raise loc.error(start, f"'{modifier}' is not a number, a label, NA, start(value) or "
                    "equal(\"label\").",
                    hint="Write e.g. '1*x' (fixed), 'b1*x' (label) or 'start(0.5)*x'.")


def _parse_vector(inner: str, modifier: str, start: int, loc: _Locator) -> tuple:
    """``c(...)``: per group (fixed, label, free); numbers and NA, or labels, not both."""
    items = [x.strip() for x in inner.split(",")]
    if not items or any(not x for x in items):
        raise loc.error(start, f"The modifier '{modifier}' has an empty entry.",
                        hint="Write one value per group, e.g. 'c(a1, a2)*x' or 'c(1, NA)*x'.")
    numeric = [x == "NA" or bool(_NUMBER.fullmatch(x)) for x in items]
    if all(numeric):
        out = []
        for x in items:
            if x == "NA":
                out.append((None, None, True))
                continue
            value = float(x)
            if not math.isfinite(value):
                raise loc.error(start, f"The fixed value '{x}' in '{modifier}' is not a finite "
                                "number.")
            out.append((value, None, False))
        return tuple(out)
    bad = [x for x in items if not _NAME.fullmatch(x) or x == "NA"]
    if bad:
        raise loc.error(start, f"'{modifier}' mixes labels with numbers or NA ('{bad[0]}').",
                        hint="Labels and fixed values go in separate vectors: 'c(a1, a2)*x' "
                             "labels the parameter per group, 'c(1, NA)*x' fixes or frees it.")
    return tuple((None, x, False) for x in items)


def format_modifier(t: Term) -> str:
    """A ``c(...)`` modifier as written (empty string for other terms)."""
    if t.groups is None:
        return ""
    return "c(" + ", ".join("NA" if free else (f"{fixed:g}" if fixed is not None else label)
                            for fixed, label, free in t.groups) + ")"


def _format_term(t: Term) -> str:
    if t.groups is not None:
        return f"{format_modifier(t)}*{t.name}"
    mods = []
    if t.free:
        mods.append("NA")
    if t.fixed is not None:
        mods.append(f"{t.fixed:g}")
    if t.label is not None:
        mods.append(t.label)
    if t.start is not None:
        mods.append(f"start({t.start:g})")
    return "*".join(mods + [t.name])


def format_statement(st: Statement) -> str:
    """Print a statement back in lavaan syntax.

    Examples
    --------
    >>> format_statement(parse_syntax("LOY ~ b*SAT + IMAG")[0])
    'LOY ~ b*SAT + IMAG'
    """
    if st.op == ":=" or st.op in CONSTRAINT_OPERATORS:
        return f"{st.lhs} {st.op} {st.expression}"
    op = "~" if st.op == "~1" else st.op
    return f"{st.lhs} {op} " + " + ".join(_format_term(t) for t in st.terms)
