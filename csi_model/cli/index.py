"""``csi-model index``: the 0-100 index per latent (and group), impacts and IPMA."""
from __future__ import annotations

import argparse
import warnings

from ._common import (FORMATTER, UsageError, check_column, epilog, json_argument, parse_scale,
                      quiet_argument)
from ._io import all_warnings, print_with_warnings, write_json
from .pls import fit_pls_quietly, pls_arguments, read_for_pls


def add_parser(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "index", parents=[common], formatter_class=FORMATTER,
        help="0-100 satisfaction index per latent (and group), impacts and IPMA",
        description="Fit the PLS path model, then compute the ACSI 0-100 index of every latent "
                    "from the unstandardized outer weights and the item scale, overall and per "
                    "group (--by), the impacts on the target (index points for a 5-point gain "
                    "of each driver) and the importance-performance map (IPMA).",
        epilog=epilog("""
            The item scale comes from --scale (e.g. 1,10; answers outside it are an error
            unless --out-of-range missing), else the codebook; without either the command
            stops (the scale is never guessed from the answers). An index outside 0-100 is
            never printed: it is an error. A negative
            outer weight is reported: the index formula assumes positive weights.

            --json OUT writes index (group, latent, n, index, se, ci.lower, ci.upper), weights,
            impacts, ipma, target, gain, by, bootstrap and warnings.

            examples:
              csi-model index survey.csv --model telecom --missing-codes 99 --scale 1,10
              csi-model index survey.csv --model telecom --by operator --bootstrap 5000 --seed 1
              csi-model index survey.csv --model ecsi --target SAT --json index.json
              csi-model index survey.csv --model cmcc --bootstrap 2000 --seed 1 --priorities zh

            --priorities adds the study report (csi_model.priorities): structural scores with
            intervals, impacts, the loyalty gain per satisfaction point and the items of every
            driver ranked by potential gain = importance x (100 - score), in English (en,
            the default) or Chinese (zh); in the JSON under "priorities".
            """))
    pls_arguments(p)
    p.add_argument("--by", metavar="COLUMN", help="a survey column (operator, wave...): the "
                                                  "index per group too")
    p.add_argument("--target", metavar="LATENT", help="target of impacts and IPMA (default SAT)")
    p.add_argument("--priorities", nargs="?", const="en", choices=("en", "zh"), metavar="LANG",
                   help="also the study report: loyalty gain per satisfaction point and item "
                        "priorities per driver (LANG en or zh, default en)")
    json_argument(p, "write the result as JSON")
    quiet_argument(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..pls.index import csi_index

    scale = parse_scale(args.scale)
    spec, survey, data_warnings, json_path = read_for_pls(args)
    check_column("--by", args.by, list(survey.data.columns), args.survey)
    pls_args = argparse.Namespace(**{**vars(args), "bootstrap": 0})
    result = fit_pls_quietly(spec, survey, pls_args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # they are on the result's warnings
        index = csi_index(result, scale=scale, by=args.by, target=args.target,
                          bootstrap=args.bootstrap or None, seed=args.seed, ci_method=args.ci)
    messages = all_warnings(result, data_warnings)
    messages += [w for w in index.warnings if w not in messages]
    report = None
    if args.priorities:
        from ..pls.priorities import priorities
        outcome = "LOY" if "LOY" in spec.latents else None
        try:
            report = priorities(index, outcome=outcome)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if json_path is not None:
        payload = index.to_dict()
        if report is not None:
            payload["priorities"] = report.to_dict()
        payload["n"] = int(result.n)
        payload["scheme"] = result.scheme
        payload["warnings"] = messages
        write_json(json_path, payload)
    if not args.quiet:
        print(survey.report.summary())
        print()
        print_with_warnings(index.summary(), messages)
        if report is not None:
            print()
            print(report.summary(lang=args.priorities))
        if json_path is not None:
            print(f"\nWritten: {json_path}")
    return 0
