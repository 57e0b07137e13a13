"""Parse and print model syntax (the lavaan/semopy dialect).

Supported statements, one per line (or separated by ``;``)::

    IMAG =~ IMAG1 + IMAG2 + IMAG3      # measurement: latent =~ indicators
    SAT  ~ IMAG + b1*QUAL + 0.3*VAL    # regression, with a label and a fixed value
    CUSA1 ~~ CUSA2                     # (residual) covariance or variance
    ind  := b1*b2                      # defined parameter (see model.expression)

A term may carry one modifier: a number (fixed value), ``NA`` (free), a label
(an identifier: equal labels mean equal parameters) or ``start(0.5)``. A line
ending in ``+`` continues on the next line. ``#`` and ``!`` start comments.

Errors raise :class:`~csi_model.exceptions.ModelSyntaxError` with the line, the
column and a caret under the problem.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..exceptions import ModelSyntaxError

__all__ = ["Term", "Statement", "parse_syntax", "format_statement", "OPERATORS"]

#: Operators in the order the tokenizer must try them (longest first).
OPERATORS = ("=~", "~~", ":=", "~")
_KNOWN_BUT_UNSUPPORTED = {"==": "equality constraints", "<": "inequality constraints",
                          ">": "inequality constraints", "|": "thresholds (ordinal data)",
                          "~*~": "scaling factors", "<~": "formative (composite) blocks"}
_UNSUPPORTED_HINTS = {
    "==": "To make parameters equal, give them the same label (e.g. 'f =~ x1 + a*x2 + a*x3'). "
          "Supported operators: =~ ~ ~~ :=.",
    "<~": "Composites are estimated by PLS path modelling: use csi_model.fit_pls(..., "
          "mode='B') (CLI: csi-model pls), or measure the construct reflectively with '=~'.",
}
_NAME = re.compile(r"[^\W\d][\w.]*", re.UNICODE)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_START = re.compile(r"start\(\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\)")
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
        if token.startswith(":=") and set(token[2:]) <= {"*", "-"}:
            return ":=", m.start()        # 'x :=-a': the minus belongs to the expression
        for op in OPERATORS:
            if token == op:
                return op, m.start()
        if token in _KNOWN_BUT_UNSUPPORTED:
            raise loc.error(m.start(), f"The operator '{token}' ({_KNOWN_BUT_UNSUPPORTED[token]}) "
                            "is not supported.", hint=_UNSUPPORTED_HINTS.get(
                                token, "Supported operators: =~ ~ ~~ :=."))
        raise loc.error(m.start(), f"Unknown operator '{token}'.",
                        hint="Use one of =~ (measured by), ~ (regressed on), ~~ (covariance), "
                             ":= (defined parameter).")
    raise loc.error(len(code) - len(code.lstrip()), "No operator found in this statement.",
                    hint="Expected 'lhs =~ rhs', 'lhs ~ rhs', 'lhs ~~ rhs' or 'name := expression'.")


def _parse_statement(code: str, loc: _Locator, source: str | None) -> list[Statement]:
    op, op_pos = _find_operator(code, loc)
    lhs_part = code[:op_pos]
    rhs_part = code[op_pos + len(op):]
    rhs_offset = op_pos + len(op)
    line, _, raw = loc.where(op_pos)
    lhs_names = _parse_lhs(lhs_part, op, loc)
    if op == ":=":
        expr = rhs_part.strip()
        if not expr:
            raise loc.error(rhs_offset, "The defined parameter has no expression after ':='.")
        name, pos = lhs_names[0]
        return [Statement(name, op, (), line, raw.strip(), source, expression=expr,
                          lhs_col=loc.where(pos)[1], op_col=loc.where(op_pos)[1])]
    terms = _parse_terms(rhs_part, rhs_offset, op, loc)
    return [Statement(name, op, terms, line, raw.strip(), source,
                      lhs_col=loc.where(pos)[1], op_col=loc.where(op_pos)[1])
            for name, pos in lhs_names]


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
    terms = []
    pos = offset
    for piece in part.split("+"):
        lead = len(piece) - len(piece.lstrip())
        start = pos + lead
        body = piece.strip()
        if not body:
            raise loc.error(start, "Empty term: two '+' in a row or a trailing '+'.")
        if op == "~" and body.rpartition("*")[2].strip() == "1":
            raise loc.error(start, "Intercepts and means ('~ 1') are not supported: csi_model "
                            "fits the covariance structure, with the means saturated (with "
                            "missing='fiml' every item has a free intercept, as lavaan's default).",
                            hint="Remove the term; models of means (growth curves, latent mean "
                                 "differences) are not available yet.")
        terms.append(_parse_term(body, start, loc))
        pos += len(piece) + 1
    return tuple(terms)


def _parse_term(body: str, start: int, loc: _Locator) -> Term:
    fixed = label = start_value = None
    free = False
    name_part, name_pos = body, start
    if "*" in body:
        modifier, _, name_part = body.rpartition("*")
        name_pos = start + len(modifier) + 1 + (len(name_part) - len(name_part.lstrip()))
        name_part = name_part.strip()
        modifier = modifier.strip()
        if "*" in modifier:
            raise loc.error(start, f"Only one modifier per term is supported: '{body}'.")
        m_start = _START.fullmatch(modifier)
        if modifier == "NA":
            free = True
        elif m_start:
            start_value = float(m_start.group(1))
        elif _NUMBER.fullmatch(modifier):
            fixed = float(modifier)
            if not math.isfinite(fixed):
                raise loc.error(start, f"The fixed value '{modifier}' is not a finite number.")
        elif _NAME.fullmatch(modifier):
            label = modifier
        else:
            raise loc.error(start, f"'{modifier}' is not a number, a label, NA or start(value).",
                            hint="Write e.g. '1*x' (fixed), 'b1*x' (label) or 'start(0.5)*x'.")
    if not _NAME.fullmatch(name_part):
        raise loc.error(name_pos, f"'{name_part}' is not a valid variable name.",
                        hint="Names start with a letter and contain letters, digits, '_' or '.'; "
                             "terms are separated by '+'.")
    line, col, _ = loc.where(name_pos)
    return Term(name_part, fixed=fixed, label=label, start=start_value, free=free, col=col, line=line)


def _format_term(t: Term) -> str:
    if t.fixed is not None:
        return f"{t.fixed:g}*{t.name}"
    if t.label is not None:
        return f"{t.label}*{t.name}"
    if t.start is not None:
        return f"start({t.start:g})*{t.name}"
    if t.free:
        return f"NA*{t.name}"
    return t.name


def format_statement(st: Statement) -> str:
    """Print a statement back in lavaan syntax.

    Examples
    --------
    >>> format_statement(parse_syntax("LOY ~ b*SAT + IMAG")[0])
    'LOY ~ b*SAT + IMAG'
    """
    if st.op == ":=":
        return f"{st.lhs} := {st.expression}"
    return f"{st.lhs} {st.op} " + " + ".join(_format_term(t) for t in st.terms)
