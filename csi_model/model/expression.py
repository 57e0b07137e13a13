"""Defined parameters (``name := expression``): a safe parser and evaluator.

The right-hand side of ``:=`` is an arithmetic expression of parameter labels and
earlier defined parameters, as in lavaan::

    ind   := a*b
    total := c + ind
    ratio := ind / total
    odds  := exp(a) - log(b)^2

Allowed: numbers, names, ``+ - * /``, ``^`` and ``**`` (powers, right-associative,
binding tighter than unary minus as in R), parentheses, unary minus and the functions
of :data:`FUNCTIONS` (R's names: ``exp, log, sqrt, abs, sin, ..., pnorm, qnorm``). The
expression is read with Python's :mod:`ast` and every node is checked against that
whitelist; nothing is ever passed to ``eval``. Each function carries its derivative, so
:meth:`DefinedParameter.gradient` is exact (forward-mode differentiation), which the
delta method uses.

lavaan turns the text into R code and evaluates it, so in R any function visible to R
would run; the whitelist holds the elementary and normal/logistic-distribution
functions that make sense for a parameter. ``rhs`` is the expression as lavaan prints
it (all white space removed).
"""
from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np
from .. import _distributions as special  # scipy.special's functions, imported on first call
from .. import _distributions as stats  # not scipy.stats (import time)

from ..exceptions import ModelSyntaxError

__all__ = ["DefinedParameter", "FUNCTIONS", "parse_defined"]


def _log(x, base=None):
    return np.log(x) if base is None else np.log(x) / np.log(base)


def _dlog(x, base=None):
    return 1.0 / x if base is None else 1.0 / (x * np.log(base))


#: name -> (function, derivative, number of arguments). Arguments after the first
#: (``log(x, base)``) must not depend on parameters.
FUNCTIONS: dict[str, tuple[Callable, Callable, tuple[int, ...]]] = {
    "exp": (np.exp, np.exp, (1,)),
    "log": (_log, _dlog, (1, 2)),
    "log10": (np.log10, lambda x: 1.0 / (x * np.log(10.0)), (1,)),
    "log2": (np.log2, lambda x: 1.0 / (x * np.log(2.0)), (1,)),
    "log1p": (np.log1p, lambda x: 1.0 / (1.0 + x), (1,)),
    "expm1": (np.expm1, np.exp, (1,)),
    "sqrt": (np.sqrt, lambda x: 0.5 / np.sqrt(x), (1,)),
    "abs": (np.abs, np.sign, (1,)),
    "sin": (np.sin, np.cos, (1,)),
    "cos": (np.cos, lambda x: -np.sin(x), (1,)),
    "tan": (np.tan, lambda x: 1.0 / np.cos(x) ** 2, (1,)),
    "asin": (np.arcsin, lambda x: 1.0 / np.sqrt(1.0 - x ** 2), (1,)),
    "acos": (np.arccos, lambda x: -1.0 / np.sqrt(1.0 - x ** 2), (1,)),
    "atan": (np.arctan, lambda x: 1.0 / (1.0 + x ** 2), (1,)),
    "sinh": (np.sinh, np.cosh, (1,)),
    "cosh": (np.cosh, np.sinh, (1,)),
    "tanh": (np.tanh, lambda x: 1.0 - np.tanh(x) ** 2, (1,)),
    "pnorm": (special.ndtr, stats.norm.pdf, (1,)),
    "qnorm": (special.ndtri, lambda x: 1.0 / stats.norm.pdf(special.ndtri(x)), (1,)),
    "dnorm": (stats.norm.pdf, lambda x: -x * stats.norm.pdf(x), (1,)),
    "plogis": (special.expit, lambda x: special.expit(x) * (1.0 - special.expit(x)), (1,)),
    "qlogis": (special.logit, lambda x: 1.0 / (x * (1.0 - x)), (1,)),
}

_TOKEN = re.compile(r"(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(?P<name>[^\W\d][\w.]*)"
                    r"|(?P<space>\s+)|(?P<other>.)", re.UNICODE)
_ALLOWED_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
_OPERATOR_NAMES = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.BitAnd: "&",
                   ast.BitOr: "|", ast.LShift: "<<", ast.RShift: ">>"}


@dataclass(frozen=True, eq=False)
class DefinedParameter:
    """One ``name := expression`` statement, checked and ready to evaluate.

    Attributes
    ----------
    name : str
        The defined parameter's name (lavaan's ``lhs``).
    expression : str
        The expression as written.
    rhs : str
        The expression as lavaan prints it (white space removed).
    uses : tuple of str
        The names it uses (parameter labels and earlier defined parameters), in order.
    line : int
        The model line.

    Examples
    --------
    >>> from csi_model import ModelSpec
    >>> spec = ModelSpec.from_syntax("SAT =~ S1 + S2\\nLOY =~ L1 + L2\\nVAL =~ V1 + V2\\n"
    ...                              "SAT ~ a*VAL\\nLOY ~ b*SAT\\nind := a * b")
    >>> d = spec.defined_parameters[0]
    >>> d.name, d.expression, d.rhs, d.uses
    ('ind', 'a * b', 'a*b', ('a', 'b'))
    """

    name: str
    expression: str
    rhs: str
    uses: tuple[str, ...]
    line: int
    tree: ast.Expression = field(repr=False)
    names: Mapping[str, str] = field(repr=False)   # placeholder -> original name

    def evaluate(self, values: Mapping[str, object]):
        """The value for ``values`` (name -> number or numpy array, elementwise).

        Examples
        --------
        >>> p = parse_defined("r := a^2/b", line=1, labels={"a", "b"})
        >>> float(p.evaluate({"a": 3.0, "b": 2.0}))
        4.5
        """
        with np.errstate(all="ignore"):
            return self._value(self.tree.body, values)

    def gradient(self, values: Mapping[str, tuple[float, np.ndarray]]):
        """``(value, gradient)`` given ``name -> (value, gradient vector)`` (forward mode).

        Examples
        --------
        >>> p = parse_defined("ind := a*b", line=1, labels={"a", "b"})
        >>> v, g = p.gradient({"a": (2.0, np.array([1.0, 0.0])), "b": (3.0, np.array([0.0, 1.0]))})
        >>> float(v), g.tolist()
        (6.0, [3.0, 2.0])
        """
        with np.errstate(all="ignore"):
            return self._dual(self.tree.body, values)

    # ------------------------------------------------------------ evaluation
    def _value(self, node, env):
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return env[self.names[node.id]]
        if isinstance(node, ast.UnaryOp):
            v = self._value(node.operand, env)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            a, b = self._value(node.left, env), self._value(node.right, env)
            op = node.op
            if isinstance(op, ast.Add):
                return a + b
            if isinstance(op, ast.Sub):
                return a - b
            if isinstance(op, ast.Mult):
                return a * b
            if isinstance(op, ast.Div):
                return np.divide(a, b)
            return np.power(np.asarray(a, float), b)
        func, _, _ = FUNCTIONS[self.names[node.func.id]]
        return func(*(self._value(a, env) for a in node.args))

    def _dual(self, node, env):
        if isinstance(node, ast.Constant):
            return float(node.value), 0.0
        if isinstance(node, ast.Name):
            v, g = env[self.names[node.id]]
            return v, np.asarray(g, float)
        if isinstance(node, ast.UnaryOp):
            v, g = self._dual(node.operand, env)
            return (-v, -g) if isinstance(node.op, ast.USub) else (v, g)
        if isinstance(node, ast.BinOp):
            (a, ga), (b, gb) = self._dual(node.left, env), self._dual(node.right, env)
            op = node.op
            if isinstance(op, ast.Add):
                return a + b, ga + gb
            if isinstance(op, ast.Sub):
                return a - b, ga - gb
            if isinstance(op, ast.Mult):
                return a * b, ga * b + a * gb
            if isinstance(op, ast.Div):
                return np.divide(a, b), np.divide(ga * b - a * gb, np.multiply(b, b))
            value = np.power(float(a), b)
            grad = b * np.power(float(a), b - 1) * ga
            if np.any(gb != 0):            # a parameter in the exponent: d a^b = a^b log(a) db
                grad = grad + value * np.log(a) * gb
            return value, grad
        func, deriv, _ = FUNCTIONS[self.names[node.func.id]]
        args = [self._dual(a, env) for a in node.args]
        (x, gx), rest = args[0], [v for v, _ in args[1:]]
        return func(x, *rest), deriv(x, *rest) * gx


# ---------------------------------------------------------------------- parsing
def _error(message: str, line: int, text: str | None, source: str | None, col: int | None,
           hint: str | None = None) -> ModelSyntaxError:
    return ModelSyntaxError(message, source=source, line=line, col=col, text=text, hint=hint)


def parse_defined(statement: str, *, line: int, labels, defined=(), later=None,
                  text: str | None = None, source: str | None = None,
                  col: int | None = None) -> DefinedParameter:
    """Check one ``name := expression`` and return it as a :class:`DefinedParameter`.

    Parameters
    ----------
    statement : str
        ``"name := expression"`` (or just the expression, with ``name`` after ``:=``).
    line : int
        Its model line (for the error messages).
    labels : collection of str
        The parameter labels of the model.
    defined : sequence of str, or mapping name -> line
        The defined parameters written before this one (usable here).
    later : mapping name -> line, optional
        The defined parameters written after this one (named in the error if used here).
    text, source, col
        The model line's text, the model file and the column where the expression
        starts, for the error messages.

    Raises
    ------
    ModelSyntaxError
        Unknown label or function, a name defined twice, or anything but arithmetic.

    Examples
    --------
    >>> p = parse_defined("tot := c + a * b", line=5, labels={"a", "b", "c"})
    >>> p.name, p.rhs, p.uses
    ('tot', 'c+a*b', ('c', 'a', 'b'))
    """
    name, sep, expression = statement.partition(":=")
    name, expression = name.strip(), expression.strip()
    if not sep:
        raise _error("Expected 'name := expression'.", line, text, source, col)
    text = statement.strip() if text is None else text
    offset = (col or 1) - 1
    if not expression:
        raise _error(f"The defined parameter '{name}' has no expression after ':='.",
                     line, text, source, col)
    if name in labels:
        raise _error(f"The defined parameter '{name}' has the name of a parameter label of the "
                     "model: a name can be defined only once.", line, text, source, None,
                     "Rename the defined parameter or the label.")
    if name in defined:
        first = f" (first on line {defined[name]})" if isinstance(defined, Mapping) else ""
        raise _error(f"The defined parameter '{name}' is defined twice{first}.", line, text,
                     source, None, "Remove one of the two definitions or rename one.")
    code, names, positions = _rewrite(expression, line, text, source, offset)
    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError as exc:
        raise _error(f"Cannot read the expression '{expression}' of '{name}'.", line, text,
                     source, None, "Write an arithmetic expression of parameter labels, e.g. "
                     "'ind := a*b' or 'ratio := a/(a + b)'.") from exc
    uses: list[str] = []
    _check(tree.body, _Context(names, positions, set(labels), tuple(defined), dict(later or {}),
                               name, line, text, source, uses))
    rhs = re.sub(r"\s+", "", expression)
    return DefinedParameter(name=name, expression=expression, rhs=rhs, uses=tuple(uses),
                            line=line, tree=tree, names=names)


def _rewrite(expression, line, text, source, offset):
    """Python code for the expression: names -> placeholders, ``^`` -> ``**``."""
    out, names, positions = [], {}, {}
    start = (text or "").find(expression)
    for m in _TOKEN.finditer(expression):
        kind, tok = m.lastgroup, m.group(0)
        if kind == "name":
            key = f"_v{len(names)}_"
            names[key] = tok
            positions[key] = (start if start >= 0 else offset) + m.start() + 1
            out.append(key)
        elif kind == "other" and tok == "^":
            out.append("**")
        elif kind == "other" and tok not in "+-*/().,":
            col = (start if start >= 0 else offset) + m.start() + 1
            raise _error(f"'{tok}' is not allowed in a defined parameter.", line, text, source,
                         col, "Use numbers, labels, + - * / ^, parentheses and functions such "
                         "as exp(), log(), sqrt().")
        else:
            out.append(tok)
    return "".join(out), names, positions


@dataclass
class _Context:
    names: dict
    positions: dict
    labels: set
    defined: tuple
    later: dict
    name: str
    line: int
    text: str | None
    source: str | None
    uses: list


def _check(node, ctx: _Context):
    names, labels, defined, later, name, uses = (ctx.names, ctx.labels, ctx.defined, ctx.later,
                                                 ctx.name, ctx.uses)

    def fail(message, key=None, hint=None):
        raise _error(message, ctx.line, ctx.text, ctx.source, ctx.positions.get(key), hint)

    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            fail(f"'{node.value!r}' is not a number.")
        return
    if isinstance(node, ast.Name):
        real = names[node.id]
        if real in labels or real in defined:
            if real not in uses:
                uses.append(real)
            return
        if real == name:
            fail(f"The defined parameter '{name}' refers to itself.", node.id)
        if real in later:
            fail(f"'{real}' is defined later (line {later[real]}): a defined parameter can use "
                 "only those written before it.", node.id, f"Move the line of '{real}' up.")
        if real in FUNCTIONS:
            fail(f"'{real}' is a function: write it with its argument, e.g. '{real}(a)'.", node.id)
        pool = sorted(labels | set(defined))
        close = difflib.get_close_matches(real, pool, n=1)
        hint = f"Did you mean '{close[0]}'?" if close else \
            "Label a parameter first, e.g. 'SAT ~ a*QUAL', or define it on an earlier line."
        fail(f"'{real}' in '{name} := ...' is not a parameter label or an earlier defined "
             "parameter.", node.id, hint)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        _check(node.operand, ctx)
        return
    if isinstance(node, ast.BinOp):
        if not isinstance(node.op, _ALLOWED_BINOPS):
            fail(f"The operator '{_OPERATOR_NAMES.get(type(node.op), type(node.op).__name__)}' "
                 "is not allowed in a defined parameter.", None,
                 "Use + - * / and ^ (or **).")
        _check(node.left, ctx)
        _check(node.right, ctx)
        return
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        fname = names[node.func.id]
        if fname not in FUNCTIONS:
            close = difflib.get_close_matches(fname, sorted(FUNCTIONS), n=1)
            hint = (f"Did you mean '{close[0]}'? " if close else "") + \
                f"Available functions: {', '.join(sorted(FUNCTIONS))}."
            fail(f"Unknown function '{fname}' in '{name} := ...'.", node.func.id, hint)
        if node.keywords:
            fail(f"'{fname}()' takes positional arguments only.", node.func.id)
        nargs = FUNCTIONS[fname][2]
        if len(node.args) not in nargs:
            want = " or ".join(str(k) for k in nargs)
            fail(f"'{fname}()' takes {want} argument(s); {len(node.args)} given.", node.func.id)
        for k, arg in enumerate(node.args):
            before = len(uses)
            _check(arg, ctx)
            if k > 0 and (len(uses) > before or _has_name(arg)):
                fail(f"The second argument of '{fname}()' must be a number.", node.func.id)
        return
    fail("Only numbers, parameter labels, + - * / ^, parentheses and functions such as "
         "exp(), log() and sqrt() may appear in a defined parameter.")


def _has_name(node) -> bool:
    return any(isinstance(n, ast.Name) for n in ast.walk(node))
