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

import html as _html
import io
import math
import re
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

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
    """

    digits: int = 3
    leading_zero: Any = "bounded"
    stars: tuple = (0.05, 0.01, 0.001)
    lang: str = "en"
    minus: str = MINUS

    def __post_init__(self):
        if self.leading_zero not in ("bounded", True, False):
            raise ValueError("The 'leading_zero' parameter of TableStyle must be one of "
                             f"{{'bounded', True, False}}. Got {self.leading_zero!r} instead.")
        if list(self.stars) != sorted(self.stars, reverse=True):
            raise ValueError("The 'stars' parameter of TableStyle must be decreasing, e.g. "
                             f"(0.05, 0.01, 0.001). Got {self.stars!r} instead.")
        Labels(self.lang)  # validates lang

    def legend(self) -> str:
        if not self.stars:
            return ""
        if tuple(self.stars) == (0.05, 0.01, 0.001):
            return Labels(self.lang).note("stars")
        sep = "，" if self.lang == "zh" else ", "
        parts = [f"{'*' * (i + 1)} p < {_strip_zero(repr(a))}" for i, a in enumerate(self.stars)]
        return sep.join(parts) + ("。" if self.lang == "zh" else ".")


def _strip_zero(s: str) -> str:
    return re.sub(r"^(-?)0\.", r"\1.", s)


def format_number(x, digits: int = 3, *, bounded: bool = False,
                  style: TableStyle | None = None) -> str:
    """A number as printed in a table: fixed decimals, NaN as ``""``, no ``-0.000``.

    >>> format_number(0.12345), format_number(0.12345, bounded=True), format_number(-0.0001)
    ('0.123', '.123', '0.000')
    """
    style = style or TableStyle()
    if x is None or isinstance(x, str):
        return "" if x is None else x
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if not math.isfinite(v):
        return "" if math.isnan(v) else ("∞" if v > 0 else "-∞")
    s = f"{v:.{digits}f}"
    if float(s) == 0:
        s = s.lstrip("-")
    if style.leading_zero is False or (style.leading_zero == "bounded" and bounded):
        s = _strip_zero(s)
    return s


def format_p(p, digits: int = 3, *, style: TableStyle | None = None) -> str:
    """A p-value: ``< .001`` below 10^-digits, else with ``digits`` decimals (no leading zero
    under the APA convention).

    >>> format_p(0.0004), format_p(0.0312), format_p(float("nan"))
    ('< .001', '.031', '')
    """
    style = style or TableStyle()
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return ""
    p = float(p)
    floor = 10.0 ** -digits
    if p < floor:
        return "< " + format_number(floor, digits, bounded=True, style=style)
    return format_number(p, digits, bounded=True, style=style)


def stars(p, style: TableStyle | None = None) -> str:
    """``*``, ``**`` or ``***`` by the style's significance levels (``""`` for NaN).

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
    """

    name: str
    data: pd.DataFrame
    columns: tuple
    title: str = ""
    notes: tuple = ()
    style: TableStyle = field(default_factory=TableStyle)
    labels: Labels | None = None

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
        """The same table with another style (``lang=`` also relabels it if built for it)."""
        return replace(self, style=replace(self.style, **changes))

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
        """The printed cells (strings, ASCII minus) with translated headers."""
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
        """The printed table as CSV (UTF-8, ``\\n`` line ends, ASCII minus)."""
        buf = io.StringIO()
        self.formatted().to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue()

    def to_markdown(self) -> str:
        """A pandoc pipe table with its caption (``Table: ...``) and notes."""
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
        """An HTML ``<table class="csi-table">`` with caption and a footer of notes."""
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

    def to_docx(self, path=None, *, document=None):
        """Add the table to a python-docx ``document`` (a new one if None) as a three-line
        table; with ``path``, save it there (deterministically: fixed zip timestamps).
        Returns the document."""
        doc = document if document is not None else _new_document(self.style.lang)
        _add_docx_table(doc, self)
        if path is not None:
            write_docx(doc, path)
        return doc

    def render(self, fmt: str) -> str | bytes:
        """The table in one of :data:`FORMATS` (``docx`` gives bytes)."""
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
        """Write ``<name>.<fmt>`` for each format into ``directory``; returns the paths."""
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


def _new_document(lang: str = "en"):
    import datetime as _dt

    import docx
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = docx.Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(10.5)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), "SimSun")
    cp = doc.core_properties
    fixed = _dt.datetime(2000, 1, 1)
    cp.created = cp.modified = cp.last_printed = fixed
    cp.author = cp.last_modified_by = "csi_model"
    cp.revision = 1
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


def _add_docx_table(doc, table: Table) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    if table.title:
        p = doc.add_paragraph()
        p.add_run(table.title).bold = True
    cells = table._cells(table.style.minus)
    t = doc.add_table(rows=1 + len(cells), cols=len(table.columns))
    for j, (h, c) in enumerate(zip(table.headers, table.columns)):
        cell = t.rows[0].cells[j]
        cell.text = h
        _border(cell, top=12, bottom=6)
        if c.numeric:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for i, row in enumerate(cells, start=1):
        for j, (v, c) in enumerate(zip(row, table.columns)):
            cell = t.rows[i].cells[j]
            cell.text = v
            if c.numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if i == len(cells):
                _border(cell, bottom=12)
    for row in t.rows:
        for cell in row.cells:
            for par in cell.paragraphs:
                for run in par.runs:
                    run.font.size = Pt(9)
    notes = table.all_notes
    if notes:
        p = doc.add_paragraph()
        p.add_run(table._labels.note("note") + " ").italic = True
        p.add_run(" ".join(notes)).font.size = Pt(9)


def write_docx(document, path_or_buffer) -> None:
    """Save a python-docx document with fixed zip timestamps (byte-identical rebuilds)."""
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
def _setup(lang, style, codebook=None, labels=None):
    style = style or TableStyle(lang=lang)
    if style.lang != lang:
        style = replace(style, lang=lang)
    labels = labels or Labels(lang, codebook)
    return style, labels


def _T(name, data, columns, lab, style, title_kw=None, notes=()):
    return Table(name, data.reset_index(drop=True), tuple(columns),
                 title=lab.title(name, **(title_kw or {})), notes=tuple(n for n in notes if n),
                 style=style, labels=lab)


def item_descriptives(survey, spec=None, *, codebook=None, lang: str = "en",
                      style: TableStyle | None = None, wording: bool = True) -> Table:
    """Item N, mean, SD, min, max, skewness and excess kurtosis, grouped by construct.

    ``survey`` is a :class:`~csi_model.survey.read.Survey` or DataFrame; ``spec`` orders the items
    by construct (default: every numeric column). Wording comes from ``codebook`` (or the
    survey's codebook) in the table's language.
    """
    data = survey.data if hasattr(survey, "data") else pd.DataFrame(survey)
    codebook = codebook if codebook is not None else getattr(survey, "codebook", None)
    style, lab = _setup(lang, style, codebook)
    if spec is not None:
        pairs = [(lv, it) for lv, its in spec.indicators.items() for it in its if it in data]
    else:
        pairs = [("", c) for c in data.columns if pd.api.types.is_numeric_dtype(data[c])]
    rows = []
    for lv, it in pairs:
        x = pd.to_numeric(data[it], errors="coerce").dropna()
        rows.append({"construct": lv, "item": it, "wording": lab.item(it), "n": len(x),
                     "mean": x.mean(), "sd": x.std(ddof=1), "min": x.min(), "max": x.max(),
                     "skew": x.skew(), "kurtosis": x.kurt()})
    df = pd.DataFrame(rows)
    df.loc[df["construct"].duplicated(), "construct"] = np.nan
    cols = [Column("construct", "construct", "construct"), Column("item", "item", "text")]
    if wording and codebook is not None:
        cols.append(Column("wording", "wording", "longtext"))
    cols += [Column("n", "n", "int"), Column("mean", "mean", digits=2),
             Column("sd", "sd", digits=2), Column("min", "min", "int"), Column("max", "max", "int"),
             Column("skew", "skew", digits=2), Column("kurtosis", "kurtosis", digits=2)]
    return _T("item_descriptives", df, cols, lab, style)


def sampling_adequacy(m, *, lang: str = "en", style: TableStyle | None = None) -> Table:
    """KMO, Bartlett's test of sphericity and the parallel analysis of a MeasurementResult."""
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


def efa_loadings(m, *, hide_below: float = 0.30, lang: str = "en",
                 style: TableStyle | None = None) -> Table:
    """EFA pattern loadings (items x factors, factors named by their matched construct)."""
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


def measurement_model(m, *, lang: str = "en", style: TableStyle | None = None) -> Table:
    """Standardized loadings with alpha, CR (rho_c) and AVE on each construct's first row."""
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


def fornell_larcker(m, *, lang: str = "en", style: TableStyle | None = None) -> Table:
    """sqrt(AVE) on the diagonal, latent correlations below (Fornell & Larcker 1981)."""
    style, lab = _setup(lang, style)
    if m.fornell_larcker is None:
        raise ValueError("The measurement result has no Fornell-Larcker matrix (the CFA failed).")
    return _lower_triangle("fornell_larcker", m.fornell_larcker, lab, style, diag=True,
                           notes=(lab.note("fl"),), bounded=True)


def htmt(m, *, lang: str = "en", style: TableStyle | None = None) -> Table:
    """Heterotrait-monotrait ratios below the diagonal (Henseler et al. 2015)."""
    style, lab = _setup(lang, style)
    thr = format_number(m.thresholds.htmt, 2, bounded=True, style=style)
    return _lower_triangle("htmt", m.htmt, lab, style, diag=False,
                           notes=(lab.note("htmt", thr=thr),), bounded=False)


def fit_measures(results: Any, *, lang: str = "en", style: TableStyle | None = None) -> Table:
    """Chi-square, df, chi-square/df, p, CFI, TLI, RMSEA [90% CI] and SRMR, one row per model.

    ``results`` is one fit (SEMResult, or a Series of lavaan-named fit measures) or a
    mapping ``{row label: fit}``; row labels that are header keys (``"cfa"``, ``"sem"``)
    are translated.
    """
    style, lab = _setup(lang, style)
    if not isinstance(results, dict):
        results = {"sem": results}
    rows = []
    for key, r in results.items():
        fm = r.fit_measures if hasattr(r, "fit_measures") else pd.Series(r)
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
    return _T("fit_measures", df, cols, lab, style, notes=(lab.note("fit"),))


def hypotheses(result, *, alpha: float = 0.05, lang: str = "en",
               style: TableStyle | None = None, table: pd.DataFrame | None = None,
               expected=None, test: str = "two-sided") -> Table:
    """The structural paths as hypotheses: expected sign, beta (with stars) and the interval
    of beta itself, B with its interval, SE, z, p, supported.

    ``table`` is :func:`csi_model.hypotheses`'s output (computed here when None, with
    ``alpha``, ``expected`` and ``test``). "Supported" means significant in the expected
    direction; the note says which test and which interval.
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
              notes=(lab.note("hypotheses", ci=ci, alpha=f"{alpha:g}",
                                test=" / ".join(lab.header(t) for t in tests)),))


def effects(result, *, lang: str = "en", style: TableStyle | None = None,
            table: pd.DataFrame | None = None) -> Table:
    """Completely standardized direct, indirect and total effects, each with the stars of its
    own test, and the interval of the indirect effect.

    ``table`` is ``csi_model.effects(result, standardized=True, shape="wide")`` (computed here
    when None).
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
    if boot is not None:
        extra = (f"; intervals: bootstrap percentile, B = {boot.B}" if lang == "en" else
                 f"；区间为 Bootstrap 百分位区间，B = {boot.B}")
    else:
        extra = "; intervals: delta method" if lang == "en" else "；区间由 delta 法计算"
    return _T("effects", df, cols, lab, style, notes=(lab.note("effects", boot=extra),))


def index_scores(index_result, *, lang: str = "en", style: TableStyle | None = None,
                 name: str = "index_scores", by_label: str | None = None) -> Table:
    """The 0-100 index of each construct: all respondents and each group (1 decimal)."""
    style, lab = _setup(lang, style)
    t = index_result.table
    wide = t.pivot_table(index="latent", columns="group", values="index", sort=False)
    latents = list(dict.fromkeys(t["latent"]))
    groups = list(dict.fromkeys(t["group"]))
    wide = wide.loc[latents, groups]
    df = wide.reset_index().rename(columns={"latent": "construct"})
    df.columns = ["construct"] + [f"g{i}" for i in range(len(groups))]
    cols = [Column("construct", "construct", "construct")]
    for i, g in enumerate(groups):
        cols.append(Column(f"g{i}", "overall" if g == "(all)" else str(g), digits=1))
    return Table(name, df, tuple(cols), title=lab.title("index_scores"),
                 notes=(lab.note("index"),), style=style, labels=lab)


def ipma(index_result, *, lang: str = "en", style: TableStyle | None = None) -> Table:
    """Importance (total effect), performance (index) and impact of each driver."""
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


def invariance(inv, *, lang: str = "en", style: TableStyle | None = None) -> Table:
    """The invariance ladder with chi-square difference tests and CFI/RMSEA changes."""
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


def group_paths(differences: pd.DataFrame, *, by: str, lang: str = "en",
                style: TableStyle | None = None) -> Table:
    """Paths of two groups, their difference (with stars of the Wald test) and the test."""
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
    out = [item_descriptives(a.survey, a.spec, codebook=a.codebook, **kw)]
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
        out.append(fit_measures(fits, **kw))
        out.append(hypotheses(a.sem, **kw))
        out.append(effects(a.sem, **kw))
    if a.index is not None:
        out.append(index_scores(a.index, **kw))
        out.append(ipma(a.index, **kw))
    if a.invariance is not None:
        out.append(invariance(a.invariance, **kw))
    if a.path_differences is not None:
        out.append(group_paths(a.path_differences, by=a.compare_by, **kw))
    return out
