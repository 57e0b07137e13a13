"""``csi-model compare``: operators or waves — invariance, path and index differences."""
from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from ._common import (FORMATTER, UsageError, atomic_directory, bootstrap_warnings, check_column,
                      epilog, json_argument, missing_argument, model_inputs, out_argument,
                      parse_codes, quiet_argument, read_options, survey_arguments, survey_path,
                      weights_argument)
from ._io import check_outputs, print_with_warnings, read_survey_for, write_json, write_text

#: The tables ``--out DIR`` writes (those that are not empty), plus warnings.txt.
COMPARE_FILES = ("invariance.csv", "partial_invariance.csv", "cbsem_paths.csv", "pls_paths.csv",
                 "micom.csv", "index.csv", "index_differences.csv", "trends.csv", "warnings.txt")


def add_parser(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "compare", parents=[common], formatter_class=FORMATTER,
        help="compare operators or waves: invariance, path and index differences",
        description="Compare groups of respondents (operators, survey waves): the CB-SEM "
                    "measurement-invariance ladder (configural, metric, scalar, strict) with "
                    "chi-square difference tests and CFI/RMSEA changes, the constraints to "
                    "release for partial invariance, Wald tests of equal structural paths, "
                    "PLS-MGA permutation tests and MICOM, and the 0-100 index per group with "
                    "bootstrap intervals and group differences.",
        epilog=epilog("""
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
    survey_arguments(p)
    missing_argument(p, "analysis")
    p.add_argument("--by", required=True, metavar="COLUMN[,COLUMN]",
                   help="grouping column(s), e.g. wave or operator,wave")
    p.add_argument("--bootstrap", metavar="B", type=int, default=1000,
                   help="bootstrap resamples of the index (within groups; default 1000)")
    p.add_argument("--permutations", metavar="P", type=int, default=1000,
                   help="permutations of the PLS-MGA and MICOM tests (default 1000)")
    p.add_argument("--seed", metavar="S", type=int, default=1, help="seed of every random step")
    weights_argument(p)
    json_argument(p, "write the result as JSON")
    out_argument(p, "write the tables as CSV files to DIR")
    quiet_argument(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..compare import compare
    from ..exceptions import CSIModelWarning
    from ..model.spec import load_model

    by = [c.strip() for c in args.by.split(",") if c.strip()]
    if not 1 <= len(by) <= 2:
        raise UsageError(f"--by takes one or two column names (e.g. wave or operator,wave). "
                         f"Got {args.by!r}.")
    if args.bootstrap < 2:
        raise UsageError(f"--bootstrap must be at least 2 resamples (1000 or more recommended "
                         f"for intervals). Got {args.bootstrap}.")
    if args.permutations < 10:
        raise UsageError(f"--permutations must be at least 10. Got {args.permutations}.")
    options = read_options(args)
    scale = options["scale"]
    path = survey_path(args)
    spec = load_model(args.model)
    json_path = Path(args.json_out) if args.json_out else None
    out_dir = Path(args.out) if args.out else None
    check_outputs(model_inputs(spec, path), json_path, out_dir, COMPARE_FILES)
    survey, data_warnings = read_survey_for(spec, path, options=options,
                                            missing_codes=parse_codes(args.missing_codes))
    data_warnings += bootstrap_warnings(args.bootstrap)
    for column in by:
        check_column("--by", column, list(survey.data.columns), args.survey)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = compare(spec, survey, by=by, bootstrap=args.bootstrap,
                         n_permutations=args.permutations, seed=args.seed, scale=scale,
                         missing=args.missing, weights=args.weights)
    data_warnings += [str(w.message) for w in caught if issubclass(w.category, CSIModelWarning)]
    payload = result.to_dict()
    payload["warnings"] = list(dict.fromkeys(payload["warnings"] + data_warnings))
    if json_path is not None:
        write_json(json_path, payload)
    written = []
    if out_dir is not None:
        written = _write_tables(out_dir, result, payload["warnings"])
    if not args.quiet:
        print_with_warnings(result.summary(), payload["warnings"])
        for p in ([json_path] if json_path else []) + written:
            print(f"Written: {p}")
    return 0


def _write_tables(out_dir: Path, result, messages) -> list[Path]:
    inv = result.invariance
    tables = {"invariance": inv.ladder.reset_index() if inv is not None else None,
              "partial_invariance": inv.suggestions if inv is not None else None,
              "cbsem_paths": result.cbsem_paths, "pls_paths": result.pls_paths,
              "micom": result.micom, "index": result.index.table,
              "index_differences": result.index_diff, "trends": result.trends}
    written = []
    with atomic_directory(out_dir, owned=COMPARE_FILES) as tmp:
        for name, frame in tables.items():
            if frame is not None and len(frame):
                write_text(tmp / f"{name}.csv", frame.to_csv(index=False))
                written.append(out_dir / f"{name}.csv")
        write_text(tmp / "warnings.txt", "\n".join(messages) + "\n")
        written.append(out_dir / "warnings.txt")
    return written
