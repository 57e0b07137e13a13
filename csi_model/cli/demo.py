"""``csi-model demo``: the telecom model on the embedded demo survey."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from ._common import FORMATTER, epilog, out_argument
from ._io import check_outputs
from .fit import TABLE_FILES, print_report, read_and_fit, write_tables

DEFAULT_DEMO_DIR = "csi_model_demo"


def add_parser(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "demo", parents=[common], formatter_class=FORMATTER,
        help="fit the telecom model to the embedded demo survey",
        description="The whole job on the demo survey shipped with csi_model (600 simulated "
                    "respondents of three operators, 24 items on 1-10, code 99 = don't know): "
                    "load the 'telecom' model, read and check the survey, fit it by ML with "
                    "full-information ML for the 'don't know' answers (every respondent is "
                    "kept), print the data report and the summary, and write the tables to DIR.",
        epilog=epilog(f"""
            examples:
              csi-model demo                      # tables in ./{DEFAULT_DEMO_DIR}/
              csi-model demo --out /tmp/demo

            The same in Python:
              import csi_model as cm
              spec = cm.load_model("telecom")
              survey = cm.read_survey("telecom_demo.csv", items=spec.observed, missing_codes=[99])
              result = cm.fit(spec, survey, missing="fiml")
            """))
    out_argument(p, f"directory for the tables (default: ./{DEFAULT_DEMO_DIR})",
                 default=DEFAULT_DEMO_DIR)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from importlib import resources
    from ..model.spec import load_model

    out_dir = Path(args.out)
    spec = load_model("telecom")
    with resources.as_file(resources.files("csi_model.data") / "telecom_demo.csv") as csv_path:
        check_outputs([csv_path], None, out_dir, TABLE_FILES)
        survey, result, data_warnings = read_and_fit(spec, csv_path, missing_codes=(99,),
                                                     estimator="ML", missing="fiml")
    written = write_tables(out_dir, survey, result, data_warnings)
    print("csi_model demo: the telecom CSI model (ECSI + ACSI complaints) on the embedded "
          "survey of 600 mobile customers.\n")
    print_report(survey, result, data_warnings)
    print(f"\nTables written to {out_dir.resolve()}{os.sep}: "
          + ", ".join(p.name for p in written))
    print("Next: 'csi-model fit YOUR_SURVEY.csv --model telecom --missing-codes 99' "
          "(see 'csi-model fit --help').")
    return 0
