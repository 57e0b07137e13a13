"""Codebooks: what each survey item asks, its scale, reverse coding and missing codes.

A codebook is a table with one row per item::

    item,latent,wording_en,wording_zh,scale_min,scale_max,reverse,missing_codes
    SAT1,SAT,"Overall, how satisfied are you?",总体而言，您的满意程度如何？,1,10,false,99

``item``, ``latent``, ``scale_min`` and ``scale_max`` are required; ``wording_en``,
``wording_zh``, ``reverse`` (``true``/``false``, empty = false) and ``missing_codes``
(numbers separated by semicolons, e.g. ``98;99``) are optional. ``latent`` may be
empty for items that are not indicators of the model (screening questions, demographics).

The telecom model's codebook ships with the package (``load_codebook("telecom")``).
:func:`csi_model.survey.read.read_survey` uses a codebook to find the item columns, turn
missing codes into missing values, check the scale range and flip reverse-coded items.
"""
from __future__ import annotations

import difflib
import html
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import SurveyDataError

__all__ = ["Codebook", "CodebookError", "load_codebook", "bundled_codebooks"]

REQUIRED_COLUMNS = ("item", "latent", "scale_min", "scale_max")
OPTIONAL_COLUMNS = ("wording_en", "wording_zh", "reverse", "missing_codes")
COLUMNS = ("item", "latent", "wording_en", "wording_zh", "scale_min", "scale_max", "reverse",
           "missing_codes")
_TRUE = {"true", "t", "yes", "y", "1", "1.0", "reverse", "reversed"}
_FALSE = {"false", "f", "no", "n", "0", "0.0", ""}
_LANGS = ("en", "zh")


class CodebookError(SurveyDataError):
    """A codebook that cannot be used: missing columns, bad values, or disagreement with the model.

    Examples
    --------
    >>> import pandas as pd
    >>> from csi_model import load_model
    >>> cb = Codebook.from_frame(pd.DataFrame({"item": ["SAT1"], "latent": ["SAT"],
    ...                                         "scale_min": [1], "scale_max": [10]}))
    >>> try:
    ...     cb.check_spec(load_model("acsi"))
    ... except CodebookError as exc:
    ...     print(str(exc).split(":")[0])
    The codebook <DataFrame> has no row for 18 indicator(s) of acsi.lav
    """


@dataclass(frozen=True, eq=False)
class Codebook:
    """Item wording, scale, reverse coding and missing codes of a survey.

    Use :func:`load_codebook` or :meth:`from_frame` to make one.

    Attributes
    ----------
    items : pandas.DataFrame
        Indexed by item code, with columns ``latent`` (str, "" if none), ``wording_en``,
        ``wording_zh`` (str), ``scale_min``, ``scale_max`` (float), ``reverse`` (bool) and
        ``missing_codes`` (tuple of float).
    source : str
        The file the codebook was read from (``"telecom_codebook.csv"`` for the bundled one).

    Examples
    --------
    >>> cb = load_codebook("telecom")
    >>> len(cb), cb.scale("SAT1"), cb.missing_codes("SAT1")
    (24, (1.0, 10.0), (99.0,))
    >>> cb.label("LOY3")
    'How likely are you to recommend [Operator] to friends and colleagues?'
    >>> cb.label("LOY3", lang="zh")
    '您向朋友和同事推荐[运营商]的可能性有多大？'
    >>> cb.reverse_items
    ()
    """

    items: pd.DataFrame
    source: str = "<codebook>"

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, source: str = "<DataFrame>",
                   first_row: int = 2) -> "Codebook":
        """Validate a codebook table and make a :class:`Codebook`.

        Parameters
        ----------
        frame : pandas.DataFrame
            One row per item with the columns described in the module docstring.
            The frame is not modified.
        source : str
            Name of the file (for error messages).
        first_row : int
            Row number of the frame's first row in messages (2 for a file with a header line).

        Raises
        ------
        CodebookError
            If a required column is missing, an item code is duplicated or empty, a scale
            bound is not a number, ``scale_min >= scale_max``, a ``reverse`` flag or a
            missing code cannot be read. The message names the file, row and column.

        Examples
        --------
        >>> cb = Codebook.from_frame(pd.DataFrame({
        ...     "item": ["Q1", "Q2"], "latent": ["SAT", "SAT"],
        ...     "scale_min": [1, 1], "scale_max": [5, 5], "reverse": ["false", "true"],
        ...     "missing_codes": ["9", "8;9"]}))
        >>> cb.reverse_items, cb.missing_codes("Q2")
        (('Q2',), (8.0, 9.0))
        """
        if not isinstance(frame, pd.DataFrame):
            raise TypeError("The 'frame' argument of Codebook.from_frame must be a pandas "
                            f"DataFrame. Got {type(frame).__name__} instead.")
        df = frame.copy()
        df.columns = [str(c).strip().lower() for c in df.columns]
        missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
        if missing:
            found = ", ".join(map(repr, df.columns))
            hints = []
            for m in missing:
                close = difflib.get_close_matches(m, list(df.columns), n=1)
                if close:
                    hints.append(f"'{close[0]}' -> '{m}'")
            hint = f" Rename {', '.join(hints)}." if hints else ""
            raise CodebookError(
                f"{source}: the codebook lacks the required column(s) "
                f"{', '.join(map(repr, missing))}. Found: {found}. A codebook needs the columns "
                f"{', '.join(COLUMNS)} ({', '.join(OPTIONAL_COLUMNS)} may be omitted).{hint}")
        rows: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        for pos, (_, rec) in enumerate(df.iterrows()):
            rowno = first_row + pos
            where = f"{source}, row {rowno}"
            item = _text(rec.get("item"))
            if not item:
                raise CodebookError(f"{where}, column 'item': the item code is empty. Give every "
                                    "row an item code (the survey's column name), or delete the row.")
            if item in seen:
                raise CodebookError(f"{where}, column 'item': the item code '{item}' is a "
                                    f"duplicate of row {seen[item]}. Each item must appear once.")
            seen[item] = rowno
            lo = _number(rec.get("scale_min"), f"{where}, column 'scale_min' (item '{item}')")
            hi = _number(rec.get("scale_max"), f"{where}, column 'scale_max' (item '{item}')")
            if not lo < hi:
                raise CodebookError(
                    f"{where}: item '{item}' has scale_min = {_fmt(lo)} >= scale_max = {_fmt(hi)}. "
                    "Put the lowest answer code in scale_min and the highest in scale_max "
                    "(e.g. 1 and 10).")
            rev_text = _text(rec.get("reverse")).lower()
            if rev_text in _TRUE:
                reverse = True
            elif rev_text in _FALSE:
                reverse = False
            else:
                raise CodebookError(
                    f"{where}, column 'reverse' (item '{item}'): cannot read {rec.get('reverse')!r} "
                    "as a reverse-coding flag. Write true or false (yes/no and 1/0 are also "
                    "accepted; empty means false).")
            codes = []
            for tok in _text(rec.get("missing_codes")).replace(",", ";").split(";"):
                tok = tok.strip()
                if tok:
                    codes.append(_number(tok, f"{where}, column 'missing_codes' (item '{item}')",
                                         hint="Separate several codes with semicolons, e.g. 98;99."))
            rows.append(dict(item=item, latent=_text(rec.get("latent")),
                             wording_en=_text(rec.get("wording_en")),
                             wording_zh=_text(rec.get("wording_zh")),
                             scale_min=lo, scale_max=hi, reverse=reverse,
                             missing_codes=tuple(codes)))
        if not rows:
            raise CodebookError(f"{source}: the codebook has no rows. Add one row per survey item.")
        items = pd.DataFrame(rows, columns=list(COLUMNS)).set_index("item")
        items["scale_min"] = items["scale_min"].astype("float64")
        items["scale_max"] = items["scale_max"].astype("float64")
        items["reverse"] = items["reverse"].astype(bool)
        return cls(items=items, source=source)

    # ------------------------------------------------------------------ look-ups
    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, item: object) -> bool:
        return item in self.items.index

    def __iter__(self):
        return iter(self.items.index)

    @property
    def item_codes(self) -> tuple[str, ...]:
        """All item codes, in codebook order."""
        return tuple(self.items.index)

    def _row(self, item: str) -> pd.Series:
        if item not in self.items.index:
            close = difflib.get_close_matches(str(item), list(self.items.index), n=3)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise CodebookError(f"'{item}' is not an item of the codebook {self.source}.{hint}")
        return self.items.loc[item]

    def scale(self, item: str) -> tuple[float, float]:
        """The lowest and highest valid answer code of ``item``.

        Examples
        --------
        >>> load_codebook("telecom").scale("QUAL1")
        (1.0, 10.0)
        """
        row = self._row(item)
        return float(row["scale_min"]), float(row["scale_max"])

    def missing_codes(self, item: str) -> tuple[float, ...]:
        """The codes of ``item`` that mean "no answer" (e.g. ``(99.0,)``).

        Examples
        --------
        >>> load_codebook("telecom").missing_codes("QUAL1")
        (99.0,)
        """
        return tuple(self._row(item)["missing_codes"])

    @property
    def reverse_items(self) -> tuple[str, ...]:
        """Items worded negatively, to be flipped (``min + max - x``) before analysis."""
        return tuple(self.items.index[self.items["reverse"].to_numpy(dtype=bool)])

    def latent(self, item: str) -> str:
        """The latent the item measures ("" if none).

        Examples
        --------
        >>> load_codebook("telecom").latent("QUAL1")
        'QUAL'
        """
        return str(self._row(item)["latent"])

    def label(self, item: str, lang: str = "en") -> str:
        """The question wording of ``item`` in English (``"en"``) or Chinese (``"zh"``).

        Falls back to the other language, then to the item code, if the wording is empty.

        Examples
        --------
        >>> load_codebook("telecom").label("SAT1")
        'Overall, how satisfied are you with [Operator]?'
        """
        if lang not in _LANGS:
            raise ValueError(f"The 'lang' parameter of Codebook.label must be one of "
                             f"{list(_LANGS)}. Got {lang!r} instead.")
        row = self._row(item)
        other = "zh" if lang == "en" else "en"
        return str(row[f"wording_{lang}"] or row[f"wording_{other}"] or item)

    def labels(self, lang: str = "en") -> dict[str, str]:
        """Mapping item code -> wording for every item (see :meth:`label`).

        Examples
        --------
        >>> wording = load_codebook("telecom").labels("zh")
        >>> wording["SAT1"]
        '总体而言，您对[运营商]的满意程度如何？'
        """
        return {item: self.label(item, lang) for item in self.items.index}

    # ------------------------------------------------------------------ model check
    def check_spec(self, spec: Any) -> None:
        """Raise :class:`CodebookError` unless the codebook describes every item of ``spec``.

        Every indicator of the model must have a codebook row, and the row's ``latent``
        must be the latent the model measures it with. Codebook items that the model does
        not use are allowed.

        Parameters
        ----------
        spec : ModelSpec
            E.g. ``load_model("telecom")``.

        Examples
        --------
        >>> from csi_model.model.spec import ModelSpec, load_model
        >>> cb = load_codebook("telecom")
        >>> cb.check_spec(load_model("telecom"))
        >>> cb.check_spec(ModelSpec.from_syntax("SAT =~ SAT1 + SAT2 + CUSA3"))
        Traceback (most recent call last):
        ...
        csi_model.survey.codebook.CodebookError: The codebook telecom_codebook.csv has no row for 1 indicator(s) of the model 'model': CUSA3. ...
        >>> cb.check_spec(ModelSpec.from_syntax("SAT =~ SAT1 + SAT2 + LOY1"))
        Traceback (most recent call last):
        ...
        csi_model.survey.codebook.CodebookError: telecom_codebook.csv, row 23: the codebook says item 'LOY1' measures 'LOY', but the model 'model' uses it as an indicator of 'SAT'. ...
        """
        indicators: dict[str, tuple[str, ...]] = spec.indicators
        model_name = getattr(spec, "source", None) or f"the model '{getattr(spec, 'name', 'model')}'"
        owners: dict[str, list[str]] = {}
        for lv, inds in indicators.items():
            for ind in inds:
                if ind not in indicators:          # second-order: indicator is a latent
                    owners.setdefault(ind, []).append(lv)
        absent = [i for i in owners if i not in self.items.index]
        if absent:
            hints = []
            for a in absent:
                close = difflib.get_close_matches(a, list(self.items.index), n=1)
                if close:
                    hints.append(f"'{a}' (codebook has '{close[0]}')")
            hint = f" Close matches: {', '.join(hints)}." if hints else ""
            raise CodebookError(
                f"The codebook {self.source} has no row for {len(absent)} indicator(s) of "
                f"{model_name}: {', '.join(absent)}.{hint} Add a row for each item "
                "(item, latent, wording, scale) or use the codebook written for this model.")
        for item, lvs in owners.items():
            cb_latent = str(self.items.at[item, "latent"])
            if cb_latent not in lvs:
                row = self._file_row(item)
                raise CodebookError(
                    f"{self.source}, row {row}: the codebook says item '{item}' measures "
                    f"'{cb_latent or '(empty)'}', but {model_name} uses it as an indicator of "
                    f"{' and '.join(repr(x) for x in lvs)}. Correct the codebook's 'latent' "
                    "column or the model.")

    def _file_row(self, item: str) -> int:
        return int(self.items.index.get_loc(item)) + 2

    # ------------------------------------------------------------------ display
    def to_frame(self) -> pd.DataFrame:
        """The codebook as a table in file layout (``missing_codes`` as ``"98;99"`` text).

        Examples
        --------
        >>> load_codebook("telecom").to_frame().iloc[:2, :4]
            item  ...          wording_zh
        0  IMAG1  ...    [运营商]是一个值得信赖的品牌。
        1  IMAG2  ...  [运营商]的服务具有创新性和前瞻性。
        <BLANKLINE>
        [2 rows x 4 columns]
        """
        out = self.items.reset_index()
        out["missing_codes"] = [";".join(_fmt(c) for c in codes) for codes in out["missing_codes"]]
        return out

    def __repr__(self) -> str:
        latents = [lv for lv in dict.fromkeys(self.items["latent"]) if lv]
        return (f"Codebook(source={self.source!r}, {len(self)} items, latents: "
                f"{', '.join(latents) or 'none'}, reverse: {', '.join(self.reverse_items) or 'none'})")

    def _repr_html_(self) -> str:
        caption = html.escape(f"Codebook {self.source}: {len(self)} items")
        return self.to_frame().to_html(index=False, na_rep="").replace(
            "<thead>", f"<caption>{caption}</caption>\n  <thead>", 1)


# ---------------------------------------------------------------------- loading
def bundled_codebooks() -> list[str]:
    """Names of the codebooks shipped with csi_model.

    Examples
    --------
    >>> "telecom" in bundled_codebooks()
    True
    """
    root = resources.files("csi_model.models")
    return sorted(p.name[: -len("_codebook.csv")] for p in root.iterdir()
                  if p.name.endswith("_codebook.csv"))


def load_codebook(name_or_path: "str | Path | Codebook", *, sheet: int | str = 0) -> Codebook:
    """Load a bundled codebook by name, or a codebook file (.csv, .tsv, .xlsx).

    Parameters
    ----------
    name_or_path : str, Path or Codebook
        ``"telecom"`` (see :func:`bundled_codebooks`) or the path of a codebook file.
        A :class:`Codebook` is returned as it is.
    sheet : int or str
        The sheet of an Excel codebook.

    Raises
    ------
    CodebookError
        If the file does not exist, cannot be read, or is not a valid codebook.

    Examples
    --------
    >>> cb = load_codebook("telecom")
    >>> cb.items.loc["COMP1", "latent"]
    'COMP'
    >>> sorted(set(cb.items["latent"]))
    ['COMP', 'EXPE', 'IMAG', 'LOY', 'QUAL', 'SAT', 'VAL']
    """
    if isinstance(name_or_path, Codebook):
        return name_or_path
    if isinstance(name_or_path, pd.DataFrame):
        return Codebook.from_frame(name_or_path)
    text = str(name_or_path)
    if isinstance(name_or_path, str) and not Path(text).suffix and "/" not in text \
            and "\\" not in text:
        if text in bundled_codebooks():
            res = resources.files("csi_model.models") / f"{text}_codebook.csv"
            frame = _read_table(res.read_text(encoding="utf-8"), ",")
            return Codebook.from_frame(frame, source=f"{text}_codebook.csv")
        if not Path(text).exists():
            raise CodebookError(f"Unknown codebook {text!r}. The 'name_or_path' argument must be "
                                f"one of {bundled_codebooks()} or the path of a .csv/.xlsx file.")
    path = Path(name_or_path)
    if not path.is_file():
        raise CodebookError(f"Codebook file not found: '{path}'. Pass the path of an existing "
                            f".csv or .xlsx file or one of the bundled codebooks {bundled_codebooks()}.")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        raw = path.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                content = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes nearly anything
            raise CodebookError(f"Cannot decode '{path}' as UTF-8 or GB18030. Save it as UTF-8.")
        first = content.split("\n", 1)[0]
        sep = "\t" if suffix == ".tsv" or first.count("\t") > first.count(",") else (
            ";" if first.count(";") > first.count(",") else ",")
        frame = _read_table(content, sep)
    elif suffix in (".xlsx", ".xlsm"):
        try:
            frame = pd.read_excel(path, sheet_name=sheet, dtype=str, keep_default_na=False,
                                  engine="openpyxl")
        except (ValueError, KeyError) as exc:
            raise CodebookError(f"Cannot read sheet {sheet!r} of '{path}': {exc}") from exc
    else:
        raise CodebookError(f"Cannot read the codebook '{path}': unknown file extension "
                            f"'{path.suffix}'. Allowed: .csv, .tsv, .txt, .xlsx, .xlsm.")
    return Codebook.from_frame(frame, source=str(path))


# ---------------------------------------------------------------------- helpers
def _read_table(content: str, sep: str) -> pd.DataFrame:
    import io
    return pd.read_csv(io.StringIO(content), sep=sep, dtype=str, keep_default_na=False,
                       skip_blank_lines=True)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _number(value: Any, where: str, hint: str = "") -> float:
    text = _text(value)
    try:
        out = float(text)
    except ValueError:
        out = float("nan")
    if out != out or out in (float("inf"), float("-inf")):
        raise CodebookError(f"{where}: cannot read {text!r} as a number. "
                            f"{hint or 'Write a number such as 1 or 10.'}")
    return out


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))

