"""What every subcommand shares: the parser class, the arguments defined once (SURVEY,
--model, --missing-codes, --json, --out, --quiet) and the parsing of their values. Reading
the survey and writing the outputs are in :mod:`._io`."""
from __future__ import annotations

import argparse
import difflib
import textwrap
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
_MISSING_HELP = {
    "cbsem": "respondents with a missing answer: dropped (listwise, default) or kept by FIML "
             "(fiml; 'ml' is lavaan's name for it)",
    "pls": "respondents with a missing answer: dropped (listwise, default), kept with item-mean "
           "replacement (mean; SmartPLS's and seminr's) or kept with PLS on the EM covariance "
           "matrix (em; alias ml)",
    "measurement": "respondents with a missing answer: dropped (listwise, default) or kept with "
                   "the EM covariance matrix and a FIML CFA (em; alias ml)",
    "analysis": "respondents with a missing answer: kept (ml: FIML for CB-SEM, the EM covariance "
                "matrix for PLS, the index and the measurement model) or dropped (listwise)",
}


def missing_argument(p: argparse.ArgumentParser, kind: str, default: str = "listwise",
                     extra: tuple[str, ...] = (), extra_help: str = "") -> None:
    """--missing, with the methods of the entry point (csi_model.survey.missing), the same
    names in every subcommand; the value is normalised (e.g. 'ml' -> 'fiml' for CB-SEM).
    ``extra``: more methods of the subcommand (e.g. 'pairwise' for fit with --ordered)."""
    # plain Python: --help needs neither numpy nor pandas
    from .._missing_methods import MISSING_METHODS
    choices = MISSING_METHODS[kind] + (("ml",) if kind != "analysis" else ("fiml", "em")) + extra
    p.add_argument("--missing", type=str.lower, choices=choices, default=default,
                   help=f"{_MISSING_HELP[kind]}{extra_help}; default {default}")


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


def weights_argument(p: argparse.ArgumentParser) -> None:
    """--weights COLUMN: the survey's sampling weights (every subcommand that fits)."""
    p.add_argument("--weights", metavar="COLUMN", default=None,
                   help="column of sampling weights (post-stratification, quotas): a weighted "
                        "fit; the column is not a model variable")


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
