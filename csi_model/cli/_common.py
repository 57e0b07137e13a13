"""What every subcommand shares: the parser class, the arguments defined once (SURVEY,
--model, --missing-codes, --json, --out, --quiet), reading a survey with its warnings,
checking and writing outputs atomically."""
from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import tempfile
import textwrap
import warnings
from pathlib import Path
from typing import Any, Sequence

from .._atomic import atomic_directory  # noqa: F401  (re-exported for the subcommands)

PROG = "csi-model"
EXIT_INTERNAL_ERROR = 1
EXIT_USER_ERROR = 2
EXIT_NOT_CONVERGED = 3
#: The exit statuses of csi-model (printed by 'csi-model --help').
EXIT_STATUSES = (
    (0, "success"),
    (EXIT_INTERNAL_ERROR, "unexpected internal error (a bug: run again with --debug and report it)"),
    (EXIT_USER_ERROR, "bad input: a data file, model, option or output path (one line on stderr)"),
    (EXIT_NOT_CONVERGED, "the estimation did not converge: the results (if written) are not "
                         "estimates and must not be used"),
    (130, "interrupted (Ctrl-C, SIGTERM); outputs are left as they were before the run"),
)
#: Fewer bootstrap resamples than this give unstable SEs and percentile intervals (Efron &
#: Tibshirani 1993, ch. 6 and 19: about 200 for SEs, 1000 or more for intervals): a warning.
MIN_BOOTSTRAP_FOR_INTERVALS = 200
FORMATTER = argparse.RawDescriptionHelpFormatter


class UsageError(ValueError):
    """A bad command-line argument (exit status 2, one line on stderr)."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, raised rather than printed."""

    def error(self, message: str):  # type: ignore[override]
        msg = message[:1].upper() + message[1:]
        if not msg.endswith("."):
            msg += "."
        raise UsageError(f"{msg} See '{self.prog} --help'.")


def epilog(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


# ============================================================================ arguments
def survey_arguments(p: argparse.ArgumentParser, missing_codes: str = "") -> None:
    """SURVEY, --model and --missing-codes, the same in every subcommand that reads a survey."""
    p.add_argument("survey", metavar="SURVEY", help="survey file (.csv, .xlsx or .sav)")
    p.add_argument("--model", "-m", required=True, metavar="MODEL",
                   help="bundled model name (telecom, acsi, ecsi, ...) or path of a .lav file")
    default = f" (default {missing_codes})" if missing_codes else ""
    p.add_argument("--missing-codes", metavar="CODES", default=missing_codes,
                   help=f"comma-separated answer codes meaning 'no answer', e.g. 99,0{default}")
    data_arguments(p)


def data_arguments(p: argparse.ArgumentParser) -> None:
    """--scale, --out-of-range, --decimal and --sheet: how SURVEY's answers are read."""
    p.add_argument("--scale", metavar="MIN,MAX",
                   help="the item answer scale, e.g. 1,10: answers outside it are an error "
                        "(see --out-of-range); also the scale of the 0-100 index")
    p.add_argument("--out-of-range", choices=("error", "missing"), default="error",
                   dest="out_of_range",
                   help="answers outside --scale: an error (default) or set missing with a "
                        "warning")
    p.add_argument("--decimal", choices=(".", ","), default=".",
                   help="decimal mark of the answers (',' for 7,5; default '.')")
    p.add_argument("--sheet", metavar="SHEET",
                   help="the sheet of an Excel SURVEY (name or 0-based number; needed when "
                        "several sheets hold the items)")


def json_argument(p: argparse.ArgumentParser, help: str = "write the result as JSON") -> None:
    p.add_argument("--json", metavar="OUT", dest="json_out", help=help)


def out_argument(p: argparse.ArgumentParser, help: str, *, metavar: str = "DIR",
                 short: bool = False, **kwargs: Any) -> None:
    flags = ("--out", "-o") if short else ("--out",)
    p.add_argument(*flags, metavar=metavar, help=help, **kwargs)


def quiet_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")


def output_arguments(p: argparse.ArgumentParser, *, json: str | None = None,
                     out: str | None = None) -> None:
    """--json OUT (if ``json`` is its help), --out DIR (if ``out`` is its help) and --quiet."""
    if json is not None:
        json_argument(p, json)
    if out is not None:
        out_argument(p, out)
    quiet_argument(p)


# ============================================================================ values
def parse_codes(text: str) -> tuple[Any, ...]:
    """``"99,0"`` -> ``(99, 0)``; non-numeric entries stay strings (``"dk"``)."""
    if text is None or not text.strip():
        return ()
    out: list[Any] = []
    for part in text.split(","):
        tok = part.strip()
        if not tok:
            raise UsageError(f"--missing-codes must be a comma-separated list such as 99,0. "
                             f"Got {text!r} (an empty entry).")
        try:
            num = float(tok)
        except ValueError:
            out.append(tok)
        else:
            out.append(int(num) if num.is_integer() else num)
    return tuple(out)


def parse_scale(text: str | None):
    """``"1,10"`` -> ``(1.0, 10.0)``; None or "" -> None."""
    if not text:
        return None
    try:
        scale = tuple(float(p.strip()) for p in text.split(","))
    except ValueError:
        scale = ()
    if len(scale) != 2 or not scale[0] < scale[1]:
        raise UsageError(f"--scale must be MIN,MAX with MIN < MAX, e.g. 1,10. Got {text!r}.")
    return scale


def survey_path(args: argparse.Namespace) -> Path:
    path = Path(args.survey)
    if path.is_dir():
        raise UsageError(f"SURVEY must be a file; '{path}' is a directory.")
    return path


def model_inputs(spec, survey: Path) -> list[Path]:
    """The files a command reads: the survey and the model file (outputs must not overwrite them)."""
    return [survey] + ([Path(spec.source)] if spec.source and Path(spec.source).exists() else [])


def check_bootstrap(args: argparse.Namespace, *, flag: str = "--bootstrap",
                    need_seed: bool = True) -> list[str]:
    """Refuse fewer than 2 resamples (0 = none); returns a warning below the documented minimum."""
    b = getattr(args, flag.lstrip("-").replace("-", "_"))
    if b < 0 or b == 1:
        raise UsageError(f"{flag} must be 0 (no bootstrap) or at least 2 resamples; "
                         f"{MIN_BOOTSTRAP_FOR_INTERVALS} or more for standard errors and "
                         f"intervals (1000 or more recommended). Got {b}.")
    if need_seed and b and args.seed is None:
        raise UsageError(f"{flag} needs --seed S (an integer), so that it can be reproduced.")
    return bootstrap_warnings(b, flag)


def bootstrap_warnings(b: int, flag: str = "--bootstrap") -> list[str]:
    if 0 < b < MIN_BOOTSTRAP_FOR_INTERVALS:
        return [f"{flag} {b}: fewer than {MIN_BOOTSTRAP_FOR_INTERVALS} resamples give unstable "
                "bootstrap standard errors and percentile intervals (1000 or more are "
                f"recommended for intervals); use {flag} 1000 before reporting them."]
    return []


def check_column(flag: str, name: str | None, columns: Sequence, source: str) -> None:
    """A --by/--wave/--compare value must be a column of the survey: else an error with the
    closest names."""
    if name is None or name in columns:
        return
    names = [str(c) for c in columns]
    close = difflib.get_close_matches(str(name), names, n=3, cutoff=0.4)
    close += [c for c in names if c.lower() == str(name).lower() and c not in close]
    hint = (f" Closest: {', '.join(repr(c) for c in close)}." if close else
            f" Its columns: {', '.join(names[:20])}{' ...' if len(names) > 20 else ''}.")
    raise UsageError(f"{flag} {name!r} is not a column of '{source}'.{hint}")


def read_options(args: argparse.Namespace) -> dict:
    """read_survey's keyword arguments from --scale, --out-of-range, --decimal and --sheet."""
    sheet = getattr(args, "sheet", None)
    if isinstance(sheet, str) and sheet.strip().isdigit():
        sheet = int(sheet)
    return dict(scale=parse_scale(getattr(args, "scale", None)),
                out_of_range=getattr(args, "out_of_range", "error"),
                decimal=getattr(args, "decimal", "."), sheet=sheet)


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

