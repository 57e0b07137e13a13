"""``csi-model fit``: a CB-SEM fit, its summary, JSON and CSV tables."""
from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import Sequence

from ._common import (EXIT_NOT_CONVERGED, FORMATTER, UsageError, atomic_directory,
                      check_bootstrap, epilog, json_argument, missing_argument, model_inputs,
                      out_argument, parse_codes, quiet_argument, read_options, survey_arguments,
                      survey_path, weights_argument)
from ._io import (all_warnings, check_outputs, not_converged_message, read_survey_for, write_json,
                  write_text)
from ._io import not_in_report as _not_in_report

#: The files ``--out DIR`` writes.
TABLE_FILES = ("estimates.csv", "standardized.csv", "fit_measures.csv", "r2.csv",
               "effects.csv", "hypotheses.csv", "warnings.txt", "data_report.txt")


def add_parser(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "fit", parents=[common], formatter_class=FORMATTER,
        help="fit a covariance-based SEM (lavaan's ML/MLR) to a survey",
        description="Fit a covariance-based structural equation model by maximum likelihood "
                    "(lavaan's conventions) to a survey file, print the data report and the "
                    "summary (fit measures, loadings, paths, R², warnings), and optionally "
                    "write the results as JSON (--json) and CSV tables (--out).",
        epilog=epilog("""
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
              csi-model fit survey.csv --model telecom --ordered --missing pairwise
              csi-model fit wave2.xlsx --model my_model.lav --estimator MLR --out results/ --quiet
              csi-model fit survey.csv --model telecom --bootstrap 1000 --seed 1 --json fit.json
            """))
    survey_arguments(p)
    p.add_argument("--estimator", type=str.upper,
                   choices=("ML", "MLR", "WLSMV", "DWLS", "ULSMV", "ULS"), default=None,
                   help="ML (default; SEs from the expected information) or MLR "
                        "(robust Huber-White SEs); with --ordered WLSMV (default), DWLS, "
                        "ULSMV or ULS")
    p.add_argument("--ordered", action="store_true",
                   help="treat every item as ordered (Likert) categories: thresholds, "
                        "polychoric correlations and WLSMV, as lavaan's ordered=")
    missing_argument(p, "cbsem", extra=("pairwise",),
                     extra_help="; with --ordered: listwise or pairwise (lavaan's "
                                "missing = \"pairwise\" for ordered items)")
    weights_argument(p)
    p.add_argument("--allow-cross-loadings", action="store_true",
                   help="allow an item to load on more than one latent")
    p.add_argument("--meanstructure", action="store_true",
                   help="add the item intercepts (free) and latent means (0) to the model, as "
                        "lavaan's meanstructure = TRUE (a model with '~ 1' lines has them anyway)")
    p.add_argument("--bootstrap", metavar="B", type=int, default=0,
                   help="bootstrap resamples for SEs and intervals (e.g. 1000; needs --seed)")
    p.add_argument("--seed", metavar="S", type=int, help="seed of the bootstrap")
    p.add_argument("--n-jobs", metavar="J", type=int, default=1, dest="n_jobs",
                   help="worker processes for the bootstrap (default 1; -1 = all cores)")
    p.add_argument("--expected", metavar="SIGNS",
                   help="expected signs of paths for hypotheses.csv, e.g. "
                        "'LOY ~ COMP=-,COMP ~ SAT=-' (default +; also '# expect: -' in the model)")
    p.add_argument("--one-sided", action="store_true", dest="one_sided",
                   help="directional (one-sided) hypothesis tests in hypotheses.csv")
    json_argument(p, "write the result as JSON (n, estimator, missing, converged, estimates, "
                        "fit_measures, r2, effects, bootstrap, warnings)")
    out_argument(p, "write CSV tables and text reports to DIR")
    quiet_argument(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..model.spec import load_model

    path = survey_path(args)
    codes = parse_codes(args.missing_codes)
    spec = load_model(args.model, allow_cross_loadings=args.allow_cross_loadings)
    json_path = Path(args.json_out) if args.json_out else None
    out_dir = Path(args.out) if args.out else None
    check_outputs(model_inputs(spec, path), json_path, out_dir, TABLE_FILES)
    boot_warnings = check_bootstrap(args)
    options = read_options(args)

    survey, result, data_warnings = read_and_fit(
        spec, path, missing_codes=codes, estimator=args.estimator, missing=args.missing,
        bootstrap=args.bootstrap or None, seed=args.seed, n_jobs=args.n_jobs,
        progress=None if not args.quiet else False, options=options,
        meanstructure=True if args.meanstructure else None, weights=args.weights,
        ordered=True if args.ordered else None)
    data_warnings += [w for w in boot_warnings if w not in data_warnings]
    failed = None if result.converged else not_converged_message(result, survey, data_warnings)
    if failed:                               # first in every output; exit status 3 below
        data_warnings.insert(0, failed)
    written: list[Path] = []
    if json_path is not None:
        payload = result.to_dict()
        payload["warnings"] = all_warnings(result, data_warnings)
        write_json(json_path, payload)
        written.append(json_path)
    if out_dir is not None:
        written += write_tables(out_dir, survey, result, data_warnings,
                                hypotheses_options(args))
    if not args.quiet:
        print_report(survey, result, data_warnings)
        if written:
            print("\nWritten: " + ", ".join(str(p) for p in written))
    if failed:
        import sys
        print(f"csi-model: error: {failed}", file=sys.stderr)
        return EXIT_NOT_CONVERGED
    return 0


def read_and_fit(spec, path: Path, *, missing_codes, estimator: str | None, missing: str,
                 bootstrap: int | None = None, seed: int | None = None, n_jobs: int = 1,
                 progress: bool | None = None, options: dict | None = None,
                 meanstructure: bool | None = None, weights: str | None = None,
                 ordered=None):
    """Read the survey and fit, capturing warnings (they go into the reports, not stderr)."""
    from ..exceptions import CSIModelWarning
    from ..sem.fitting import fit

    survey, data_warnings = read_survey_for(spec, path, missing_codes=missing_codes,
                                            options=options)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fit(spec, survey, estimator=estimator, missing=missing, bootstrap=bootstrap,
                     seed=seed, n_jobs=n_jobs, progress=progress, meanstructure=meanstructure,
                     weights=weights, ordered=ordered)
    # CSIModelWarnings of the fit are on result.warnings; keep any that are not.
    for w in caught:
        msg = str(w.message)
        if issubclass(w.category, CSIModelWarning) and msg not in result.warnings \
                and msg not in data_warnings:
            data_warnings.append(msg)
    return survey, result, data_warnings


def hypotheses_options(args: argparse.Namespace) -> dict:
    """``--expected`` and ``--one-sided`` as keywords of :func:`csi_model.hypotheses`."""
    expected = None
    if getattr(args, "expected", None):
        expected = {}
        for part in args.expected.split(","):
            path, sep, sign = part.rpartition("=")
            if not sep or not path.strip():
                raise UsageError(f"--expected takes 'OUTCOME ~ PREDICTOR=SIGN' entries separated "
                                 f"by commas, e.g. 'LOY ~ COMP=-'. Got {part.strip()!r}.")
            expected[path.strip()] = sign.strip()
    return {"expected": expected,
            "test": "one-sided" if getattr(args, "one_sided", False) else "two-sided"}


def write_tables(out_dir: Path, survey, result, data_warnings: Sequence[str],
                 hypotheses_kw: dict | None = None) -> list[Path]:
    """Write TABLE_FILES into ``out_dir`` (created if needed); returns their paths."""
    import pandas as pd
    from ..sem.effects import effects, hypotheses

    fm = result.fit_measures.rename_axis("measure").rename("value").reset_index()
    r2 = result.r2.rename_axis("variable").rename("r2").reset_index()
    report = survey.report.summary()
    extra = _not_in_report(survey, data_warnings)
    if extra:
        report += "\nWarnings:\n" + "\n".join(f"  ! {w}" for w in extra)
    warn_text = "".join(f"{w}\n" for w in all_warnings(result, data_warnings))
    contents = {
        "estimates.csv": result.table().to_csv(index=False),
        "standardized.csv": pd.DataFrame(result.standardized).to_csv(index=False),
        "fit_measures.csv": fm.to_csv(index=False),
        "r2.csv": r2.to_csv(index=False),
        "effects.csv": effects(result).to_csv(index=False),
        "hypotheses.csv": hypotheses(result, **(hypotheses_kw or {})).to_csv(index=False),
        "warnings.txt": warn_text,
        "data_report.txt": report + "\n",
    }
    with atomic_directory(out_dir, owned=TABLE_FILES) as tmp:
        for name in TABLE_FILES:
            write_text(tmp / name, contents[name])
    return [out_dir / name for name in TABLE_FILES]


def print_report(survey, result, data_warnings: Sequence[str]) -> None:
    print(survey.report.summary())
    for w in _not_in_report(survey, data_warnings):
        print(f"  ! {w}")
    print()
    print(result.summary().as_text())
