"""The ``csi-model`` command line.

One subcommand per step of the library (see DESIGN.md):

- ``csi-model fit SURVEY --model MODEL``: CB-SEM fit, summary on stdout, ``--json`` and
  ``--out`` files with the same names as the Python tables;
- ``csi-model measure SURVEY --model MODEL``: the measurement model (EFA, reliability,
  validity, CFA diagnostics), the same outputs;
- ``csi-model demo``: the telecom model on the embedded demo survey;
- ``csi-model models [NAME]``: the bundled models, or one model's syntax;
- ``csi-model pls SURVEY --model MODEL``: PLS path modelling (optionally bootstrapped);
- ``csi-model index SURVEY --model MODEL``: 0-100 index per latent and group, impacts, IPMA;
- ``csi-model paper build DIR``: every table and figure of a paper from its paper.toml;
- ``csi-model report SURVEY --model MODEL --out report.html``: one self-contained HTML report.

A user error (bad model, bad data, bad argument) exits with status 2 and one line on
stderr, ``csi-model: error: <message>`` (a model syntax error adds the offending line and a
caret); an unexpected error exits with status 1 and points to ``--debug``, which shows the
traceback. Output files are written atomically; inputs are never modified.

The rest of csi_model is imported inside the handlers so that ``csi-model --help`` stays fast.

>>> main(["models"])                                    # doctest: +ELLIPSIS
name ...
0
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import textwrap
import warnings
from pathlib import Path
from typing import Any, Sequence

__all__ = ["main", "build_parser"]

PROG = "csi-model"
DEFAULT_DEMO_DIR = "csi_model_demo"
EXIT_USER_ERROR = 2
EXIT_INTERNAL_ERROR = 1


class UsageError(ValueError):
    """A bad command-line argument (exit status 2, one line on stderr)."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, raised rather than printed."""

    def error(self, message: str):  # type: ignore[override]
        msg = message[:1].upper() + message[1:]
        if not msg.endswith("."):
            msg += "."
        raise UsageError(f"{msg} See '{self.prog} --help'.")


# ============================================================================ parser
_FORMATTER = argparse.RawDescriptionHelpFormatter


def _epilog(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of ``csi-model`` (also used by the docs)."""
    # --debug is accepted before or after the subcommand.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the full traceback of any error")

    parser = _Parser(
        prog=PROG, formatter_class=_FORMATTER, parents=[common],
        description="Customer satisfaction index (ACSI / ECSI / telecom CSI) research with "
                    "structural equation models. One subcommand per step; each has --help.",
        epilog=_epilog("""
            examples:
              csi-model demo                                  # the telecom model on the demo survey
              csi-model models                                # the bundled models
              csi-model models telecom                        # one model's lavaan syntax
              csi-model fit survey.csv --model telecom --missing-codes 99 --json result.json
              csi-model fit survey.sav --model my_model.lav --estimator MLR --out results/
              csi-model measure survey.csv --model telecom --json measurement.json
            """))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    # ---------------------------------------------------------------- fit
    p = sub.add_parser(
        "fit", parents=[common], formatter_class=_FORMATTER,
        help="fit a covariance-based SEM (lavaan's ML/MLR) to a survey",
        description="Fit a covariance-based structural equation model by maximum likelihood "
                    "(lavaan's conventions) to a survey file, print the data report and the "
                    "summary (fit measures, loadings, paths, R², warnings), and optionally "
                    "write the results as JSON (--json) and CSV tables (--out).",
        epilog=_epilog("""
            MODEL is a bundled model (see 'csi-model models') or the path of a .lav file in
            lavaan syntax. The model's observed variables must be columns of SURVEY
            (.csv/.tsv/.txt, .xlsx/.xls or SPSS .sav).

            --out DIR writes estimates.csv (lhs, op, rhs, est, se, z, pvalue, ci.lower,
            ci.upper, std.all), standardized.csv, fit_measures.csv, r2.csv, effects.csv
            (direct, indirect and total effects), hypotheses.csv (each structural path as
            H1..Hk), warnings.txt and data_report.txt. Numbers are not rounded in files.

            --bootstrap B --seed S refits the model on B resamples of the respondents: the
            SEs, p-values and intervals of the estimates and effects become bootstrap ones
            (SD with divisor B, percentile intervals, as lavaan's se = "bootstrap").

            examples:
              csi-model fit survey.csv --model telecom --missing-codes 99
              csi-model fit survey.csv --model acsi --missing fiml --json acsi.json
              csi-model fit wave2.xlsx --model my_model.lav --estimator MLR --out results/ --quiet
              csi-model fit survey.csv --model telecom --bootstrap 1000 --seed 1 --json fit.json
            """))
    _survey_arguments(p)
    p.add_argument("--estimator", type=str.upper, choices=("ML", "MLR"), default="ML",
                   help="ML (default; SEs from the expected information) or MLR "
                        "(robust Huber-White SEs)")
    p.add_argument("--missing", type=str.lower, choices=("listwise", "fiml"), default="listwise",
                   help="listwise deletion (default) or full-information ML")
    p.add_argument("--allow-cross-loadings", action="store_true",
                   help="allow an item to load on more than one latent")
    p.add_argument("--bootstrap", metavar="B", type=int, default=0,
                   help="bootstrap resamples for SEs and intervals (e.g. 1000; needs --seed)")
    p.add_argument("--seed", metavar="S", type=int, help="seed of the bootstrap")
    p.add_argument("--n-jobs", metavar="J", type=int, default=1, dest="n_jobs",
                   help="worker processes for the bootstrap (default 1; -1 = all cores)")
    p.add_argument("--json", metavar="OUT", dest="json_out",
                   help="write the result as JSON (n, estimator, missing, converged, estimates, "
                        "fit_measures, r2, effects, bootstrap, warnings)")
    p.add_argument("--out", metavar="DIR", help="write CSV tables and text reports to DIR")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    p.set_defaults(handler=_cmd_fit)

    # ---------------------------------------------------------------- measure
    p = sub.add_parser(
        "measure", parents=[common], formatter_class=_FORMATTER,
        help="assess the measurement model: EFA, reliability, validity, CFA diagnostics",
        description="Assess the measurement model (the '=~' lines of MODEL) on a survey: KMO, "
                    "Bartlett's test, parallel analysis and an EFA whose factors are matched "
                    "to the model's latents; Cronbach's alpha, rho_c, omega, rho_A, AVE; "
                    "standardized CFA loadings, Fornell-Larcker, HTMT/HTMT2 with bootstrap "
                    "intervals, cross-loadings; the CFA's fit, modification indices and "
                    "normalized residuals; verdicts against the field's thresholds.",
        epilog=_epilog("""
            --out DIR writes reliability.csv, items.csv, efa_loadings.csv, eigenvalues.csv,
            fornell_larcker.csv, htmt.csv, cross_loadings.csv, modindices.csv, residuals.csv,
            fit_measures.csv, verdicts.csv and warnings.txt (numbers are not rounded).

            examples:
              csi-model measure survey.csv --model telecom --missing-codes 99
              csi-model measure ecsi_mobi.csv --model ecsi_mobi --json measurement.json
              csi-model measure survey.csv --model my_model.lav --rotation promax --htmt 0.90
            """))
    _survey_arguments(p)
    p.add_argument("--allow-cross-loadings", action="store_true",
                   help="allow an item to load on more than one latent")
    p.add_argument("--n-factors", type=int, metavar="K",
                   help="factors of the EFA (default: the number of latents)")
    p.add_argument("--method", type=str.lower, choices=("minres", "ml"), default="minres",
                   help="EFA extraction (default minres)")
    p.add_argument("--rotation", type=str.lower, choices=("oblimin", "promax", "varimax", "none"),
                   default="oblimin", help="EFA rotation (default oblimin)")
    p.add_argument("--htmt", type=float, default=0.85, metavar="T",
                   help="HTMT threshold (default .85; .90 for conceptually similar constructs)")
    p.add_argument("--bootstrap", type=int, default=1000, metavar="B",
                   help="bootstrap resamples for the HTMT intervals (default 1000; 0: none)")
    p.add_argument("--seed", type=int, default=0, metavar="S",
                   help="seed of the bootstrap and of the parallel analysis (default 0)")
    p.add_argument("--json", metavar="OUT", dest="json_out",
                   help="write the full result as JSON")
    p.add_argument("--out", metavar="DIR", help="write CSV tables and warnings.txt to DIR")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    p.set_defaults(handler=_cmd_measure)

    # ---------------------------------------------------------------- demo
    p = sub.add_parser(
        "demo", parents=[common], formatter_class=_FORMATTER,
        help="fit the telecom model to the embedded demo survey",
        description="The whole job on the demo survey shipped with csi_model (600 simulated "
                    "respondents of three operators, 24 items on 1-10, code 99 = don't know): "
                    "load the 'telecom' model, read and check the survey, fit it by ML, print "
                    "the data report and the summary, and write the tables to DIR.",
        epilog=_epilog(f"""
            examples:
              csi-model demo                      # tables in ./{DEFAULT_DEMO_DIR}/
              csi-model demo --out /tmp/demo

            The same in Python:
              import csi_model as cm
              spec = cm.load_model("telecom")
              survey = cm.read_survey("telecom_demo.csv", items=spec.observed, missing_codes=[99])
              result = cm.fit(spec, survey)
            """))
    p.add_argument("--out", metavar="DIR", default=DEFAULT_DEMO_DIR,
                   help=f"directory for the tables (default: ./{DEFAULT_DEMO_DIR})")
    p.set_defaults(handler=_cmd_demo)

    # ---------------------------------------------------------------- models
    p = sub.add_parser(
        "models", parents=[common], formatter_class=_FORMATTER,
        help="list the bundled models, or print one model's syntax",
        description="Without NAME, list the models shipped with csi_model (name, latents, "
                    "number of items and of structural paths). With NAME, print that model's "
                    "lavaan syntax (a bundled name or a .lav path, checked first).",
        epilog=_epilog("""
            examples:
              csi-model models
              csi-model models telecom
              csi-model models telecom > my_model.lav    # a starting point for your own model
            """))
    p.add_argument("name", nargs="?", metavar="NAME", help="a bundled model's name or a .lav path")
    p.set_defaults(handler=_cmd_models)

    # ---------------------------------------------------------------- pls
    p = sub.add_parser(
        "pls", parents=[common], formatter_class=_FORMATTER,
        help="fit a PLS path model (SmartPLS / plspm algorithm) to a survey",
        description="Fit a PLS path model (Wold / Lohmöller algorithm, as SmartPLS 2 and R "
                    "plspm: standardized items, initial weights 1, stop at 1e-7) and print the "
                    "outer weights, loadings, paths, R², communality, redundancy, AVE, GoF and "
                    "effects; optionally bootstrap them (SEs, t values, intervals).",
        epilog=_epilog("""
            MODEL is a bundled model (see 'csi-model models') or a .lav file; its '=~' lines
            are the blocks and its '~' lines the inner model.

            --json OUT writes n, scheme, modes, converged, iterations, estimates (lhs, op, rhs,
            est, se, z, pvalue, ci.lower, ci.upper, std.all; op '<~' = outer weight, '=~' =
            loading, '~' = path), outer, quality, effects, f2, r2, gof, bootstrap, warnings.

            examples:
              csi-model pls survey.csv --model telecom --missing-codes 99
              csi-model pls survey.csv --model ecsi --scheme centroid --bootstrap 5000 --seed 1
              csi-model pls survey.csv --model my_model.lav --mode B --json pls.json
            """))
    _pls_arguments(p)
    p.add_argument("--json", metavar="OUT", dest="json_out", help="write the result as JSON")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    p.set_defaults(handler=_cmd_pls)

    # ---------------------------------------------------------------- index
    p = sub.add_parser(
        "index", parents=[common], formatter_class=_FORMATTER,
        help="0-100 satisfaction index per latent (and group), impacts and IPMA",
        description="Fit the PLS path model, then compute the ACSI 0-100 index of every latent "
                    "from the unstandardized outer weights and the item scale, overall and per "
                    "group (--by), the impacts on the target (index points for a 5-point gain "
                    "of each driver) and the importance-performance map (IPMA).",
        epilog=_epilog("""
            The item scale comes from --scale (e.g. 1,10), else the observed range of each
            item (with a warning). A negative outer weight is reported: the index formula
            assumes positive weights.

            --json OUT writes index (group, latent, n, index, se, ci.lower, ci.upper), weights,
            impacts, ipma, target, gain, by, bootstrap and warnings.

            examples:
              csi-model index survey.csv --model telecom --missing-codes 99 --scale 1,10
              csi-model index survey.csv --model telecom --by operator --bootstrap 5000 --seed 1
              csi-model index survey.csv --model ecsi --target SAT --json index.json
            """))
    _pls_arguments(p)
    p.add_argument("--by", metavar="COLUMN", help="a survey column (operator, wave...): the "
                                                  "index per group too")
    p.add_argument("--scale", metavar="MIN,MAX", help="the item answer scale, e.g. 1,10")
    p.add_argument("--target", metavar="LATENT", help="target of impacts and IPMA (default SAT)")
    p.add_argument("--json", metavar="OUT", dest="json_out", help="write the result as JSON")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    p.set_defaults(handler=_cmd_index)

    # ---------------------------------------------------------------- compare
    p = sub.add_parser(
        "compare", parents=[common], formatter_class=_FORMATTER,
        help="compare operators or waves: invariance, path and index differences",
        description="Compare groups of respondents (operators, survey waves): the CB-SEM "
                    "measurement-invariance ladder (configural, metric, scalar, strict) with "
                    "chi-square difference tests and CFI/RMSEA changes, the constraints to "
                    "release for partial invariance, Wald tests of equal structural paths, "
                    "PLS-MGA permutation tests and MICOM, and the 0-100 index per group with "
                    "bootstrap intervals and group differences.",
        epilog=_epilog("""
            --by takes one column (operator or wave) or two separated by a comma
            (operator,wave): then every operator x wave cell is a group, and the index
            differences are wave over wave within each operator (with a trend table).
            Decisions: a step of the ladder holds when CFI drops by less than .010
            (Cheung & Rensvold 2002) and RMSEA rises by less than .015 (Chen 2007).

            --json OUT writes by, groups, invariance, partial_invariance, cbsem_paths,
            pls_paths, micom, index, index_differences, trends, warnings and options;
            --out DIR writes the same tables as CSV files.

            examples:
              csi-model compare survey.csv --model telecom --by wave --missing-codes 99
              csi-model compare survey.csv --model telecom --by operator,wave --scale 1,10
              csi-model compare survey.csv --model acsi --by operator --json compare.json
            """))
    _survey_arguments(p)
    p.add_argument("--by", required=True, metavar="COLUMN[,COLUMN]",
                   help="grouping column(s), e.g. wave or operator,wave")
    p.add_argument("--bootstrap", metavar="B", type=int, default=1000,
                   help="bootstrap resamples of the index (within groups; default 1000)")
    p.add_argument("--permutations", metavar="P", type=int, default=1000,
                   help="permutations of the PLS-MGA and MICOM tests (default 1000)")
    p.add_argument("--seed", metavar="S", type=int, default=1, help="seed of every random step")
    p.add_argument("--scale", metavar="MIN,MAX", help="the item answer scale, e.g. 1,10")
    p.add_argument("--json", metavar="OUT", dest="json_out", help="write the result as JSON")
    p.add_argument("--out", metavar="DIR", help="write the tables as CSV files to DIR")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    p.set_defaults(handler=_cmd_compare)

    # ---------------------------------------------------------------- paper
    p = sub.add_parser(
        "paper", parents=[common], formatter_class=_FORMATTER,
        help="regenerate a paper's tables and figures from the raw survey",
        description="Build a paper directory: read its paper.toml (data, model, seeds, "
                    "options), run every analysis and write every table (LaTeX, Markdown, "
                    "HTML, CSV, Word) and figure (PNG, SVG) into DIR/_build/, the filled-in "
                    "paper.md (paper.pdf when pandoc and xelatex are installed) and a "
                    "manifest.json (data SHA-256, package versions, seeds, timings).",
        epilog=_epilog("""
            Timestamps and versions are only in manifest.json: building twice from the same
            data gives byte-identical tables.

            examples:
              csi-model paper build paper/
              csi-model paper build paper/ --out /tmp/paper_build --no-pdf
            """))
    p.add_argument("action", choices=["build"], help="what to do (build)")
    p.add_argument("directory", metavar="DIR", help="the paper directory (holds paper.toml)")
    p.add_argument("--out", metavar="OUTDIR", help="output directory (default DIR/_build)")
    p.add_argument("--no-pdf", action="store_true", help="do not run pandoc/LaTeX for paper.pdf")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    p.set_defaults(handler=_cmd_paper)

    # ---------------------------------------------------------------- report
    p = sub.add_parser(
        "report", parents=[common], formatter_class=_FORMATTER,
        help="one self-contained HTML report (tables and figures inline)",
        description="Run the measurement model, the CB-SEM (bootstrapped), the PLS index and "
                    "the group comparisons on a survey and write one self-contained HTML file "
                    "with every table and figure (inline PNG images), in English or Chinese.",
        epilog=_epilog("""
            Item scales and wording come from --codebook (default: telecom when the survey
            has its items). Columns named by --by, --wave and --compare are used only if the
            survey has them.

            examples:
              csi-model report survey.csv --model telecom --out report.html
              csi-model report survey.csv --model telecom --lang zh --bootstrap 1000 --seed 1 --out 报告.html
            """))
    _survey_arguments(p, missing_codes="99")
    p.add_argument("--out", "-o", required=True, metavar="OUT", help="the HTML file to write")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language (default en)")
    p.add_argument("--codebook", metavar="CODEBOOK", default=None,
                   help="bundled codebook name or file (default: telecom if it fits the model)")
    p.add_argument("--bootstrap", type=int, default=200, metavar="B",
                   help="CB-SEM bootstrap resamples (default 200; 0 for delta-method SEs)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="seed (default 1)")
    p.add_argument("--by", default="operator", metavar="COLUMN",
                   help="groups of the index (default operator)")
    p.add_argument("--wave", default="wave", metavar="COLUMN",
                   help="waves of the trends (default wave)")
    p.add_argument("--compare", default="wave", metavar="COLUMN",
                   help="groups of the invariance ladder and path comparison (default wave)")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    p.set_defaults(handler=_cmd_report)
    return parser


# ============================================================================ main
def main(argv: Sequence[str] | None = None) -> int:
    """Run ``csi-model`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:          # --help / --version: argparse already printed
            return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_USER_ERROR
        debug = bool(getattr(args, "debug", False))
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        if debug:
            raise
        _err("interrupted.")
        return 130
    except BrokenPipeError:
        # The reader went away (``csi-model demo | head``): stop quietly, like other tools.
        _silence_stdout()
        return 141
    except (ValueError, FileNotFoundError, IsADirectoryError, NotADirectoryError,
            PermissionError) as exc:
        # CSIModelError is a ValueError: bad model, bad data, bad argument.
        if debug:
            raise
        _err(_user_message(exc))
        return EXIT_USER_ERROR
    except Exception as exc:  # noqa: BLE001 - the last line of defence of a CLI
        if debug:
            raise
        _err(f"unexpected {type(exc).__name__}: {_first_line(exc)} "
             f"This is probably a bug in csi_model; run again with --debug to see the "
             "traceback, and report it.")
        return EXIT_INTERNAL_ERROR


def _silence_stdout() -> None:
    with contextlib.suppress(Exception):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _err(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _user_message(exc: BaseException) -> str:
    from .exceptions import ModelSyntaxError
    if isinstance(exc, ModelSyntaxError):
        return str(exc).rstrip()           # keep the line and the caret under the error
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        return f"{exc.strerror}: '{exc.filename}'."
    return _first_line(exc)


# ============================================================================ handlers
def _cmd_fit(args: argparse.Namespace) -> int:
    from .model.spec import load_model

    survey_path = Path(args.survey)
    if survey_path.is_dir():
        raise UsageError(f"SURVEY must be a file; '{survey_path}' is a directory.")
    codes = _parse_codes(args.missing_codes)
    spec = load_model(args.model, allow_cross_loadings=args.allow_cross_loadings)
    inputs = [survey_path] + ([Path(spec.source)] if spec.source and Path(spec.source).exists()
                              else [])
    json_path = Path(args.json_out) if args.json_out else None
    out_dir = Path(args.out) if args.out else None
    _check_outputs(inputs, json_path, out_dir)
    if args.bootstrap < 0:
        raise UsageError(f"--bootstrap must be a positive number of resamples. Got {args.bootstrap}.")
    if args.bootstrap and args.seed is None:
        raise UsageError("--bootstrap needs --seed S (an integer), so that it can be reproduced.")

    survey, result, data_warnings = _read_and_fit(
        spec, survey_path, missing_codes=codes, estimator=args.estimator, missing=args.missing,
        bootstrap=args.bootstrap or None, seed=args.seed, n_jobs=args.n_jobs,
        progress=None if not args.quiet else False)
    written: list[Path] = []
    if json_path is not None:
        payload = result.to_dict()
        payload["warnings"] = _all_warnings(result, data_warnings)
        _write_text(json_path, json.dumps(payload, indent=2, ensure_ascii=False,
                                          allow_nan=False) + "\n")
        written.append(json_path)
    if out_dir is not None:
        written += _write_tables(out_dir, survey, result, data_warnings)
    if not args.quiet:
        _print_report(survey, result, data_warnings)
        if written:
            print("\nWritten: " + ", ".join(str(p) for p in written))
    return 0


_MEASURE_FILES = ("reliability.csv", "items.csv", "efa_loadings.csv", "eigenvalues.csv",
                  "fornell_larcker.csv", "htmt.csv", "cross_loadings.csv", "modindices.csv",
                  "residuals.csv", "fit_measures.csv", "verdicts.csv", "warnings.txt")


def _cmd_measure(args: argparse.Namespace) -> int:
    from .exceptions import CSIModelWarning, SurveyDataError
    from .measurement.quality import Thresholds, measurement
    from .model.spec import load_model
    from .survey.read import read_survey

    survey_path = Path(args.survey)
    if survey_path.is_dir():
        raise UsageError(f"SURVEY must be a file; '{survey_path}' is a directory.")
    if args.bootstrap < 0:
        raise UsageError(f"--bootstrap must be 0 or a positive number of resamples. "
                         f"Got {args.bootstrap}.")
    if args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer. Got {args.seed}.")
    if not 0 < args.htmt <= 1:
        raise UsageError(f"--htmt must be a threshold in (0, 1], e.g. 0.85. Got {args.htmt}.")
    codes = _parse_codes(args.missing_codes)
    spec = load_model(args.model, allow_cross_loadings=args.allow_cross_loadings)
    inputs = [survey_path] + ([Path(spec.source)] if spec.source and Path(spec.source).exists()
                              else [])
    json_path = Path(args.json_out) if args.json_out else None
    out_dir = Path(args.out) if args.out else None
    _check_outputs(inputs, json_path, out_dir)
    items = [i for its in spec.indicators.values() for i in its if i in set(spec.observed)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            survey = read_survey(str(survey_path), items=list(dict.fromkeys(items)),
                                 missing_codes=codes)
        except SurveyDataError as exc:
            _raise_if_model_variable_absent(spec, survey_path, exc)
            raise
        n_read = len(caught)
        result = measurement(spec, survey, n_factors=args.n_factors, method=args.method,
                             rotation=None if args.rotation == "none" else args.rotation,
                             thresholds=Thresholds(htmt=args.htmt), n_boot=args.bootstrap,
                             seed=args.seed)
    data_warnings = [str(w.message) for w in caught[:n_read]
                     if issubclass(w.category, CSIModelWarning)]
    data_warnings += [w for w in survey.report.warnings if w not in data_warnings]
    written: list[Path] = []
    if json_path is not None:
        payload = result.to_dict()
        payload["warnings"] = _all_warnings(result, data_warnings)
        _write_text(json_path, json.dumps(payload, indent=2, ensure_ascii=False,
                                          allow_nan=False) + "\n")
        written.append(json_path)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        frames = {
            "reliability.csv": result.reliability, "items.csv": result.items,
            "efa_loadings.csv": result.efa_loadings, "eigenvalues.csv": result.eigenvalues,
            "fornell_larcker.csv": result.fornell_larcker, "htmt.csv": result.htmt_table,
            "cross_loadings.csv": result.cross_loadings, "modindices.csv": result.modindices,
            "residuals.csv": result.residuals,
            "fit_measures.csv": None if result.fit_measures is None else
            result.fit_measures.rename_axis("measure").rename("value").reset_index(),
            "verdicts.csv": result.verdicts,
        }
        for name in _MEASURE_FILES:
            path = out_dir / name
            if name == "warnings.txt":
                text = "".join(f"{w}\n" for w in _all_warnings(result, data_warnings))
            else:
                frame = frames[name]
                if frame is None:
                    continue
                index = name in ("fornell_larcker.csv", "cross_loadings.csv", "residuals.csv")
                text = frame.to_csv(index=index)
            _write_text(path, text)
            written.append(path)
    if not args.quiet:
        print(survey.report.summary())
        for w in data_warnings:
            print(f"  ! {w}")
        print()
        print(result.summary().as_text())
        if written:
            print("\nWritten: " + ", ".join(str(p) for p in written))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from importlib import resources
    from .model.spec import load_model

    out_dir = Path(args.out)
    spec = load_model("telecom")
    with resources.as_file(resources.files("csi_model.data") / "telecom_demo.csv") as csv_path:
        _check_outputs([csv_path], None, out_dir)
        survey, result, data_warnings = _read_and_fit(spec, csv_path, missing_codes=(99,),
                                                      estimator="ML", missing="listwise")
    written = _write_tables(out_dir, survey, result, data_warnings)
    print("csi_model demo: the telecom CSI model (ECSI + ACSI complaints) on the embedded "
          "survey of 600 mobile customers.\n")
    _print_report(survey, result, data_warnings)
    print(f"\nTables written to {out_dir.resolve()}{os.sep}: "
          + ", ".join(p.name for p in written))
    print("Next: 'csi-model fit YOUR_SURVEY.csv --model telecom --missing-codes 99' "
          "(see 'csi-model fit --help').")
    return 0


def _cmd_models(args: argparse.Namespace) -> int:
    from .model.spec import bundled_models, load_model

    if args.name:
        spec = load_model(args.name)
        text = _model_text(args.name)
        print(text.rstrip("\n") if text is not None else spec.to_syntax())
        return 0
    rows = []
    for name in bundled_models():
        spec = load_model(name)
        rows.append((name, " ".join(spec.latents), str(len(spec.observed)),
                     str(len(spec.structural_paths))))
    header = ("name", "latents", "items", "paths")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    print("\nShow one with 'csi-model models NAME'; use one with 'csi-model fit SURVEY --model NAME'.")
    return 0


def _survey_arguments(p: argparse.ArgumentParser, missing_codes: str = "") -> None:
    """SURVEY, --model and --missing-codes, the same in every subcommand that reads a survey."""
    p.add_argument("survey", metavar="SURVEY", help="survey file (.csv, .xlsx or .sav)")
    p.add_argument("--model", "-m", required=True, metavar="MODEL",
                   help="bundled model name (telecom, acsi, ecsi, ...) or path of a .lav file")
    default = f" (default {missing_codes})" if missing_codes else ""
    p.add_argument("--missing-codes", metavar="CODES", default=missing_codes,
                   help=f"comma-separated answer codes meaning 'no answer', e.g. 99,0{default}")


def _pls_arguments(p: argparse.ArgumentParser) -> None:
    _survey_arguments(p)
    p.add_argument("--scheme", type=str.lower, choices=("path", "centroid", "factorial"),
                   default="path", help="inner weighting scheme (default: path)")
    p.add_argument("--mode", type=str.upper, choices=("A", "B"), default="A",
                   help="outer mode of every block: A (reflective, default) or B (formative)")
    p.add_argument("--bootstrap", metavar="B", type=int, default=0,
                   help="bootstrap resamples (5000 is the field's default; needs --seed)")
    p.add_argument("--seed", metavar="S", type=int, help="seed of the bootstrap")
    p.add_argument("--ci", type=str.lower, choices=("percentile", "bca"), default="percentile",
                   help="bootstrap interval (default: percentile)")


def _read_for_pls(args: argparse.Namespace):
    """Check the arguments, read the survey; returns (spec, survey, data_warnings, json_path)."""
    from .exceptions import CSIModelWarning, SurveyDataError
    from .model.spec import load_model
    from .survey.read import read_survey

    survey_path = Path(args.survey)
    if survey_path.is_dir():
        raise UsageError(f"SURVEY must be a file; '{survey_path}' is a directory.")
    if args.bootstrap < 0:
        raise UsageError(f"--bootstrap must be a positive number of resamples. Got {args.bootstrap}.")
    if args.bootstrap and args.seed is None:
        raise UsageError("--bootstrap needs --seed S (an integer), so that it can be reproduced.")
    codes = _parse_codes(args.missing_codes)
    spec = load_model(args.model)
    inputs = [survey_path] + ([Path(spec.source)] if spec.source and Path(spec.source).exists()
                              else [])
    json_path = Path(args.json_out) if args.json_out else None
    _check_outputs(inputs, json_path, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            survey = read_survey(str(survey_path), items=list(spec.observed), missing_codes=codes)
        except SurveyDataError as exc:
            _raise_if_model_variable_absent(spec, survey_path, exc)
            raise
    data_warnings = [str(w.message) for w in caught if issubclass(w.category, CSIModelWarning)]
    data_warnings += [w for w in survey.report.warnings if w not in data_warnings]
    return spec, survey, data_warnings, json_path


def _fit_pls_quietly(spec, survey, args):
    from .pls.fit import fit_pls
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # they are on result.warnings
        return fit_pls(spec, survey, scheme=args.scheme, mode=args.mode,
                       bootstrap=args.bootstrap or None, seed=args.seed, ci_method=args.ci)


def _cmd_pls(args: argparse.Namespace) -> int:
    spec, survey, data_warnings, json_path = _read_for_pls(args)
    result = _fit_pls_quietly(spec, survey, args)
    if json_path is not None:
        payload = result.to_dict()
        payload["warnings"] = _all_warnings(result, data_warnings)
        _write_text(json_path, json.dumps(payload, indent=2, ensure_ascii=False,
                                          allow_nan=False) + "\n")
    if not args.quiet:
        print(survey.report.summary())
        for w in data_warnings:
            print(f"  ! {w}")
        print()
        print(result.summary().as_text())
        if json_path is not None:
            print(f"\nWritten: {json_path}")
    return 0


def _cmd_index(args: argparse.Namespace) -> int:
    from .pls.index import csi_index

    scale = None
    if args.scale:
        parts = [p.strip() for p in args.scale.split(",")]
        try:
            scale = tuple(float(p) for p in parts)
        except ValueError:
            scale = ()
        if len(scale) != 2 or not scale[0] < scale[1]:
            raise UsageError(f"--scale must be MIN,MAX with MIN < MAX, e.g. 1,10. Got {args.scale!r}.")
    spec, survey, data_warnings, json_path = _read_for_pls(args)
    if args.by is not None and args.by not in survey.data.columns:
        raise UsageError(f"--by {args.by!r} is not a column of {survey.source} (its other "
                         f"columns: {', '.join(map(str, survey.metadata)) or 'none'}).")
    pls_args = argparse.Namespace(**{**vars(args), "bootstrap": 0})
    result = _fit_pls_quietly(spec, survey, pls_args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # they are on the result's warnings
        index = csi_index(result, scale=scale, by=args.by, target=args.target,
                          bootstrap=args.bootstrap or None, seed=args.seed, ci_method=args.ci)
    all_warnings = _all_warnings(result, data_warnings)
    all_warnings += [w for w in index.warnings if w not in all_warnings]
    if json_path is not None:
        payload = index.to_dict()
        payload["n"] = int(result.n)
        payload["scheme"] = result.scheme
        payload["warnings"] = all_warnings
        _write_text(json_path, json.dumps(payload, indent=2, ensure_ascii=False,
                                          allow_nan=False) + "\n")
    if not args.quiet:
        print(survey.report.summary())
        print()
        summary = index.summary()
        print(type(summary)(summary.title, summary.header, summary.tables,
                            tuple(all_warnings)).as_text())
        if json_path is not None:
            print(f"\nWritten: {json_path}")
    return 0


def _cmd_paper(args: argparse.Namespace) -> int:
    from .report.paper import build_paper

    directory = Path(args.directory)
    if not directory.is_dir():
        raise UsageError(f"DIR must be a paper directory with a paper.toml; '{directory}' is "
                         "not a directory.")
    say = None if args.quiet else (lambda msg: print(f"  {msg}", flush=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # they are in manifest.json
        res = build_paper(directory, out=args.out, pdf=False if args.no_pdf else None,
                          progress=say)
    if not args.quiet:
        print(f"Built {len(res.tables)} table files and {len(res.figures)} figure files in "
              f"{res.directory} ({res.seconds:.1f} s).")
        for d in res.documents:
            print(f"Written: {d}")
        print(f"Written: {res.manifest}")
        for n in res.notes:
            print(f"  note: {n}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .survey.codebook import load_codebook
    from .report.analysis import analyze
    from .report.html import report_html
    from .model.spec import load_model
    from .survey.read import read_survey

    survey_path = Path(args.survey)
    if survey_path.is_dir():
        raise UsageError(f"SURVEY must be a file; '{survey_path}' is a directory.")
    if args.bootstrap < 0:
        raise UsageError(f"--bootstrap must be 0 or a positive number. Got {args.bootstrap}.")
    out = Path(args.out)
    spec = load_model(args.model)
    inputs = [survey_path] + ([Path(spec.source)] if spec.source and Path(spec.source).exists()
                              else [])
    _check_outputs(inputs, out, None)
    codebook = None
    if args.codebook:
        codebook = load_codebook(args.codebook)
    else:
        with contextlib.suppress(Exception):
            cb = load_codebook("telecom")
            codebook = cb if all(i in cb for i in spec.observed) else None
    codes = _parse_codes(args.missing_codes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # shown in the report
        survey = read_survey(str(survey_path), items=list(spec.observed), missing_codes=codes)
        a = analyze(spec, survey, codebook=codebook, seed=args.seed, bootstrap=args.bootstrap,
                    htmt_bootstrap=min(args.bootstrap, 200) if args.bootstrap else 0,
                    group_by=args.by, wave_by=args.wave, compare_by=args.compare)
        html_text = report_html(a, lang=args.lang)
    _write_text(out, html_text)
    if not args.quiet:
        print(f"Written: {out}")
    return 0


def _parse_scale(text: str | None):
    if not text:
        return None
    try:
        scale = tuple(float(p.strip()) for p in text.split(","))
    except ValueError:
        scale = ()
    if len(scale) != 2 or not scale[0] < scale[1]:
        raise UsageError(f"--scale must be MIN,MAX with MIN < MAX, e.g. 1,10. Got {text!r}.")
    return scale


def _cmd_compare(args: argparse.Namespace) -> int:
    from .compare import compare
    from .exceptions import CSIModelWarning, SurveyDataError
    from .model.spec import load_model
    from .survey.read import read_survey

    by = [c.strip() for c in args.by.split(",") if c.strip()]
    if not 1 <= len(by) <= 2:
        raise UsageError(f"--by takes one or two column names (e.g. wave or operator,wave). "
                         f"Got {args.by!r}.")
    if args.bootstrap < 1 or args.permutations < 10:
        raise UsageError("--bootstrap must be >= 1 and --permutations >= 10.")
    scale = _parse_scale(args.scale)
    survey_path = Path(args.survey)
    spec = load_model(args.model)
    json_path = Path(args.json_out) if args.json_out else None
    out_dir = Path(args.out) if args.out else None
    _check_outputs([survey_path], json_path, out_dir)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            survey = read_survey(str(survey_path), items=list(spec.observed),
                                 missing_codes=_parse_codes(args.missing_codes))
        except SurveyDataError as exc:
            _raise_if_model_variable_absent(spec, survey_path, exc)
            raise
        result = compare(spec, survey, by=by, bootstrap=args.bootstrap,
                         n_permutations=args.permutations, seed=args.seed, scale=scale)
    data_warnings = [str(w.message) for w in caught if issubclass(w.category, CSIModelWarning)]
    payload = result.to_dict()
    payload["warnings"] = list(dict.fromkeys(payload["warnings"] + data_warnings))
    if json_path is not None:
        _write_text(json_path, json.dumps(payload, indent=2, ensure_ascii=False,
                                          allow_nan=False) + "\n")
    written = []
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        tables = {"invariance": result.invariance.ladder.reset_index()
                  if result.invariance is not None else None,
                  "partial_invariance": result.invariance.suggestions
                  if result.invariance is not None else None,
                  "cbsem_paths": result.cbsem_paths, "pls_paths": result.pls_paths,
                  "micom": result.micom, "index": result.index.table,
                  "index_differences": result.index_diff, "trends": result.trends}
        for name, frame in tables.items():
            if frame is not None and len(frame):
                path = out_dir / f"{name}.csv"
                _write_text(path, frame.to_csv(index=False))
                written.append(path)
        path = out_dir / "warnings.txt"
        _write_text(path, "\n".join(payload["warnings"]) + "\n")
        written.append(path)
    if not args.quiet:
        summary = result.summary()
        print(type(summary)(summary.title, summary.header, summary.tables,
                            tuple(payload["warnings"])).as_text())
        for path in ([json_path] if json_path else []) + written:
            print(f"Written: {path}")
    return 0


# ============================================================================ helpers
def _parse_codes(text: str) -> tuple[Any, ...]:
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


def _check_outputs(inputs: Sequence[Path], json_path: Path | None, out_dir: Path | None) -> None:
    """Refuse outputs that would overwrite an input or cannot be a directory."""
    def same(a: Path, b: Path) -> bool:
        try:
            return a.resolve() == b.resolve()
        except OSError:
            return False
    if json_path is not None:
        if json_path.is_dir():
            raise UsageError(f"--json OUT must be a file name; '{json_path}' is a directory.")
        for src in inputs:
            if same(json_path, src):
                raise UsageError(f"--json '{json_path}' would overwrite the input '{src}'. "
                                 "Choose another file name.")
    if out_dir is not None:
        if out_dir.exists() and not out_dir.is_dir():
            raise UsageError(f"--out DIR must be a directory; '{out_dir}' is a file.")
        for src in inputs:
            if src.parent.resolve() == out_dir.resolve() and src.name in _TABLE_FILES:
                raise UsageError(f"--out '{out_dir}' would overwrite the input '{src}'. "
                                 "Choose another directory.")


def _read_and_fit(spec, survey_path: Path, *, missing_codes, estimator: str, missing: str,
                  bootstrap: int | None = None, seed: int | None = None, n_jobs: int = 1,
                  progress: bool | None = None):
    """Read the survey and fit, capturing warnings (they go into the reports, not stderr)."""
    from .sem.fitting import fit
    from .exceptions import CSIModelWarning, SurveyDataError
    from .survey.read import read_survey

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            survey = read_survey(str(survey_path), items=list(spec.observed),
                                 missing_codes=missing_codes)
        except SurveyDataError as exc:
            _raise_if_model_variable_absent(spec, survey_path, exc)
            raise
        n_read = len(caught)
        result = fit(spec, survey, estimator=estimator, missing=missing, bootstrap=bootstrap,
                     seed=seed, n_jobs=n_jobs, progress=progress)
    data_warnings = [str(w.message) for w in caught[:n_read]
                     if issubclass(w.category, CSIModelWarning)]
    data_warnings += [w for w in survey.report.warnings if w not in data_warnings]
    # CSIModelWarnings of the fit are on result.warnings; keep any that are not.
    for w in caught[n_read:]:
        msg = str(w.message)
        if issubclass(w.category, CSIModelWarning) and msg not in result.warnings \
                and msg not in data_warnings:
            data_warnings.append(msg)
    return survey, result, data_warnings


def _raise_if_model_variable_absent(spec, survey_path: Path, exc: Exception) -> None:
    """If a model variable is not a column, say so with the model's file and line.

    read_survey's own message names the data file only; ModelSpec.check_against names the
    model line too. Any problem reading the columns here leaves the original error.
    """
    try:
        from .survey.read import _load
        columns = [str(c) for c in _load(str(survey_path), sheet=0, encoding=None).frame.columns]
    except Exception:  # noqa: BLE001 - fall back to read_survey's message
        return
    if set(spec.observed) - set(columns):
        spec.check_against(columns, data_source=str(survey_path))


def _all_warnings(result, data_warnings: Sequence[str]) -> list[str]:
    out = list(result.warnings)
    out += [w for w in data_warnings if w not in out]
    return out


_TABLE_FILES = ("estimates.csv", "standardized.csv", "fit_measures.csv", "r2.csv",
                "effects.csv", "hypotheses.csv", "warnings.txt", "data_report.txt")


def _write_tables(out_dir: Path, survey, result, data_warnings: Sequence[str]) -> list[Path]:
    import pandas as pd
    from .sem.effects import effects, hypotheses

    out_dir.mkdir(parents=True, exist_ok=True)
    fm = result.fit_measures.rename_axis("measure").rename("value").reset_index()
    r2 = result.r2.rename_axis("variable").rename("r2").reset_index()
    report = survey.report.summary()
    if data_warnings:
        report += "\nWarnings while reading:\n" + "\n".join(f"  ! {w}" for w in data_warnings)
    warn_text = "".join(f"{w}\n" for w in _all_warnings(result, data_warnings))
    contents = {
        "estimates.csv": result.table().to_csv(index=False),
        "standardized.csv": pd.DataFrame(result.standardized).to_csv(index=False),
        "fit_measures.csv": fm.to_csv(index=False),
        "r2.csv": r2.to_csv(index=False),
        "effects.csv": effects(result).to_csv(index=False),
        "hypotheses.csv": hypotheses(result).to_csv(index=False),
        "warnings.txt": warn_text,
        "data_report.txt": report + "\n",
    }
    written = []
    for name in _TABLE_FILES:
        path = out_dir / name
        _write_text(path, contents[name])
        written.append(path)
    return written


def _print_report(survey, result, data_warnings: Sequence[str]) -> None:
    print(survey.report.summary())
    for w in data_warnings:
        print(f"  ! {w}")
    print()
    print(result.summary().as_text())


def _write_text(path: Path, text: str) -> None:
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


def _model_text(name: str) -> str | None:
    """The text of a bundled model file or a .lav path (comments included)."""
    from importlib import resources
    from .model.spec import bundled_models

    if name in bundled_models():
        return (resources.files("csi_model.models") / f"{name}.lav").read_text(encoding="utf-8")
    path = Path(name)
    if path.is_file():
        return path.read_text(encoding="utf-8-sig")
    return None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
