"""``csi-model pls``: a PLS path model (SmartPLS / plspm algorithm), optionally bootstrapped."""
from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from ._common import (FORMATTER, check_bootstrap, epilog, json_argument, missing_argument,
                      model_inputs, parse_codes, quiet_argument, read_options, survey_arguments,
                      survey_path, weights_argument)
from ._io import all_warnings, check_outputs, not_in_report, read_survey_for, write_json


def add_parser(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "pls", parents=[common], formatter_class=FORMATTER,
        help="fit a PLS path model (SmartPLS / plspm algorithm) to a survey",
        description="Fit a PLS path model (Wold / Lohmöller algorithm, as SmartPLS 2 and R "
                    "plspm: standardized items, initial weights 1, stop at 1e-7) and print the "
                    "outer weights, loadings, paths, R², communality, redundancy, AVE, GoF and "
                    "effects; optionally bootstrap them (SEs, t values, intervals).",
        epilog=epilog("""
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
    pls_arguments(p)
    json_argument(p, "write the result as JSON")
    quiet_argument(p)
    p.set_defaults(handler=run)


def pls_arguments(p: argparse.ArgumentParser) -> None:
    """SURVEY, --model, --missing-codes and the PLS options (shared with ``index``)."""
    survey_arguments(p)
    p.add_argument("--scheme", type=str.lower, choices=("path", "centroid", "factorial"),
                   default="path", help="inner weighting scheme (default: path)")
    p.add_argument("--mode", type=str.upper, choices=("A", "B"), default="A",
                   help="outer mode of every block: A (reflective, default) or B (formative)")
    p.add_argument("--bootstrap", metavar="B", type=int, default=0,
                   help="bootstrap resamples (5000 is the field's default; needs --seed)")
    p.add_argument("--seed", metavar="S", type=int, help="seed of the bootstrap")
    p.add_argument("--ci", type=str.lower, choices=("percentile", "bca"), default="percentile",
                   help="bootstrap interval (default: percentile)")
    missing_argument(p, "pls")
    weights_argument(p)


def read_for_pls(args: argparse.Namespace):
    """Check the arguments, read the survey; returns (spec, survey, data_warnings, json_path)."""
    from ..model.spec import load_model

    path = survey_path(args)
    boot_warnings = check_bootstrap(args)
    codes = parse_codes(args.missing_codes)
    options = read_options(args)
    spec = load_model(args.model)
    json_path = Path(args.json_out) if args.json_out else None
    check_outputs(model_inputs(spec, path), json_path, None)
    survey, data_warnings = read_survey_for(spec, path, missing_codes=codes, options=options)
    data_warnings += [w for w in boot_warnings if w not in data_warnings]
    return spec, survey, data_warnings, json_path


def fit_pls_quietly(spec, survey, args: argparse.Namespace):
    from ..pls.fit import fit_pls
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # they are on result.warnings
        return fit_pls(spec, survey, scheme=args.scheme, mode=args.mode,
                       bootstrap=args.bootstrap or None, seed=args.seed, ci_method=args.ci,
                       missing=args.missing, weights=args.weights)


def run(args: argparse.Namespace) -> int:
    spec, survey, data_warnings, json_path = read_for_pls(args)
    result = fit_pls_quietly(spec, survey, args)
    if json_path is not None:
        payload = result.to_dict()
        payload["warnings"] = all_warnings(result, data_warnings)
        write_json(json_path, payload)
    if not args.quiet:
        print(survey.report.summary())
        for w in not_in_report(survey, data_warnings):
            print(f"  ! {w}")
        print()
        print(result.summary().as_text())
        if json_path is not None:
            print(f"\nWritten: {json_path}")
    return 0
