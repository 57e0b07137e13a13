"""Reading a survey for a subcommand (warnings captured for the reports) and checking and
writing its outputs atomically."""
from __future__ import annotations

import contextlib
import os
import tempfile
import warnings
from pathlib import Path
from typing import Sequence

from ._common import EXIT_NOT_CONVERGED, UsageError


# ============================================================================ reading
def read_survey_for(spec, path: Path, *, missing_codes, items: Sequence[str] | None = None,
                    options: dict | None = None, codebook=None):
    """Read the survey for ``spec``; returns (survey, warnings while reading).

    ``options``: read_survey's scale, out_of_range, decimal and sheet (see read_options).
    Warnings are captured (they go into the reports, not stderr); messages name the
    command-line options; a model variable that is not a column is reported with the
    model's file and line.
    """
    from ..exceptions import CSIModelWarning, SurveyDataError
    from ..survey.read import option_names, read_survey

    options = dict(options or {})
    with warnings.catch_warnings(record=True) as caught, option_names("cli"):
        warnings.simplefilter("always")
        try:
            survey = read_survey(str(path), codebook, items=list(items if items is not None
                                                                 else spec.observed),
                                 missing_codes=missing_codes, **options)
        except SurveyDataError as exc:
            raise_if_model_variable_absent(spec, path, exc, options.get("sheet"))
            raise
    data_warnings = [str(w.message) for w in caught if issubclass(w.category, CSIModelWarning)]
    data_warnings += [w for w in survey.report.warnings if w not in data_warnings]
    return survey, data_warnings


def raise_if_model_variable_absent(spec, path: Path, exc: Exception, sheet=None) -> None:
    """If a model variable is not a column, say so with the model's file and line.

    read_survey's own message names the data file only; ModelSpec.check_against names the
    model line too. Any problem reading the columns here leaves the original error.
    """
    try:
        from ..survey.read import _load
        if sheet is None and path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            return                          # read_survey's message lists the sheets
        raw = _load(str(path), sheet=sheet)
        columns = [str(c) for c in (raw.header or raw.frame.columns)]
        if len(set(columns)) != len(columns):
            return                          # read_survey names the duplicate columns
    except Exception:  # noqa: BLE001 - fall back to read_survey's message
        return
    if set(spec.observed) - set(columns):
        spec.check_against(columns, data_source=str(path))


def not_in_report(survey, messages: Sequence[str]) -> list[str]:
    """The messages that the survey's report summary does not print already."""
    shown = set(survey.report.warnings)
    return [m for m in messages if m not in shown]


def all_warnings(result, data_warnings: Sequence[str]) -> list[str]:
    out = list(result.warnings)
    out += [w for w in data_warnings if w not in out]
    return out


def not_converged_message(result, survey, data_warnings: Sequence[str]) -> str:
    """One line: the fit did not converge, what was tried, the likely causes in the data."""
    causes = [w for w in data_warnings
              if "looks like a 'no answer' code" in w or "orders of magnitude" in w
              or "negative answer" in w]
    causes += _other_scale_items(survey, list(result.spec.observed))
    found = (" Likely causes found in the data: " + " | ".join(c.rstrip(".") for c in causes)
             + ".") if causes else (
        " No undeclared code or item on another scale was found in the data; the model "
        "may be misspecified or not identified.")
    return (f"the estimation did not converge (the ML optimizer stopped after "
            f"{result.iterations} iterations from semopy's start values without reaching a "
            f"maximum): the results are not estimates.{found} Exit status "
            f"{EXIT_NOT_CONVERGED}.")


def _other_scale_items(survey, items: list) -> list[str]:
    import numpy as np
    tops = {c: float(np.nanmax(survey.data[c])) for c in items
            if c in survey.data and survey.data[c].notna().any()}
    if len(tops) < 3:
        return []
    typical = float(np.median(list(tops.values())))
    out = [f"item '{c}' reaches {top:g} while most items stop at {typical:g} (another scale?)"
           for c, top in tops.items() if typical > 0 and (top > 2 * typical or top < typical / 2)]
    cols = list(tops)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = survey.data[cols].corr().to_numpy()
    for i in range(len(cols)):
        for j in range(i + 1, len(cols)):
            if abs(r[i, j]) >= 0.999:
                out.append(f"items '{cols[i]}' and '{cols[j]}' are (almost) copies of each "
                           f"other (r = {r[i, j]:.4f}): the covariance matrix is singular")
    return out


def print_with_warnings(summary, warnings_: Sequence[str]) -> None:
    """Print a result's summary with ``warnings_`` (the result's and the data's) at its end."""
    print(type(summary)(summary.title, summary.header, summary.tables,
                        tuple(warnings_)).as_text())


# ============================================================================ writing
def check_outputs(inputs: Sequence[Path], json_path: Path | None, out_dir: Path | None,
                  protected: Sequence[str] = (), *, file_flag: str = "--json") -> None:
    """Refuse outputs that would overwrite an input or cannot be a directory.

    ``json_path`` is the output file given with ``file_flag``; ``protected``: the file names
    the command writes into ``out_dir``.
    """
    def same(a: Path, b: Path) -> bool:
        try:
            return a.resolve() == b.resolve()
        except OSError:
            return False
    if json_path is not None:
        if json_path.is_dir():
            raise UsageError(f"{file_flag} OUT must be a file name; '{json_path}' is a "
                             "directory.")
        for src in inputs:
            if same(json_path, src):
                raise UsageError(f"{file_flag} '{json_path}' would overwrite the input '{src}'. "
                                 "Choose another file name.")
        parent = json_path.parent if str(json_path.parent) else Path(".")
        if not parent.is_dir():
            raise UsageError(f"{file_flag} '{json_path}': the directory '{parent}' does not "
                             "exist. Create it first or choose another path.")
        _check_writable(file_flag, json_path, parent)
    if out_dir is not None:
        if out_dir.exists() and not out_dir.is_dir():
            raise UsageError(f"--out DIR must be a directory; '{out_dir}' is a file.")
        for src in inputs:
            if src.parent.resolve() == out_dir.resolve() and src.name in protected:
                raise UsageError(f"--out '{out_dir}' would overwrite the input '{src}'. "
                                 "Choose another directory.")
        check_out_dir("--out", out_dir)


def check_out_dir(flag: str, out_dir: Path) -> None:
    """``out_dir`` can be made (or replaced): its nearest existing ancestor is writable."""
    anchor = out_dir.parent if str(out_dir.parent) else Path(".")
    while not anchor.exists() and anchor != anchor.parent:
        anchor = anchor.parent
    if not anchor.is_dir():
        raise UsageError(f"{flag} '{out_dir}': '{anchor}' is not a directory.")
    _check_writable(flag, out_dir, anchor)
    if out_dir.is_dir():
        _check_writable(flag, out_dir, out_dir)


def _check_writable(flag: str, target: Path, directory: Path) -> None:
    if not os.access(directory, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} '{target}': cannot write in '{directory}' (permission "
                         "denied). Choose another path; nothing was computed.")


def write_json(path: Path, payload: dict) -> None:
    import json
    write_text(path, json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) atomically: a temporary file in the same directory, then os.replace."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise FileNotFoundError(2, "Output directory does not exist", str(parent))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:               # name the user's path, not the temporary file
        raise type(exc)(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise

