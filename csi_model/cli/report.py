"""``csi-model report``: one self-contained HTML report (tables and figures inline)."""
from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from ._common import (EXIT_NOT_CONVERGED, FORMATTER, UsageError, check_bootstrap, check_column,
                      epilog, missing_argument, model_inputs, out_argument, parse_codes, quiet_argument,
                      read_options, survey_arguments, survey_path, weights_argument)
from ._io import check_outputs, not_converged_message, read_survey_for, write_text


def add_parser(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "report", parents=[common], formatter_class=FORMATTER,
        help="one self-contained HTML report (tables and figures inline)",
        description="Run the measurement model, the CB-SEM (bootstrapped), the PLS index and "
                    "the group comparisons on a survey and write one self-contained HTML file "
                    "with every table and figure (inline PNG images), in English or Chinese.",
        epilog=epilog("""
            Item scales, missing codes, reverse coding and wording come from --codebook
            (default: telecom when it describes every model item); answers outside the
            codebook's scale are an error unless --out-of-range missing (--scale overrides
            the codebook's scales). A column named with --by, --wave or --compare must exist (else an
            error with the closest names); without them, 'operator' and 'wave' are used if
            the survey has them.

            examples:
              csi-model report survey.csv --model telecom --out report.html
              csi-model report survey.csv --model telecom --lang zh --bootstrap 1000 --seed 1 --out 报告.html
              csi-model report survey.csv --model telecom --weights w --out weighted.html

            With --weights every table and estimate is weighted and says so (the CB-SEM then
            has robust standard errors instead of the bootstrap).
            """))
    survey_arguments(p, missing_codes="99")
    out_argument(p, "the HTML file to write", metavar="OUT", short=True, required=True)
    missing_argument(p, "analysis", default="ml")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language (default en)")
    p.add_argument("--codebook", metavar="CODEBOOK", default=None,
                   help="bundled codebook name or file (default: telecom if it fits the model)")
    p.add_argument("--bootstrap", type=int, default=200, metavar="B",
                   help="CB-SEM bootstrap resamples (default 200; 0 for delta-method SEs)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="seed (default 1)")
    p.add_argument("--by", default=None, metavar="COLUMN",
                   help="groups of the index (default: operator, if the survey has it)")
    p.add_argument("--wave", default=None, metavar="COLUMN",
                   help="waves of the trends (default: wave, if the survey has it)")
    p.add_argument("--compare", default=None, metavar="COLUMN",
                   help="groups of the invariance ladder and path comparison (default: wave, "
                        "if the survey has it)")
    weights_argument(p)
    quiet_argument(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..report.analysis import analyze
    from ..report.html import report_html
    from ..model.spec import load_model

    path = survey_path(args)
    boot_warnings = check_bootstrap(args, need_seed=False)
    out = Path(args.out)
    spec = load_model(args.model)
    check_outputs(model_inputs(spec, path), out, None, file_flag="--out")
    codebook = codebook_for(spec, args.codebook)
    options = read_options(args)
    codes = parse_codes(args.missing_codes)
    survey, data_warnings = read_survey_for(
        spec, path, missing_codes=codes, options=options,
        codebook=codebook if not options["scale"] else None)
    columns = list(survey.data.columns)
    chosen = {}
    for flag, attr, default in (("--by", "by", "operator"), ("--wave", "wave", "wave"),
                                ("--compare", "compare", "wave")):
        given = getattr(args, attr)
        check_column(flag, given, columns, args.survey)
        chosen[attr] = given if given is not None else (default if default in columns else None)
    check_column("--weights", args.weights, columns, args.survey)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # shown in the report
        a = analyze(spec, survey, codebook=codebook, seed=args.seed, bootstrap=args.bootstrap,
                    htmt_bootstrap=min(args.bootstrap, 200) if args.bootstrap else 0,
                    group_by=chosen["by"], wave_by=chosen["wave"],
                    compare_by=chosen["compare"], scale=options["scale"],
                    progress=not args.quiet, missing=args.missing, weights=args.weights)
        html_text = report_html(a, lang=args.lang,
                                extra_warnings=[*boot_warnings, *data_warnings],
                                progress=not args.quiet)
    write_text(out, html_text)
    if not args.quiet:
        print(f"Written: {out}")
    sem = getattr(a, "sem", None)
    if sem is not None and not sem.converged:
        import sys
        print(f"csi-model: error: {not_converged_message(sem, survey, data_warnings)} "
              f"The report '{out}' says so at its top.", file=sys.stderr)
        return EXIT_NOT_CONVERGED
    return 0


def codebook_for(spec, name):
    """The codebook of --codebook, or the bundled telecom one when it covers every model item.

    A codebook named with --codebook that does not cover the model's items is an error
    listing the items it lacks.
    """
    from ..survey.codebook import load_codebook
    if name:
        cb = load_codebook(name)
        lacking = [i for i in spec.observed if i not in cb]
        if lacking:
            raise UsageError(f"--codebook {name!r} does not describe {len(lacking)} of the "
                             f"model's items ({', '.join(lacking[:8])}"
                             f"{' ...' if len(lacking) > 8 else ''}); it fits another model. "
                             "Pass a codebook for this model, or leave --codebook out.")
        return cb
    try:
        cb = load_codebook("telecom")
    except Exception:  # noqa: BLE001 - the bundled codebook is optional
        return None
    return cb if all(i in cb for i in spec.observed) else None

