"""What every subcommand shares: the parser class, the arguments defined once (SURVEY,
--model, --missing-codes, --json, --out, --quiet), reading a survey with its warnings,
checking and writing outputs atomically."""
from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import textwrap
import warnings
from pathlib import Path
from typing import Any, Sequence

PROG = "csi-model"
EXIT_USER_ERROR = 2
EXIT_INTERNAL_ERROR = 1
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


def check_bootstrap(args: argparse.Namespace) -> None:
    if args.bootstrap < 0:
        raise UsageError(f"--bootstrap must be a positive number of resamples. Got {args.bootstrap}.")
    if args.bootstrap and args.seed is None:
        raise UsageError("--bootstrap needs --seed S (an integer), so that it can be reproduced.")


# ============================================================================ reading
def read_survey_for(spec, path: Path, *, missing_codes, items: Sequence[str] | None = None):
    """Read the survey for ``spec``; returns (survey, warnings while reading).

    Warnings are captured (they go into the reports, not stderr); a model variable that is
    not a column is reported with the model's file and line.
    """
    from ..exceptions import CSIModelWarning, SurveyDataError
    from ..survey.read import read_survey

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            survey = read_survey(str(path), items=list(items if items is not None
                                                       else spec.observed),
                                 missing_codes=missing_codes)
        except SurveyDataError as exc:
            raise_if_model_variable_absent(spec, path, exc)
            raise
    data_warnings = [str(w.message) for w in caught if issubclass(w.category, CSIModelWarning)]
    data_warnings += [w for w in survey.report.warnings if w not in data_warnings]
    return survey, data_warnings


def raise_if_model_variable_absent(spec, path: Path, exc: Exception) -> None:
    """If a model variable is not a column, say so with the model's file and line.

    read_survey's own message names the data file only; ModelSpec.check_against names the
    model line too. Any problem reading the columns here leaves the original error.
    """
    try:
        from ..survey.read import _load
        columns = [str(c) for c in _load(str(path), sheet=0, encoding=None).frame.columns]
    except Exception:  # noqa: BLE001 - fall back to read_survey's message
        return
    if set(spec.observed) - set(columns):
        spec.check_against(columns, data_source=str(path))


def all_warnings(result, data_warnings: Sequence[str]) -> list[str]:
    out = list(result.warnings)
    out += [w for w in data_warnings if w not in out]
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
    if out_dir is not None:
        if out_dir.exists() and not out_dir.is_dir():
            raise UsageError(f"--out DIR must be a directory; '{out_dir}' is a file.")
        for src in inputs:
            if src.parent.resolve() == out_dir.resolve() and src.name in protected:
                raise UsageError(f"--out '{out_dir}' would overwrite the input '{src}'. "
                                 "Choose another directory.")


def write_json(path: Path, payload: dict) -> None:
    import json
    write_text(path, json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) atomically: a temporary file in the same directory, then os.replace."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise FileNotFoundError(2, "Output directory does not exist", str(parent))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
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
