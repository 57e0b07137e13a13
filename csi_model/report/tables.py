"""Paper tables: tidy DataFrames rendered to LaTeX, Markdown, HTML, CSV and Word.

This is the only module of csi_model that rounds numbers. A :class:`Table` keeps its
numbers unrounded (:attr:`Table.data`) together with how each column is printed
(:class:`Column`); the rendering follows journal conventions (:class:`TableStyle`):
3 decimals, significance stars with a legend, no leading zero for quantities that cannot
exceed 1 (APA 7th ed., 6.36; configurable), a real minus sign, and headers and construct
names in English or Chinese.

The builders below (one per table a CSI paper has) take the result objects of the
library and return a :class:`Table`:

=====================  =================================================================
``item_descriptives``   N, mean, SD, skewness, kurtosis of each item, with its wording
``sampling_adequacy``   KMO, Bartlett's test, parallel analysis
``efa_loadings``        EFA pattern loadings and communalities
``measurement_model``   standardized loadings, alpha, CR (rho_c), AVE
``fornell_larcker``     sqrt(AVE) and latent correlations
``htmt``                heterotrait-monotrait ratios
``fit_measures``        chi-square, CFI, TLI, RMSEA [90% CI], SRMR of one or more models
``hypotheses``          structural paths as hypotheses H1..Hk
``effects``             standardized direct, indirect and total effects
``index_scores``        0-100 CSI per construct, overall and per group
``ipma``                importance, performance and impact of the drivers
``invariance``          the invariance ladder (configural .. strict)
``group_paths``         paths of two groups and the Wald test of their difference
=====================  =================================================================

>>> import pandas as pd
>>> t = Table("demo", pd.DataFrame({"path": ["A → B"], "beta": [0.4567], "p": [0.0004]}),
...           (Column("path", "path", "text"), Column("beta", "beta", stars="p"),
...            Column("p", "p", "p")), title="Demo")
>>> t.formatted().iloc[0].tolist()
['A → B', '0.457***', '< .001']
"""
from __future__ import annotations

import functools
import html as _html
import io
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

from .. import _format as _fmt
from .labels import Labels

__all__ = [
    "TableStyle", "Column", "Table", "FORMATS", "format_number", "format_p", "stars",
    "item_descriptives", "sampling_adequacy", "efa_loadings", "measurement_model",
    "fornell_larcker", "htmt", "fit_measures", "hypotheses", "effects", "index_scores",
    "ipma", "invariance", "group_paths", "write_docx",
]

FORMATS = ("tex", "md", "html", "csv", "docx")
MINUS = "\u2212"


# ============================================================================ number style
@dataclass(frozen=True)
class TableStyle:
    """How numbers are printed.

    Parameters
    ----------
    digits : int
        Decimals of ordinary numbers (3). Columns may ask for fewer (an index has 1).
    leading_zero : {"bounded", True, False}
        ``"bounded"`` (APA): no leading zero for quantities that cannot exceed 1 in absolute
        value (p, correlations, alpha, CR, AVE, R², CFI); ``True``: always ``0.123``;
        ``False``: never (``.123``, ``-.123``).
    stars : tuple of float
        Significance levels of ``*``, ``**``, ``***`` (0.05, 0.01, 0.001); ``()`` for none.
    lang : {"en", "zh"}
        Language of headers, construct names and notes.
    minus : str
        The minus sign of Markdown, HTML and Word output (U+2212); CSV keeps ``-`` and LaTeX
        uses ``$-$``.
    paper : {"a4", "letter"}
        Paper of the Word output (A4 by default; US Letter).

    Examples
    --------
    >>> format_number(0.5, style=TableStyle()), format_number(0.5, style=TableStyle(leading_zero=False))
    ('0.500', '.500')
    >>> TableStyle(stars=(0.1, 0.05)).legend()
    '* p < .1, ** p < .05.'
    >>> TableStyle(lang="zh", paper="letter").paper
    'letter'
    """

    digits: int = 3
    leading_zero: Any = "bounded"
    stars: tuple = (0.05, 0.01, 0.001)
    lang: str = "en"
    minus: str = MINUS
    paper: str = "a4"

    def __post_init__(self):
        if self.leading_zero not in ("bounded", True, False):
            raise ValueError("The 'leading_zero' parameter of TableStyle must be one of "
                             f"{{'bounded', True, False}}. Got {self.leading_zero!r} instead.")
        if list(self.stars) != sorted(self.stars, reverse=True):
            raise ValueError("The 'stars' parameter of TableStyle must be decreasing, e.g. "
                             f"(0.05, 0.01, 0.001). Got {self.stars!r} instead.")
        Labels(self.lang)  # validates lang
        _paper(self.paper)

    def legend(self) -> str:
        """The note explaining the stars (``""`` without stars).

        Examples
        --------
        >>> TableStyle().legend()
        '* p < .05, ** p < .01, *** p < .001.'
        >>> TableStyle(lang="zh").legend(), TableStyle(stars=()).legend()
        ('* p < .05，** p < .01，*** p < .001。', '')
        """
        if not self.stars:
            return ""
        if tuple(self.stars) == (0.05, 0.01, 0.001):
            return Labels(self.lang).note("stars")
        sep = "，" if self.lang == "zh" else ", "
        parts = [f"{'*' * (i + 1)} p < {_strip_zero(repr(a))}" for i, a in enumerate(self.stars)]
        return sep.join(parts) + ("。" if self.lang == "zh" else ".")


def _paper(paper: str) -> str:
    key = str(paper).lower()
    if key not in PAPERS:
        raise ValueError(f"The 'paper' parameter must be one of {list(PAPERS)}. "
                         f"Got {paper!r} instead.")
    return key


def _strip_zero(s: str) -> str:
    return _fmt.strip_leading_zero(s)


def format_number(x, digits: int = 3, *, bounded: bool = False,
                  style: TableStyle | None = None) -> str:
    """A number as printed in a table: fixed decimals, NaN as ``""``, no ``-0.000``
    (:func:`csi_model._format.format_number` with the style's leading-zero rule).

    Examples
    --------
    >>> format_number(0.12345), format_number(0.12345, bounded=True), format_number(-0.0001)
    ('0.123', '.123', '0.000')
    """
    style = style or TableStyle()
    return _fmt.format_number(x, digits, bounded=bounded, leading_zero=style.leading_zero)


def format_p(p, digits: int = 3, *, style: TableStyle | None = None) -> str:
    """A p-value: ``< .001`` below 10^-digits, else with ``digits`` decimals (no leading zero
    under the APA convention); :func:`csi_model._format.format_p`.

    Examples
    --------
    >>> format_p(0.0004), format_p(0.0312), format_p(float("nan"))
    ('< .001', '.031', '')
    """
    style = style or TableStyle()
    return _fmt.format_p(p, digits, leading_zero=style.leading_zero)


def stars(p, style: TableStyle | None = None) -> str:
    """``*``, ``**`` or ``***`` by the style's significance levels (``""`` for NaN).

    Examples
    --------
    >>> stars(0.03), stars(0.0001), stars(0.2)
    ('*', '***', '')
    """
    style = style or TableStyle()
    if p is None:
        return ""
    try:
        p = float(p)
    except (TypeError, ValueError):
        return ""
    if math.isnan(p):
        return ""
    return "*" * sum(p < a for a in style.stars)


# ============================================================================ table model
@dataclass(frozen=True)
class Column:
    """One printed column of a :class:`Table`.

    Parameters
    ----------
    key : str
        Column of :attr:`Table.data` (for ``kind="ci"``: the lower bound).
    header : str
        Header key translated by :class:`~csi_model.report.labels.Labels` (or literal text).
    kind : {"num", "int", "p", "text", "ci", "longtext", "construct", "category"}
        ``construct`` and ``category`` translate codes (``SAT``, ``holds``) by language.
    digits : int, optional
        Decimals (default: the style's).
    bounded : bool
        The quantity cannot exceed 1 in absolute value (no leading zero under APA).
    stars : str, optional
        Column of p-values whose stars are appended.
    upper : str, optional
        For ``kind="ci"``: the column of the upper bound.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"path": ["QUAL -> SAT", "VAL -> SAT"], "beta": [0.512, -0.031],
    ...                      "p": [0.00002, 0.41]})
    >>> t = Table("paths", data, (Column("path", "Path", "text"), Column("beta", "β", stars="p"),
    ...           Column("p", "p", "p")), title="Structural paths", notes=("Standardized.",))
    >>> [c.header for c in t.columns], t.headers
    (['Path', 'β', 'p'], ['Path', 'β', 'p'])
    >>> Column("ci.lower", "95% CI", "ci", upper="ci.upper").numeric
    True
    """

    key: str
    header: str
    kind: str = "num"
    digits: int | None = None
    bounded: bool = False
    stars: str | None = None
    upper: str | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in ("num", "int", "p", "ci")


@dataclass(frozen=True)
class Table:
    """A paper table: unrounded data, column formats, title and notes.

    ``formatted()`` gives the printed cells (strings); ``to_markdown()``, ``to_latex()``,
    ``to_html()``, ``to_csv()`` and ``to_docx()`` render it; ``save(directory)`` writes
    every format. Rendering is deterministic: the same data give byte-identical files.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"path": ["QUAL -> SAT", "VAL -> SAT"], "beta": [0.512, -0.031],
    ...                      "p": [0.00002, 0.41]})
    >>> t = Table("paths", data, (Column("path", "Path", "text"), Column("beta", "β", stars="p"),
    ...           Column("p", "p", "p")), title="Structural paths", notes=("Standardized.",))
    >>> print(t)
    Structural paths
           Path        β      p
    QUAL -> SAT 0.512*** < .001
     VAL -> SAT   -0.031   .410
    >>> print(t.with_style(leading_zero=True, stars=()))
    Structural paths
           Path      β       p
    QUAL -> SAT  0.512 < 0.001
     VAL -> SAT -0.031   0.410

    Every builder of this module returns one, from a fitted result:

    >>> import csi_model as cm
    >>> res = cm.fit("acsi", cm.simulate_survey("acsi", n=200, seed=1))
    >>> print(fit_measures(res))
    Model fit
               Model     χ²  df χ²/df    p   CFI   TLI RMSEA RMSEA 90% CI SRMR
    Structural model 121.16 144  0.84 .917 1.000 1.015  .000 [.000, .013] .037
    """

    name: str
    data: pd.DataFrame
    columns: tuple
    title: str = ""
    notes: tuple = ()
    style: TableStyle = field(default_factory=TableStyle)
    labels: Labels | None = None
    recipe: Any = field(default=None, compare=False, repr=False)

    # ------------------------------------------------------------------ cells
    @property
    def _labels(self) -> Labels:
        return self.labels if self.labels is not None else Labels(self.style.lang)

    @property
    def headers(self) -> list[str]:
        return [self._labels.header(c.header) for c in self.columns]

    @property
    def has_stars(self) -> bool:
        return bool(self.style.stars) and any(c.stars for c in self.columns)

    @property
    def all_notes(self) -> list[str]:
        out = [n for n in self.notes if n]
        if self.has_stars:
            out.append(self.style.legend())
        return out

    def with_style(self, **changes) -> "Table":
        """The same table with another style. ``lang=`` translates it: a table of the
        builders below is built again in that language (title, headers, notes, names); any
        other table gets its headers translated.

        Examples
        --------
        >>> t = Table("demo", pd.DataFrame({"p": [0.01]}), (Column("p", "p", "p"),))
        >>> t.with_style(lang="zh").headers
        ['p 值']
        """
        style = replace(self.style, **changes)
        if style.lang == self.style.lang:
            return replace(self, style=style)
        if self.recipe is not None:
            build, args, kwargs = self.recipe
            return build(*args, **{**kwargs, "lang": style.lang, "style": style})
        old = self._labels
        return replace(self, style=style, labels=Labels(style.lang, old.codebook,
                                                         old.constructs, old.operator))

    def _cell(self, col: Column, row: pd.Series) -> str:
        st = self.style
        d = st.digits if col.digits is None else col.digits
        v = row[col.key]
        if col.kind in ("text", "longtext"):
            return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
        if col.kind == "construct":
            return "" if not isinstance(v, str) else self._labels.construct(v)
        if col.kind == "category":
            return "" if not isinstance(v, str) else self._labels.header(v)
        if col.kind == "int":
            return "" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{int(round(float(v)))}"
        if col.kind == "p":
            return format_p(v, d, style=st)
        if col.kind == "ci":
            lo, hi = v, row[col.upper]
            if lo is None or hi is None or not (np.isfinite(lo) and np.isfinite(hi)):
                return ""
            return (f"[{format_number(lo, d, bounded=col.bounded, style=st)}, "
                    f"{format_number(hi, d, bounded=col.bounded, style=st)}]")
        s = format_number(v, d, bounded=col.bounded, style=st)
        if col.stars and s and st.stars:
            s += stars(row[col.stars], st)
        return s

    def formatted(self) -> pd.DataFrame:
        """The printed cells (strings, ASCII minus) with translated headers.

        Examples
        --------
        >>> import pandas as pd
        >>> data = pd.DataFrame({"path": ["QUAL -> SAT", "VAL -> SAT"], "beta": [0.512, -0.031],
        ...                      "p": [0.00002, 0.41]})
        >>> t = Table("paths", data, (Column("path", "Path", "text"), Column("beta", "β", stars="p"),
        ...           Column("p", "p", "p")), title="Structural paths", notes=("Standardized.",))
        >>> t.formatted()
                  Path         β       p
        0  QUAL -> SAT  0.512***  < .001
        1   VAL -> SAT    -0.031    .410
        """
        rows = [[self._cell(c, r) for c in self.columns] for _, r in self.data.iterrows()]
        return pd.DataFrame(rows, columns=self.headers, dtype=object)

    def _cells(self, minus: str) -> list[list[str]]:
        out = []
        for r in self.formatted().itertuples(index=False):
            out.append([_minus(str(v), minus) if c.numeric else str(v)
                        for v, c in zip(r, self.columns)])
        return out

    # ------------------------------------------------------------------ renderers
    def to_csv(self) -> str:
        """The printed table as CSV (UTF-8, ``\\n`` line ends, ASCII minus).

        Examples
        --------
        >>> import pandas as pd
        >>> data = pd.DataFrame({"path": ["QUAL -> SAT", "VAL -> SAT"], "beta": [0.512, -0.031],
        ...                      "p": [0.00002, 0.41]})
        >>> t = Table("paths", data, (Column("path", "Path", "text"), Column("beta", "β", stars="p"),
        ...           Column("p", "p", "p")), title="Structural paths", notes=("Standardized.",))
        >>> print(t.to_csv())
        Path,β,p
        QUAL -> SAT,0.512***,< .001
        VAL -> SAT,-0.031,.410
        <BLANKLINE>
        """
        buf = io.StringIO()
        self.formatted().to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue()

    def to_markdown(self) -> str:
        """A pandoc pipe table with its caption (``Table: ...``) and notes.

        Examples
        --------
        >>> import pandas as pd
        >>> data = pd.DataFrame({"path": ["QUAL -> SAT", "VAL -> SAT"], "beta": [0.512, -0.031],
        ...                      "p": [0.00002, 0.41]})
        >>> t = Table("paths", data, (Column("path", "Path", "text"), Column("beta", "β", stars="p"),
        ...           Column("p", "p", "p")), title="Structural paths", notes=("Standardized.",))
        >>> print(t.to_markdown())
        | Path | β | p |
        |:---|---:|---:|
        | QUAL -> SAT | 0.512\\*\\*\\* | < .001 |
        | VAL -> SAT | −0.031 | .410 |
        <BLANKLINE>
        Table: Structural paths
        <BLANKLINE>
        Note. Standardized. \\* p < .05, \\*\\* p < .01, \\*\\*\\* p < .001.
        <BLANKLINE>
        """
        def esc(s: str) -> str:
            return s.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*")
        head = "| " + " | ".join(esc(h) for h in self.headers) + " |"
        rule = "|" + "|".join("---:" if c.numeric else ":---" for c in self.columns) + "|"
        body = ["| " + " | ".join(esc(v) for v in row) + " |" for row in self._cells(self.style.minus)]
        lines = [head, rule, *body, ""]
        if self.title:
            lines += [f"Table: {esc(self.title)}", ""]
        notes = self.all_notes
        if notes:
            lines += [esc(f"{self._labels.note('note')} " + " ".join(notes)), ""]
        return "\n".join(lines)

    def to_latex(self, *, label: str | None = None) -> str:
        """A booktabs table (``\\toprule``, ``\\midrule``, ``\\bottomrule``) in a float.

        Chinese tables need ``xeCJK`` (or ``ctex``) under XeLaTeX.

        Examples
        --------
        >>> import pandas as pd
        >>> data = pd.DataFrame({"path": ["QUAL -> SAT", "VAL -> SAT"], "beta": [0.512, -0.031],
        ...                      "p": [0.00002, 0.41]})
        >>> t = Table("paths", data, (Column("path", "Path", "text"), Column("beta", "β", stars="p"),
        ...           Column("p", "p", "p")), title="Structural paths", notes=("Standardized.",))
        >>> print(t.to_latex())
        \\begin{table}[htbp]
        \\centering
        \\small
        \\caption{Structural paths}
        \\label{tab:paths}
        \\begin{tabular}{lrr}
        \\toprule
        Path & $\\beta$ & p \\\\
        \\midrule
        QUAL -$>$ SAT & 0.512\\textsuperscript{***} & $<$ .001 \\\\
        VAL -$>$ SAT & $-$0.031 & .410 \\\\
        \\bottomrule
        \\end{tabular}
        \\par\\smallskip
        \\begin{minipage}{0.95\\linewidth}\\footnotesize Note. Standardized. * p $<$ .05, ** p $<$ .01, *** p $<$ .001.\\end{minipage}
        \\end{table}
        <BLANKLINE>
        """
        spec = "".join("p{0.42\\linewidth}" if c.kind == "longtext" else
                       ("r" if c.numeric else "l") for c in self.columns)
        out = ["\\begin{table}[htbp]", "\\centering", "\\small"]
        if self.title:
            out.append(f"\\caption{{{_tex(self.title)}}}")
        out.append(f"\\label{{{label or 'tab:' + self.name}}}")
        out += [f"\\begin{{tabular}}{{{spec}}}", "\\toprule",
                " & ".join(_tex(h) for h in self.headers) + " \\\\", "\\midrule"]
        for row in self._cells("-"):
            cells = [_tex_num(v) if c.numeric else _tex(v) for v, c in zip(row, self.columns)]
            out.append(" & ".join(cells) + " \\\\")
        out += ["\\bottomrule", "\\end{tabular}"]
        notes = self.all_notes
        if notes:
            text = _tex(f"{self._labels.note('note')} " + " ".join(notes))
            out += ["\\par\\smallskip", f"\\begin{{minipage}}{{0.95\\linewidth}}\\footnotesize {text}"
                    "\\end{minipage}"]
        out.append("\\end{table}")
        return "\n".join(out) + "\n"

    def to_html(self) -> str:
        """An HTML ``<table class="csi-table">`` with caption and a footer of notes.

        Examples
        --------
        >>> import pandas as pd
        >>> data = pd.DataFrame({"path": ["QUAL -> SAT", "VAL -> SAT"], "beta": [0.512, -0.031],
        ...                      "p": [0.00002, 0.41]})
        >>> t = Table("paths", data, (Column("path", "Path", "text"), Column("beta", "β", stars="p"),
        ...           Column("p", "p", "p")), title="Structural paths", notes=("Standardized.",))
        >>> print(t.to_html())
        <table class="csi-table" id="tab-paths">
        <caption>Structural paths</caption>
        <thead><tr><th class="txt">Path</th><th class="num">β</th><th class="num">p</th></tr></thead>
        <tbody>
        <tr><td class="txt">QUAL -&gt; SAT</td><td class="num">0.512***</td><td class="num">&lt; .001</td></tr>
        <tr><td class="txt">VAL -&gt; SAT</td><td class="num">−0.031</td><td class="num">.410</td></tr>
        </tbody>
        <tfoot><tr><td colspan="3" class="note"><i>Note.</i> Standardized. * p &lt; .05, ** p &lt; .01, *** p &lt; .001.</td></tr></tfoot>
        </table>
        <BLANKLINE>
        """
        e = _html.escape
        out = [f'<table class="csi-table" id="tab-{e(self.name)}">']
        if self.title:
            out.append(f"<caption>{e(self.title)}</caption>")
        out.append("<thead><tr>" + "".join(
            f'<th class="{"num" if c.numeric else "txt"}">{e(h)}</th>'
            for h, c in zip(self.headers, self.columns)) + "</tr></thead>")
        out.append("<tbody>")
        for row in self._cells(self.style.minus):
            out.append("<tr>" + "".join(f'<td class="{"num" if c.numeric else "txt"}">{e(v)}</td>'
                                        for v, c in zip(row, self.columns)) + "</tr>")
        out.append("</tbody>")
        notes = self.all_notes
        if notes:
            out.append(f'<tfoot><tr><td colspan="{len(self.columns)}" class="note">'
                       f"<i>{e(self._labels.note('note'))}</i> {e(' '.join(notes))}</td></tr></tfoot>")
        out.append("</table>")
        return "\n".join(out) + "\n"

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return (self.title + "\n" if self.title else "") + self.formatted().to_string(index=False)

    def to_docx(self, path=None, *, document=None, paper: str | None = None,
                number: int | None = None):
        """Add the table to a python-docx ``document`` (a new one if None) as an APA table;
        with ``path``, save it there (deterministically: fixed zip timestamps).

        The table gets a bold "Table N" line (``number``, default: the next in the
        document), its title in italic, three rules and its notes under it; the columns
        are fitted to their content so that no word breaks; a table too wide for a portrait
        page goes on a landscape page. ``paper``: ``"a4"`` (default, or the style's) or
        ``"letter"``. Returns the document.

        Examples
        --------
        >>> import pandas as pd
        >>> data = pd.DataFrame({"path": ["QUAL -> SAT", "VAL -> SAT"], "beta": [0.512, -0.031],
        ...                      "p": [0.00002, 0.41]})
        >>> t = Table("paths", data, (Column("path", "Path", "text"), Column("beta", "β", stars="p"),
        ...           Column("p", "p", "p")), title="Structural paths", notes=("Standardized.",))
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "paths.docx")
        >>> doc = t.to_docx(path)
        >>> [p.text for p in doc.paragraphs][:2]
        ['Table 1', 'Structural paths']
        >>> [c.text for c in doc.tables[0].rows[1].cells]
        ['QUAL -> SAT', '0.512***', '< .001']
        >>> os.path.getsize(path) > 5000
        True
        """
        paper = _paper(paper or self.style.paper)
        doc = document if document is not None else _new_document(self.style.lang, paper)
        _add_docx_table(doc, self, getattr(doc, "_csi_paper", paper), number)
        if path is not None:
            write_docx(doc, path)
        return doc

    def render(self, fmt: str) -> str | bytes:
        """The table in one of :data:`FORMATS` (``docx`` gives bytes).

        Examples
        --------
        >>> import pandas as pd
        >>> data = pd.DataFrame({"path": ["QUAL -> SAT", "VAL -> SAT"], "beta": [0.512, -0.031],
        ...                      "p": [0.00002, 0.41]})
        >>> t = Table("paths", data, (Column("path", "Path", "text"), Column("beta", "β", stars="p"),
        ...           Column("p", "p", "p")), title="Structural paths", notes=("Standardized.",))
        >>> t.render("csv").splitlines()[0]
        'Path,β,p'
        >>> t.render("docx")[:2]
        b'PK'
        """
        if fmt == "tex":
            return self.to_latex()
        if fmt == "md":
            return self.to_markdown()
        if fmt == "html":
            return self.to_html()
        if fmt == "csv":
            return self.to_csv()
        if fmt == "docx":
            buf = io.BytesIO()
            write_docx(self.to_docx(), buf)
            return buf.getvalue()
        raise ValueError(f"The 'fmt' parameter of Table.render must be one of {list(FORMATS)}. "
                         f"Got {fmt!r} instead.")

    def save(self, directory, formats: Iterable[str] = FORMATS) -> list[Path]:
        """Write ``<name>.<fmt>`` for each format into ``directory``; returns the paths.

        Examples
        --------
        >>> import pandas as pd
        >>> data = pd.DataFrame({"path": ["QUAL -> SAT", "VAL -> SAT"], "beta": [0.512, -0.031],
        ...                      "p": [0.00002, 0.41]})
        >>> t = Table("paths", data, (Column("path", "Path", "text"), Column("beta", "β", stars="p"),
        ...           Column("p", "p", "p")), title="Structural paths", notes=("Standardized.",))
        >>> import tempfile
        >>> paths = t.save(tempfile.mkdtemp(), formats=("md", "csv"))
        >>> [p.name for p in paths]
        ['paths.md', 'paths.csv']
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = []
        for fmt in formats:
            content = self.render(fmt)
            p = directory / f"{self.name}.{fmt}"
            if isinstance(content, bytes):
                p.write_bytes(content)
            else:
                p.write_text(content, encoding="utf-8", newline="\n")
            paths.append(p)
        return paths


def _minus(s: str, minus: str) -> str:
    return re.sub(r"(?<![\w.])-(?=[.\d])", minus, s) if minus != "-" else s


_TEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
                "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                "\\": r"\textbackslash{}", "→": r"$\rightarrow$", "χ": r"$\chi$",
                "²": r"\textsuperscript{2}", "≥": r"$\geq$", "≤": r"$\leq$", "α": r"$\alpha$",
                "β": r"$\beta$", "ρ": r"$\rho$", "Δ": r"$\Delta$", "∞": r"$\infty$",
                "<": r"$<$", ">": r"$>$", MINUS: r"$-$"}


def _tex(s: str) -> str:
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in s)


def _tex_num(s: str) -> str:
    s = _tex(s)
    s = re.sub(r"(?<![\w.])-(?=[.\d])", r"$-$", s)
    return re.sub(r"(\*+)$", lambda m: "\\textsuperscript{" + m.group(1) + "}", s)


# ============================================================================ Word
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)

#: Paper sizes of the Word output (width, height in inches) and their 1-inch margins (APA 7).
PAPERS = {"a4": (8.27, 11.69), "letter": (8.5, 11.0)}
_MARGIN_IN = 1.0
_CELL_PAD_IN = 0.08          # Word's default left and right cell margins
_SAFETY = 1.06               # widths are estimated from Times metrics: keep a margin
_TABLE_PT = 10               # APA tables: 10-12 pt; 10 pt keeps wide tables on the page
_MAX_WRAP_LINES = 4          # a long text cell wrapping to more lines than this in portrait
                             # (a short one: 2) moves the table to a landscape page


@functools.lru_cache(maxsize=1)
def _times_widths() -> dict[str, int]:
    """Advance widths (1/1000 em) of Times-Roman from the Adobe metrics shipped with
    matplotlib (Times New Roman and Liberation Serif share them)."""
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "fonts" / "pdfcorefonts" / "Times-Roman.afm"
    widths: dict[str, int] = {}
    for line in path.read_text(encoding="latin-1").splitlines():
        m = re.match(r"C (\d+) ; WX (\d+) ;", line)
        if m and 32 <= int(m.group(1)) <= 126:
            widths[chr(int(m.group(1)))] = int(m.group(2))
    widths["'"], widths["`"] = 333, 333  # the AFM's quoteright/quoteleft slots
    widths["\u00a0"] = widths[" "]
    return widths


def _text_width_in(text: str, size_pt: float) -> float:
    """Printed width of ``text`` in inches at ``size_pt`` (Times; CJK characters 1 em)."""
    widths = _times_widths()
    units = 0
    for ch in text:
        if ch in widths:
            units += widths[ch]
        elif unicodedata.east_asian_width(ch) in ("W", "F"):
            units += 1000
        else:
            units += 600  # Greek, arrows, minus, superscripts: at most this wide in Times
    return units / 1000 * size_pt / 72


_CJK_RUN = re.compile(r"[\u2e80-\u9fff\uff00-\uffef\u3000-\u303f]+")


def _words(text: str) -> list[str]:
    """The pieces a line may not break inside: Latin words and short CJK words (a name of
    up to 6 characters stays on one line; longer Chinese text breaks anywhere)."""
    out = []
    for w in re.split(r"[ \t\n]+", text.strip()):     # a no-break space does not split
        for piece in re.split(f"({_CJK_RUN.pattern})", w):
            if not piece:
                continue
            if _CJK_RUN.fullmatch(piece) and len(piece) > 6:
                out += list(piece)
            else:
                out.append(piece)
    return out or [""]


def _nobreak(header: str) -> str:
    """Keep "(n = 163)" on one line in Word (no-break spaces)."""
    return re.sub(r"\(n = (\d+)\)", "(n\u00a0=\u00a0\\1)", header)


@dataclass(frozen=True)
class _Layout:
    widths: tuple          # inches, one per column
    landscape: bool
    size_pt: float


def _layout(table: Table, paper: str) -> _Layout:
    """Column widths fitted to the content (no word broken), portrait unless too wide."""
    pw, ph = PAPERS[paper]
    cells = table._cells(table.style.minus)
    pad = 2 * _CELL_PAD_IN

    def measure(size):
        mins, prefs = [], []
        for j, (head, col) in enumerate(zip(map(_nobreak, table.headers), table.columns)):
            texts = [row[j] for row in cells]
            if col.numeric:   # a number never wraps
                lo = max([_text_width_in(t, size) for t in texts] + [0])
                pref = max(lo, _text_width_in(head, size))
                lo = max(lo, max(_text_width_in(w, size) for w in _words(head)))
            else:
                pieces = [w for t in texts + [head] for w in _words(t)]
                lo = max(_text_width_in(w, size) for w in pieces)
                pref = max(_text_width_in(t, size) for t in texts + [head])
            mins.append(lo * _SAFETY + pad)
            prefs.append(pref * _SAFETY + pad)
        return mins, prefs

    def fit(mins, prefs, avail):
        if sum(prefs) <= avail:
            return list(prefs)
        spare = avail - sum(mins)
        extra = [p - m for m, p in zip(mins, prefs)]
        return [m + spare * e / sum(extra) for m, e in zip(mins, extra)]

    def too_tall(widths, prefs):
        """A long text wraps to more than 4 lines, a short text (a path) to more than 2."""
        for w, p, c in zip(widths, prefs, table.columns):
            lines = (p - pad) / max(w - pad, 1e-6)
            if not c.numeric and lines > (_MAX_WRAP_LINES if c.kind == "longtext" else 2):
                return True
        return False

    portrait, landscape = pw - 2 * _MARGIN_IN, ph - 2 * _MARGIN_IN
    for size in (_TABLE_PT, 9, 8):
        mins, prefs = measure(size)
        if sum(mins) <= portrait:
            widths = fit(mins, prefs, portrait)
            if not too_tall(widths, prefs) or sum(mins) > landscape:
                return _Layout(tuple(widths), False, size)
            return _Layout(tuple(fit(mins, prefs, landscape)), True, size)
        if sum(mins) <= landscape:
            return _Layout(tuple(fit(mins, prefs, landscape)), True, size)
    scale = landscape / sum(mins)   # still too wide at 8 pt: shrink (words may wrap)
    return _Layout(tuple(m * scale for m in mins), True, 8)


def _new_document(lang: str = "en", paper: str = "a4"):
    import datetime as _dt

    import docx
    from docx.oxml.ns import qn
    from docx.shared import Inches, Pt

    doc = docx.Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    normal.paragraph_format.space_after = Pt(0)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), "SimSun")
    section = doc.sections[0]
    section.page_width, section.page_height = (Inches(x) for x in PAPERS[paper])
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Inches(_MARGIN_IN))
    cp = doc.core_properties
    fixed = _dt.datetime(2000, 1, 1)
    cp.created = cp.modified = cp.last_printed = fixed
    cp.author = cp.last_modified_by = "csi_model"
    cp.revision = 1
    doc._csi_paper = paper
    return doc


def _border(cell, **sides):
    from docx.oxml.ns import qn
    tcPr = cell._tc.get_or_add_tcPr()
    borders = tcPr.find(qn("w:tcBorders"))
    if borders is None:
        borders = tcPr.makeelement(qn("w:tcBorders"), {})
        tcPr.append(borders)
    for side, size in sides.items():
        el = borders.makeelement(qn(f"w:{side}"), {qn("w:val"): "single", qn("w:sz"): str(size),
                                                   qn("w:space"): "0", qn("w:color"): "000000"})
        borders.append(el)


def _mark_size(par, pt: float) -> None:
    """Size a cell paragraph's mark as its text: the mark of an empty cell otherwise takes
    the Normal style's 11 pt and makes its row taller than a row whose cells all hold text
    (the rows of a construct after its first were 5 pt further apart than the first two)."""
    from docx.oxml.ns import qn
    pPr = par._p.get_or_add_pPr()
    rPr = pPr.find(qn("w:rPr"))
    if rPr is None:
        rPr = pPr.makeelement(qn("w:rPr"), {})
        pPr.append(rPr)
    for tag in ("w:sz", "w:szCs"):
        rPr.append(rPr.makeelement(qn(tag), {qn("w:val"): str(round(pt * 2))}))


def _doc_is_empty(doc) -> bool:
    return not doc.tables and not any(p.text for p in doc.paragraphs)


def _orient(doc, landscape: bool) -> None:
    """Put what follows on a portrait or landscape page (a new section when it changes)."""
    from docx.enum.section import WD_ORIENT, WD_SECTION

    sec = doc.sections[-1]
    if (sec.orientation == WD_ORIENT.LANDSCAPE) == landscape:
        return
    if not _doc_is_empty(doc):
        sec = doc.add_section(WD_SECTION.NEW_PAGE)
    w, h = sec.page_width, sec.page_height
    sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    if (w > h) != landscape:
        sec.page_width, sec.page_height = h, w


def _xml_flag(parent, tag: str, **attrs) -> None:
    from docx.oxml.ns import qn
    el = parent.makeelement(qn(tag), {qn(f"w:{k}"): v for k, v in attrs.items()})
    parent.append(el)


def _add_docx_table(doc, table: Table, paper: str = "a4", number: int | None = None) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Inches, Pt

    lay = _layout(table, paper)
    _orient(doc, lay.landscape)
    size = Pt(lay.size_pt)
    number = number if number is not None else len(doc.tables) + 1
    lab = table._labels

    def para(text="", *, bold=False, italic=False, before=0, after=0, keep=False, pt=None):
        p = doc.add_paragraph()
        if text:
            run = p.add_run(text)
            run.bold, run.italic = bold, italic
            if pt is not None:
                run.font.size = pt
        pf = p.paragraph_format
        pf.space_before, pf.space_after, pf.keep_with_next = Pt(before), Pt(after), keep
        return p

    before = 0 if _doc_is_empty(doc) else 18
    zh = table.style.lang == "zh"
    if zh:   # Chinese journals (GB/T 7713): "表 1  标题" in bold, centred above the table
        p = para(f"{lab.table_number(number)}  {table.title}".strip(), bold=True,
                 before=before, after=6, keep=True)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    else:    # APA 7: "Table 1" in bold, the title in italic title case on the next line
        para(lab.table_number(number), bold=True, before=before, after=6, keep=True)
        if table.title:
            para(table.title, italic=True, after=6, keep=True)
    cells = table._cells(table.style.minus)
    t = doc.add_table(rows=1 + len(cells), cols=len(table.columns))
    # flush left under its number and title (APA); centred under a centred caption (zh)
    t.alignment = WD_TABLE_ALIGNMENT.CENTER if zh else WD_TABLE_ALIGNMENT.LEFT
    t.autofit = False   # w:tblLayout fixed: the widths below are kept
    tblPr = t._tbl.tblPr
    width_tw = str(int(sum(lay.widths) * 1440))
    tblW = tblPr.find(qn("w:tblW"))
    if tblW is None:
        _xml_flag(tblPr, "w:tblW", w=width_tw, type="dxa")
    else:
        tblW.set(qn("w:w"), width_tw)
        tblW.set(qn("w:type"), "dxa")
    for gc, w in zip(t._tbl.tblGrid.findall(qn("w:gridCol")), lay.widths):
        gc.set(qn("w:w"), str(int(w * 1440)))
    rows = [[_nobreak(h) for h in table.headers]] + cells
    for i, values in enumerate(rows):
        row = t.rows[i]
        trPr = row._tr.get_or_add_trPr()
        _xml_flag(trPr, "w:cantSplit")
        if i == 0:
            _xml_flag(trPr, "w:tblHeader")   # repeated on every page
        for j, (v, c, w) in enumerate(zip(values, table.columns, lay.widths)):
            cell = row.cells[j]
            cell.width = Inches(w)
            cell.text = v
            par = cell.paragraphs[0]
            par.paragraph_format.line_spacing = 1.0   # single-spaced rows (APA allows it)
            if c.numeric:
                par.alignment = WD_ALIGN_PARAGRAPH.CENTER if i == 0 else WD_ALIGN_PARAGRAPH.RIGHT
            if i in (0, len(rows) - 1):   # the header stays with the first row and the
                par.paragraph_format.keep_with_next = True   # last row with the note
            for run in par.runs:
                run.font.size = size
            _mark_size(par, lay.size_pt)
            if i == 0:
                _border(cell, top=12, bottom=6)
            if i == len(rows) - 1:
                _border(cell, bottom=12)
    notes = table.all_notes
    if notes:
        p = para(before=4, after=0)
        r = p.add_run(lab.note("note") + ("" if zh else " "))
        r.italic, r.font.size = not zh, size
        p.add_run(" ".join(notes)).font.size = size


def write_docx(document, path_or_buffer) -> None:
    """Save a python-docx document with fixed zip timestamps (byte-identical rebuilds).

    Examples
    --------
    >>> import io
    >>> import pandas as pd
    >>> t = Table("demo", pd.DataFrame({"x": [0.5]}), (Column("x", "x"),), title="Demo")
    >>> a, b = io.BytesIO(), io.BytesIO()
    >>> write_docx(t.to_docx(), a); write_docx(t.to_docx(), b)
    >>> a.getvalue() == b.getvalue()                   # byte-identical
    True
    """
    raw = io.BytesIO()
    document.save(raw)
    raw.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zout.writestr(zi, zin.read(info.filename))
    data = out.getvalue()
    if hasattr(path_or_buffer, "write"):
        path_or_buffer.write(data)
    else:
        Path(path_or_buffer).write_bytes(data)


# ============================================================================ builders
def _setup(lang, style, codebook=None, labels=None, operator=None):
    style = style or TableStyle(lang=lang)
    if style.lang != lang:
        style = replace(style, lang=lang)
    labels = labels or Labels(lang, codebook, operator=operator)
    return style, labels


def _rebuildable(builder):
    """Record how a table was built, so that ``with_style(lang=...)`` builds it again in the
    other language (headers, title, notes and construct names all translated)."""
    @functools.wraps(builder)
    def build(*args, **kwargs):
        table = builder(*args, **kwargs)
        return replace(table, recipe=(build, args, kwargs))
    return build


def _single_operator(survey, column: str = "operator") -> str | None:
    """The operator of a survey of one operator's customers (None for several or none)."""
    data = survey.data if hasattr(survey, "data") else survey
    if not isinstance(data, pd.DataFrame) or column not in data:
        return None
    values = data[column].dropna().unique()
    return str(values[0]) if len(values) == 1 else None


def _T(name, data, columns, lab, style, title_kw=None, notes=()):
    return Table(name, data.reset_index(drop=True), tuple(columns),
                 title=lab.title(name, **(title_kw or {})), notes=tuple(n for n in notes if n),
                 style=style, labels=lab)


@_rebuildable
def item_descriptives(survey, spec=None, *, codebook=None, lang: str = "en",
                      style: TableStyle | None = None, wording: bool = True,
                      operator: str | None = None, weights: str | None = None) -> Table:
    """Item N, mean, SD, min, max, skewness and excess kurtosis, grouped by construct.

    ``survey`` is a :class:`~csi_model.survey.read.Survey` or DataFrame; ``spec`` orders the items
    by construct (default: every numeric column). Wording comes from ``codebook`` (or the
    survey's codebook) in the table's language, with ``[运营商]``/``[Operator]`` replaced by
    ``operator`` (default: the survey's ``operator`` column when it holds one operator, else
    "your operator", which is what each respondent read).

    ``weights`` names a column of sampling weights (checked as in
    :func:`~csi_model.survey.weights.survey_weights`): each item's weights, over the n
    respondents who answered it, are rescaled to sum to n; the mean is the weighted mean, the
    SD ``sqrt(sum w (x - m)^2 / (n - 1))`` (Stata's analytic weights), and skewness and
    excess kurtosis are pandas' adjusted estimators computed from the weighted central
    moments - with equal weights all equal the unweighted ones. ``n`` stays the count of
    answers; min and max are unweighted.
    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> data = cm.simulate_survey("telecom", n=200, seed=1)
    >>> t = item_descriptives(cm.read_survey(data), spec, codebook=cm.load_codebook("telecom"),
    ...                       wording=False)
    >>> t.formatted().head(3)
                   Construct  Item    N  Mean    SD Min Max Skewness Kurtosis
    0  Customer satisfaction  SAT1  200  7.16  1.92   1  10    -0.36    -0.09
    1                         SAT2  200  6.77  1.79   1  10    -0.16    -0.21
    2                         SAT3  200  6.61  1.93   1  10    -0.30    -0.09
    """
    data = survey.data if hasattr(survey, "data") else pd.DataFrame(survey)
    if weights is not None:
        from ..survey.weights import check_weight_column, survey_weights
        check_weight_column(weights, [it for _, it in _descriptive_pairs(data, spec)],
                            func="item_descriptives")
        survey_weights(survey, weights)          # every row's weight checked, rows named
    codebook = codebook if codebook is not None else getattr(survey, "codebook", None)
    operator = operator if operator is not None else _single_operator(data)
    style, lab = _setup(lang, style, codebook, operator=operator)
    pairs = _descriptive_pairs(data, spec, exclude=weights)
    rows = []
    for lv, it in pairs:
        x = pd.to_numeric(data[it], errors="coerce").dropna()
        row = {"construct": lv, "item": it, "wording": lab.item(it), "n": len(x),
               "mean": x.mean(), "sd": x.std(ddof=1), "min": x.min(), "max": x.max(),
               "skew": x.skew(), "kurtosis": x.kurt()}
        if weights is not None:
            row.update(_weighted_descriptives(x.to_numpy(float),
                                              pd.to_numeric(data.loc[x.index, weights]).to_numpy(float)))
        rows.append(row)
    df = pd.DataFrame(rows)
    df.loc[df["construct"].duplicated(), "construct"] = np.nan
    cols = [Column("construct", "construct", "construct"), Column("item", "item", "text")]
    if wording and codebook is not None:
        cols.append(Column("wording", "wording", "longtext"))
    cols += [Column("n", "n", "int"), Column("mean", "mean", digits=2),
             Column("sd", "sd", digits=2), Column("min", "min", "int"), Column("max", "max", "int"),
             Column("skew", "skew", digits=2), Column("kurtosis", "kurtosis", digits=2)]
    notes = (lab.note("weighted_descriptives", column=weights),) if weights is not None else ()
    return _T("item_descriptives", df, cols, lab, style, notes=notes)


def _descriptive_pairs(data: pd.DataFrame, spec, exclude=None) -> list[tuple[str, str]]:
    """(construct, item) of the descriptives table: the model's items, or numeric columns."""
    if spec is not None:
        return [(lv, it) for lv, its in spec.indicators.items() for it in its if it in data]
    return [("", c) for c in data.columns
            if pd.api.types.is_numeric_dtype(data[c]) and c != exclude]


def _weighted_descriptives(x: np.ndarray, w: np.ndarray) -> dict[str, float]:
    """Weighted mean, SD (divisor n - 1, weights rescaled to sum to n) and pandas' adjusted
    skewness and excess kurtosis from the weighted central moments."""
    n = len(x)
    if n == 0 or w.sum() <= 0:
        return {"mean": np.nan, "sd": np.nan, "skew": np.nan, "kurtosis": np.nan}
    w = w / w.sum() * n
    m = w @ x / n
    d = x - m
    m2, m3, m4 = (w @ d ** 2) / n, (w @ d ** 3) / n, (w @ d ** 4) / n
    out = {"mean": m, "sd": math.sqrt(m2 * n / (n - 1)) if n > 1 else np.nan}
    with np.errstate(invalid="ignore", divide="ignore"):
        g1, g2 = m3 / m2 ** 1.5, m4 / m2 ** 2 - 3.0
    out["skew"] = g1 * math.sqrt(n * (n - 1)) / (n - 2) if n > 2 and m2 > 0 else np.nan
    out["kurtosis"] = ((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3)) \
        if n > 3 and m2 > 0 else np.nan
    return out


@_rebuildable
def sampling_adequacy(m, *, lang: str = "en", style: TableStyle | None = None) -> Table:
    """KMO, Bartlett's test of sphericity and the parallel analysis of a MeasurementResult.

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> data = cm.simulate_survey("telecom", n=200, seed=1)
    >>> m = cm.measurement(spec, data, n_boot=0, n_iter_parallel=5)
    >>> print(sampling_adequacy(m))
    Sampling adequacy and number of factors
      N  KMO Bartlett χ² df      p Factors (parallel analysis) Components (parallel analysis)
    200 .817   672.29*** 15 < .001                           2                              2
    """
    style, lab = _setup(lang, style)
    b = m.bartlett if m.bartlett is not None else pd.Series({"chisq": np.nan, "df": np.nan,
                                                             "pvalue": np.nan})
    pa = m.parallel
    df = pd.DataFrame([{"n": m.n, "kmo": m.kmo if m.kmo is not None else np.nan,
                        "chisq": b["chisq"], "df": b["df"], "pvalue": b["pvalue"],
                        "pa_factors": getattr(pa, "n_factors", np.nan),
                        "pa_components": getattr(pa, "n_components", np.nan)}])
    cols = [Column("n", "n", "int"), Column("kmo", "kmo", bounded=True),
            Column("chisq", "bartlett", digits=2, stars="pvalue"), Column("df", "df", "int"),
            Column("pvalue", "p", "p"), Column("pa_factors", "pa_factors", "int"),
            Column("pa_components", "pa_components", "int")]
    return _T("sampling_adequacy", df, cols, lab, style)


@_rebuildable
def efa_loadings(m, *, hide_below: float = 0.30, lang: str = "en",
                 style: TableStyle | None = None) -> Table:
    """EFA pattern loadings (items x factors, factors named by their matched construct).

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> data = cm.simulate_survey("telecom", n=200, seed=1)
    >>> m = cm.measurement(spec, data, n_boot=0, n_iter_parallel=5)
    >>> print(efa_loadings(m))
    Exploratory factor analysis: pattern loadings
    Item F1 (Customer satisfaction) F2 (Customer loyalty)   h²
    SAT1                      0.912                       .834
    SAT2                      0.840                       .717
    SAT3                      0.782                       .595
    LOY1                                            0.857 .729
    LOY2                                            0.735 .544
    LOY3                                            0.870 .761
    """
    style, lab = _setup(lang, style)
    if m.efa is None:
        raise ValueError("The measurement result has no EFA (too few respondents or a "
                         "singular correlation matrix).")
    L = m.efa.loadings
    inv = {f: lv for lv, f in m.factor_map.items()}
    order = [m.factor_map[lv] for lv in m.blocks if lv in m.factor_map]
    order += [f for f in L.columns if f not in order]
    items = [it for its in m.blocks.values() for it in its if it in L.index]
    df = pd.DataFrame({"item": items})
    cols = [Column("item", "item", "text")]
    for f in order:
        vals = L.loc[items, f].to_numpy(dtype=float)
        df[f] = np.where(np.abs(vals) < hide_below, np.nan, vals)
        head = f"{f} ({lab.construct(inv[f])})" if f in inv else f
        cols.append(Column(f, head))
    df["communality"] = m.efa.communalities.loc[items].to_numpy(dtype=float)
    cols.append(Column("communality", "communality", bounded=True))
    hide = format_number(hide_below, 2, bounded=True, style=style)
    return _T("efa_loadings", df, cols, lab, style,
              notes=(lab.note("efa", hide=hide),))


@_rebuildable
def measurement_model(m, *, lang: str = "en", style: TableStyle | None = None) -> Table:
    """Standardized loadings with alpha, CR (rho_c) and AVE on each construct's first row.

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> data = cm.simulate_survey("telecom", n=200, seed=1)
    >>> m = cm.measurement(spec, data, n_boot=0, n_iter_parallel=5)
    >>> print(measurement_model(m))  # doctest: +NORMALIZE_WHITESPACE
    Measurement model: loadings, reliability and convergent validity
                Construct Item Loading Cronbach's α CR (ρc)  AVE
    Customer satisfaction SAT1   0.912         .880    .882 .715
                          SAT2   0.849
                          SAT3   0.770
         Customer loyalty LOY1   0.851         .846    .863 .651
                          LOY2   0.739
                          LOY3   0.874
    """
    style, lab = _setup(lang, style)
    rel = m.reliability.set_index("latent")
    rows = []
    for lv, its in m.blocks.items():
        sub = m.items[m.items.latent == lv]
        for k, r in enumerate(sub.itertuples(index=False)):
            first = k == 0
            rows.append({"construct": lv if first else np.nan, "item": r.item,
                         "loading": r.loading,
                         "alpha": rel.loc[lv, "alpha_raw"] if first else np.nan,
                         "rho_c": rel.loc[lv, "rho_c"] if first else np.nan,
                         "ave": rel.loc[lv, "ave"] if first else np.nan})
    df = pd.DataFrame(rows)
    cols = [Column("construct", "construct", "construct"), Column("item", "item", "text"),
            Column("loading", "loading"), Column("alpha", "alpha", bounded=True),
            Column("rho_c", "rho_c", bounded=True), Column("ave", "ave", bounded=True)]
    single = any(len(its) == 1 for its in m.blocks.values())
    return _T("measurement_model", df, cols, lab, style,
              notes=(lab.note("measurement"), lab.note("single_item") if single else ""))


def _lower_triangle(name, M: pd.DataFrame, lab, style, *, diag: bool, notes, bounded):
    codes = list(M.index)
    rows = []
    for i, a in enumerate(codes):
        row = {"construct": a}
        for j, b in enumerate(codes):
            v = M.loc[a, b]
            row[b] = v if (j < i or (diag and j == i)) else np.nan
        rows.append(row)
    df = pd.DataFrame(rows)
    cols = [Column("construct", "construct", "construct")]
    cols += [Column(b, lab.construct(b), bounded=bounded) for b in codes]
    return _T(name, df, cols, lab, style, notes=notes)


@_rebuildable
def fornell_larcker(m, *, lang: str = "en", style: TableStyle | None = None) -> Table:
    """sqrt(AVE) on the diagonal, latent correlations below (Fornell & Larcker 1981).

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> data = cm.simulate_survey("telecom", n=200, seed=1)
    >>> m = cm.measurement(spec, data, n_boot=0, n_iter_parallel=5)
    >>> print(fornell_larcker(m))  # doctest: +NORMALIZE_WHITESPACE
    Discriminant validity: Fornell-Larcker criterion
                Construct Customer satisfaction Customer loyalty
    Customer satisfaction                  .845
         Customer loyalty                  .593             .807
    """
    style, lab = _setup(lang, style)
    if m.fornell_larcker is None:
        raise ValueError("The measurement result has no Fornell-Larcker matrix (the CFA failed).")
    return _lower_triangle("fornell_larcker", m.fornell_larcker, lab, style, diag=True,
                           notes=(lab.note("fl"),), bounded=True)


@_rebuildable
def htmt(m, *, lang: str = "en", style: TableStyle | None = None) -> Table:
    """Heterotrait-monotrait ratios below the diagonal (Henseler et al. 2015).

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> data = cm.simulate_survey("telecom", n=200, seed=1)
    >>> m = cm.measurement(spec, data, n_boot=0, n_iter_parallel=5)
    >>> print(htmt(m))  # doctest: +NORMALIZE_WHITESPACE
    Discriminant validity: heterotrait-monotrait ratio (HTMT)
                Construct Customer satisfaction Customer loyalty
    Customer satisfaction
         Customer loyalty                 0.593
    """
    style, lab = _setup(lang, style)
    thr = format_number(m.thresholds.htmt, 2, bounded=True, style=style)
    return _lower_triangle("htmt", m.htmt, lab, style, diag=False,
                           notes=(lab.note("htmt", thr=thr),), bounded=False)


@_rebuildable
def fit_measures(results: Any, *, lang: str = "en", style: TableStyle | None = None,
                 robust: bool = False) -> Table:
    """Chi-square, df, chi-square/df, p, CFI, TLI, RMSEA [90% CI] and SRMR, one row per model.

    ``results`` is one fit (SEMResult, or a Series of lavaan-named fit measures) or a
    mapping ``{row label: fit}``; row labels that are header keys (``"cfa"``, ``"sem"``)
    are translated. ``robust=True`` (weighted fits) shows the Yuan-Bentler scaled
    chi-square with its df and p (``chisq.scaled``, ``df.scaled``, ``pvalue.scaled``) and
    the robust CFI, TLI and RMSEA with its interval (``cfi.robust``, ...), as lavaan's
    robust column, and says so in the note; a fit without them keeps the standard ones.

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> data = cm.simulate_survey("telecom", n=200, seed=1)
    >>> res = cm.fit(spec, data)
    >>> print(fit_measures(res))
    Model fit
               Model   χ² df χ²/df    p   CFI   TLI RMSEA RMSEA 90% CI SRMR
    Structural model 2.87  8  0.36 .942 1.000 1.014  .000 [.000, .016] .009
    """
    style, lab = _setup(lang, style)
    if not isinstance(results, dict):
        results = {"sem": results}
    rows = []
    scaled = False
    for key, r in results.items():
        fm = r.fit_measures if hasattr(r, "fit_measures") else pd.Series(r)
        if robust and "chisq.scaled" in fm:
            scaled = True
            fm = pd.Series({"chisq": fm.get("chisq.scaled"),
                            "df": fm.get("df.scaled", fm.get("df")),
                            "pvalue": fm.get("pvalue.scaled"), "cfi": fm.get("cfi.robust"),
                            "tli": fm.get("tli.robust"), "rmsea": fm.get("rmsea.robust"),
                            "rmsea.ci.lower": fm.get("rmsea.ci.lower.robust", np.nan),
                            "rmsea.ci.upper": fm.get("rmsea.ci.upper.robust", np.nan),
                            "srmr": fm.get("srmr")})
        rows.append({"model": key, "chisq": fm.get("chisq"), "df": fm.get("df"),
                     "chisq_df": fm.get("chisq") / fm.get("df") if fm.get("df") else np.nan,
                     "pvalue": fm.get("pvalue"), "cfi": fm.get("cfi"), "tli": fm.get("tli"),
                     "rmsea": fm.get("rmsea"), "lo": fm.get("rmsea.ci.lower", np.nan),
                     "hi": fm.get("rmsea.ci.upper", np.nan), "srmr": fm.get("srmr")})
    df = pd.DataFrame(rows)
    cols = [Column("model", "model", "category"), Column("chisq", "chisq", digits=2),
            Column("df", "df", "int"), Column("chisq_df", "chisq_df", digits=2),
            Column("pvalue", "p", "p"), Column("cfi", "cfi", bounded=True),
            Column("tli", "tli"), Column("rmsea", "rmsea", bounded=True),
            Column("lo", "rmsea_ci", "ci", bounded=True, upper="hi"),
            Column("srmr", "srmr", bounded=True)]
    return _T("fit_measures", df, cols, lab, style,
              notes=(lab.note("fit"), lab.note("fit_robust") if scaled else ""))


@_rebuildable
def hypotheses(result, *, alpha: float = 0.05, lang: str = "en",
               style: TableStyle | None = None, table: pd.DataFrame | None = None,
               expected=None, test: str = "two-sided") -> Table:
    """The structural paths as hypotheses: expected sign, beta (with stars) and the interval
    of beta itself, B with its interval, SE, z, p, supported.

    ``table`` is :func:`csi_model.hypotheses`'s output (computed here when None, with
    ``alpha``, ``expected`` and ``test``). "Supported" means significant in the expected
    direction; the note says which test and which interval.

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> data = cm.simulate_survey("telecom", n=200, seed=1)
    >>> res = cm.fit(spec, data)
    >>> print(hypotheses(res))
    Structural model: hypothesis tests
    Hypothesis                                     Path Expected sign        β    95% CI of β     B         95% CI    SE    z      p Supported
            H1 Customer satisfaction → Customer loyalty             + 0.593*** [0.485, 0.701] 0.547 [0.411, 0.683] 0.070 7.87 < .001       Yes
    """
    style, lab = _setup(lang, style)
    if table is None:
        from ..sem.effects import hypotheses as _hyp
        table = _hyp(result, alpha=alpha, expected=expected, test=test)
    df = table.copy()
    df["path_label"] = [lab.arrow(a, b) if a or b else path   # a ':=' row: its definition
                        for a, b, path in zip(df["from"], df["to"], df["path"])]
    df["supported_label"] = ["yes" if s else "no" for s in df["supported"]]
    cols = [Column("hypothesis", "hypothesis", "text"), Column("path_label", "path", "text"),
            Column("expected", "expected", "text"),
            Column("std.all", "beta", stars="pvalue"),
            Column("std.ci.lower", "beta_ci", "ci", upper="std.ci.upper"),
            Column("est", "estimate"), Column("ci.lower", "ci95", "ci", upper="ci.upper"),
            Column("se", "se"), Column("z", "z", digits=2), Column("pvalue", "p", "p"),
            Column("supported_label", "supported", "category")]
    ci = str(df["ci.type"].iloc[0]) if len(df) and "ci.type" in df else "Wald"
    tests = sorted(set(df["test"])) if "test" in df else ["two-sided"]
    return _T("hypotheses", df, cols, lab, style,
              notes=(lab.note("hypotheses", ci=lab.ci_type(ci), alpha=f"{alpha:g}",
                                test=" / ".join(lab.header(t) for t in tests)),))


@_rebuildable
def effects(result, *, lang: str = "en", style: TableStyle | None = None,
            table: pd.DataFrame | None = None) -> Table:
    """Completely standardized direct, indirect and total effects, each with the stars of its
    own test, and the interval of the indirect effect.

    ``table`` is ``csi_model.effects(result, standardized=True, shape="wide")`` (computed here
    when None).

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> data = cm.simulate_survey("telecom", n=200, seed=1)
    >>> res = cm.fit(spec, data)
    >>> print(effects(res))
    Standardized direct, indirect and total effects
                     From               To   Direct Indirect Indirect 95% CI    Total
    Customer satisfaction Customer loyalty 0.593***                          0.593***
    """
    style, lab = _setup(lang, style)
    if table is None:
        from ..sem.effects import effects as _eff
        table = _eff(result, standardized=True, shape="wide")
    df = table.copy()
    df = df[(df["direct"].abs() > 0) | (df["indirect"].abs() > 0)]
    # a pair without a direct path prints blank, not 0.000 (likewise without an indirect one)
    df.loc[df["direct"] == 0, ["direct", "direct.pvalue"]] = np.nan
    df.loc[df["indirect"] == 0, ["indirect", "indirect.pvalue", "indirect.ci.lower",
                                 "indirect.ci.upper"]] = np.nan
    cols = [Column("from", "from", "construct"), Column("to", "to", "construct"),
            Column("direct", "direct", stars="direct.pvalue"),
            Column("indirect", "indirect", stars="indirect.pvalue"),
            Column("indirect.ci.lower", "indirect_ci", "ci", upper="indirect.ci.upper"),
            Column("total", "total", stars="total.pvalue")]
    boot = getattr(result, "bootstrap", None)
    extra = (lab.report("effects_boot", B=boot.B) if boot is not None
             else lab.report("effects_delta"))
    return _T("effects", df, cols, lab, style, notes=(lab.note("effects", boot=extra),))


@_rebuildable
def index_scores(index_result, *, lang: str = "en", style: TableStyle | None = None,
                 name: str = "index_scores", by_label: str | None = None) -> Table:
    """The 0-100 index of each construct: all respondents and each group (1 decimal), with
    each group's n in its header and, when the index was bootstrapped, its 95% CI.

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> data = cm.simulate_survey("telecom", n=200, seed=1)
    >>> index = cm.csi_index(cm.fit_pls(spec, data), scale=(1, 10), target="LOY")
    >>> print(index_scores(index))
    CSI scores (0-100)
                Construct All respondents (n = 200)
    Customer satisfaction                      65.1
         Customer loyalty                      63.1
    """
    style, lab = _setup(lang, style)
    t = index_result.table
    latents = list(dict.fromkeys(t["latent"]))
    groups = list(dict.fromkeys(t["group"]))
    has_ci = "ci.lower" in t and t["ci.lower"].notna().any()
    df = pd.DataFrame({"construct": latents})
    cols = [Column("construct", "construct", "construct")]
    for i, g in enumerate(groups):
        sub = t[t["group"] == g].set_index("latent").reindex(latents)
        df[f"g{i}"] = sub["index"].to_numpy(dtype=float)
        head = lab.header("overall" if g == "(all)" else str(g))
        n = sub["n"].dropna() if "n" in sub else pd.Series(dtype=float)
        if len(n) and n.nunique() == 1:
            head = f"{head} (n = {int(n.iloc[0])})"
        cols.append(Column(f"g{i}", head, digits=1))
        if has_ci:
            df[f"g{i}_lo"] = sub["ci.lower"].to_numpy(dtype=float)
            df[f"g{i}_hi"] = sub["ci.upper"].to_numpy(dtype=float)
            cols.append(Column(f"g{i}_lo", "ci95", "ci", digits=1, upper=f"g{i}_hi"))
    notes = [lab.note("index")]
    if has_ci and getattr(index_result, "bootstrap", None) is not None:
        notes.append(lab.report("index_ci", B=index_result.bootstrap.B))
    grouped = getattr(index_result, "by", None) is not None
    title = lab.title("index_scores" if grouped else "index_scores_all")
    return Table(name, df, tuple(cols), title=title,
                 notes=tuple(notes), style=style, labels=lab)


@_rebuildable
def ipma(index_result, *, lang: str = "en", style: TableStyle | None = None) -> Table:
    """Importance (total effect), performance (index) and impact of each driver.

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> data = cm.simulate_survey("telecom", n=200, seed=1)
    >>> index = cm.csi_index(cm.fit_pls(spec, data), scale=(1, 10), target="LOY")
    >>> print(ipma(index))
    Importance-performance map analysis (target: Customer loyalty)
                   Driver     β Importance Performance Impact
    Customer satisfaction 0.520      0.558        65.1   2.79
    """
    style, lab = _setup(lang, style)
    ix = index_result
    imp = ix.impacts.copy()
    perf = ix.overall()
    imp["performance"] = [perf.get(d, np.nan) for d in imp["driver"]]
    cols = [Column("driver", "driver", "construct"), Column("total_effect", "beta"),
            Column("importance", "importance"), Column("performance", "performance", digits=1),
            Column("impact", "impact", digits=2)]
    if "ci.lower" in imp:
        cols.append(Column("ci.lower", "ci95", "ci", digits=2, upper="ci.upper"))
    target = lab.construct(ix.target)
    return _T("ipma", imp, cols, lab, style, title_kw={"target": target},
              notes=(lab.note("ipma", target=target, gain=ix.gain),))


@_rebuildable
def invariance(inv, *, lang: str = "en", style: TableStyle | None = None) -> Table:
    """The invariance ladder with chi-square difference tests and CFI/RMSEA changes.

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> survey = cm.read_survey(cm.make_demo_survey(), codebook="telecom", missing_codes=[99])
    >>> print(invariance(cm.invariance(spec, survey, by="wave")))
    Measurement invariance across Wave
                  Model    χ² df  CFI   TLI RMSEA SRMR  Δχ² Δdf p (Δχ²)  ΔCFI ΔRMSEA Decision
             Configural 17.46 16 .999 0.998  .018 .018                               baseline
      Metric (loadings) 24.85 20 .997 0.996  .029 .032 7.40   4    .116 -.002   .011    holds
    Scalar (intercepts) 32.09 24 .995 0.994  .035 .034 7.23   4    .124 -.002   .005    holds
     Strict (residuals) 34.10 30 .998 0.998  .022 .034 2.02   6    .918  .002  -.013    holds
    """
    style, lab = _setup(lang, style)
    df = inv.ladder.reset_index()
    cols = [Column("step", "step", "category"), Column("chisq", "chisq", digits=2),
            Column("df", "df", "int"), Column("cfi", "cfi", bounded=True), Column("tli", "tli"),
            Column("rmsea", "rmsea", bounded=True), Column("srmr", "srmr", bounded=True),
            Column("chisq.diff", "chisq_diff", digits=2), Column("df.diff", "df_diff", "int"),
            Column("pvalue.diff", "p_diff", "p"), Column("cfi.diff", "cfi_diff", bounded=True),
            Column("rmsea.diff", "rmsea_diff", bounded=True),
            Column("decision", "decision", "category")]
    by = lab.header(inv.by)
    return _T("invariance", df, cols, lab, style, title_kw={"by": by},
              notes=(lab.note("invariance"),))


@_rebuildable
def group_paths(differences: pd.DataFrame, *, by: str, lang: str = "en",
                style: TableStyle | None = None) -> Table:
    """Paths of two groups, their difference (with stars of the Wald test) and the test.

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> survey = cm.read_survey(cm.make_demo_survey(), codebook="telecom", missing_codes=[99])
    >>> mg = cm.fit_multigroup(spec, survey, by="wave", equal=["loadings"])
    >>> print(group_paths(cm.path_differences(mg), by="wave"))
    Structural paths by Wave: 2025 vs 2026
                                        Path  2025  2026 Difference    SE Wald χ²    p
    Customer satisfaction → Customer loyalty 0.626 0.642      0.016 0.081    0.04 .844
    """
    style, lab = _setup(lang, style)
    df = differences.copy()
    est_cols = [c for c in df.columns if c.startswith("est.")]
    first, second = (c[4:] for c in est_cols[:2])
    df["path_label"] = [lab.arrow(a, b) for a, b in zip(df["rhs"], df["lhs"])]
    cols = [Column("path_label", "path", "text"), Column(est_cols[0], first),
            Column(est_cols[1], second), Column("diff", "difference", stars="pvalue"),
            Column("se.diff", "se"), Column("wald", "wald", digits=2), Column("pvalue", "p", "p")]
    return _T("group_paths", df, cols, lab, style,
              title_kw={"by": lab.header(by), "first": first, "second": second},
              notes=(lab.note("group_paths"),))


def all_tables(analyses, *, lang: str = "en", style: TableStyle | None = None) -> list[Table]:
    """Every table of :func:`csi_model.report.analysis.analyze`'s results that exists."""
    a = analyses
    kw = {"lang": lang, "style": style}
    weights = getattr(a, "weights", None)
    out = [item_descriptives(a.survey, a.spec, codebook=a.codebook, weights=weights, **kw)]
    if a.measurement is not None:
        m = a.measurement
        if m.kmo is not None:
            out.append(sampling_adequacy(m, **kw))
        if m.efa is not None:
            out.append(efa_loadings(m, **kw))
        out.append(measurement_model(m, **kw))
        if m.fornell_larcker is not None:
            out.append(fornell_larcker(m, **kw))
        out.append(htmt(m, **kw))
    if a.sem is not None:
        fits = {"cfa": a.measurement.cfa} if a.measurement is not None and a.measurement.cfa else {}
        fits["sem"] = a.sem
        out.append(fit_measures(fits, robust=weights is not None, **kw))
        out.append(hypotheses(a.sem, **kw))
        out.append(effects(a.sem, **kw))
    if a.index is not None:
        out.append(index_scores(a.index, **kw))
        out.append(ipma(a.index, **kw))
    if a.invariance is not None:
        out.append(invariance(a.invariance, **kw))
    if a.path_differences is not None:
        out.append(group_paths(a.path_differences, by=a.compare_by, **kw))
    if weights is not None:
        weighting = {"column": weights, "kish": a.options.get("kish_n", np.nan),
                     "n": a.options.get("n_weighted", "")}
        out = [with_note(t, "weighted", **weighting) for t in out]
    return out


def with_note(table: Table, key: str, **kw) -> Table:
    """``table`` with the note ``key`` of :data:`~csi_model.report.labels.NOTES` added
    last, in the table's language - also when it is rebuilt in another language
    (``with_style(lang=...)``).

    Examples
    --------
    >>> import pandas as pd
    >>> t = Table("demo", pd.DataFrame({"p": [0.01]}), (Column("p", "p", "p"),))
    >>> t = with_note(t, "weighted", column="w", kish=412.4, n=600)
    >>> t.notes
    ("Weighted by the sampling weights in column 'w' (Kish effective sample size 412 of 600).",)
    """
    note = table._labels.note(key, **kw)
    recipe = None if table.recipe is None else (_rebuild_with_note, (table.recipe, key), kw)
    return replace(table, notes=(*table.notes, note), recipe=recipe)


def _rebuild_with_note(recipe, key, *, lang, style, **kw):
    build, args, kwargs = recipe
    return with_note(build(*args, **{**kwargs, "lang": lang, "style": style}), key, **kw)
