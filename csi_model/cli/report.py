"""``csi-model report``: one self-contained HTML report (tables and figures inline)."""
from __future__ import annotations

import argparse
import contextlib
import warnings
from pathlib import Path

from ._common import (FORMATTER, UsageError, check_outputs, epilog, model_inputs, out_argument,
                      parse_codes, quiet_argument, survey_arguments, survey_path, write_text)


def add_parser(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "report", parents=[common], formatter_class=FORMATTER,
        help="one self-contained HTML report (tables and figures inline)",
        description="Run the measurement model, the CB-SEM (bootstrapped), the PLS index and "
                    "the group comparisons on a survey and write one self-contained HTML file "
                    "with every table and figure (inline PNG images), in English or Chinese.",
        epilog=epilog("""
            Item scales and wording come from --codebook (default: telecom when the survey
            has its items). Columns named by --by, --wave and --compare are used only if the
            survey has them.

            examples:
              csi-model report survey.csv --model telecom --out report.html
              csi-model report survey.csv --model telecom --lang zh --bootstrap 1000 --seed 1 --out 报告.html
            """))
    survey_arguments(p, missing_codes="99")
    out_argument(p, "the HTML file to write", metavar="OUT", short=True, required=True)
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
    quiet_argument(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..survey.codebook import load_codebook
    from ..report.analysis import analyze
    from ..report.html import report_html
    from ..model.spec import load_model
    from ..survey.read import read_survey

    path = survey_path(args)
    if args.bootstrap < 0:
        raise UsageError(f"--bootstrap must be 0 or a positive number. Got {args.bootstrap}.")
    out = Path(args.out)
    spec = load_model(args.model)
    check_outputs(model_inputs(spec, path), out, None, file_flag="--out")
    codebook = None
    if args.codebook:
        codebook = load_codebook(args.codebook)
    else:
        with contextlib.suppress(Exception):
            cb = load_codebook("telecom")
            codebook = cb if all(i in cb for i in spec.observed) else None
    codes = parse_codes(args.missing_codes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # shown in the report
        survey = read_survey(str(path), items=list(spec.observed), missing_codes=codes)
        a = analyze(spec, survey, codebook=codebook, seed=args.seed, bootstrap=args.bootstrap,
                    htmt_bootstrap=min(args.bootstrap, 200) if args.bootstrap else 0,
                    group_by=args.by, wave_by=args.wave, compare_by=args.compare,
                    progress=not args.quiet)
        html_text = report_html(a, lang=args.lang, progress=not args.quiet)
    write_text(out, html_text)
    if not args.quiet:
        print(f"Written: {out}")
    return 0

