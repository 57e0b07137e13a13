"""``csi-model measure``: the measurement model (EFA, reliability, validity, CFA diagnostics)."""
from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from ._common import (FORMATTER, UsageError, atomic_directory, check_bootstrap, epilog, missing_argument,
                      json_argument, model_inputs, out_argument, parse_codes, quiet_argument,
                      read_options, survey_arguments, survey_path, weights_argument)
from ._io import all_warnings, check_outputs, not_in_report, read_survey_for, write_json, write_text

#: The files ``--out DIR`` writes.
MEASURE_FILES = ("reliability.csv", "items.csv", "efa_loadings.csv", "eigenvalues.csv",
                 "fornell_larcker.csv", "htmt.csv", "cross_loadings.csv", "modindices.csv",
                 "residuals.csv", "fit_measures.csv", "verdicts.csv", "warnings.txt")


def add_parser(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "measure", parents=[common], formatter_class=FORMATTER,
        help="assess the measurement model: EFA, reliability, validity, CFA diagnostics",
        description="Assess the measurement model (the '=~' lines of MODEL) on a survey: KMO, "
                    "Bartlett's test, parallel analysis and an EFA whose factors are matched "
                    "to the model's latents; Cronbach's alpha, rho_c, omega, rho_A, AVE; "
                    "standardized CFA loadings, Fornell-Larcker, HTMT/HTMT2 with bootstrap "
                    "intervals, cross-loadings; the CFA's fit, modification indices and "
                    "normalized residuals; verdicts against the field's thresholds.",
        epilog=epilog("""
            --out DIR writes reliability.csv, items.csv, efa_loadings.csv, eigenvalues.csv,
            fornell_larcker.csv, htmt.csv, cross_loadings.csv, modindices.csv, residuals.csv,
            fit_measures.csv, verdicts.csv and warnings.txt (numbers are not rounded).

            examples:
              csi-model measure survey.csv --model telecom --missing-codes 99
              csi-model measure ecsi_mobi.csv --model ecsi_mobi --json measurement.json
              csi-model measure survey.csv --model my_model.lav --rotation promax --htmt 0.90
              csi-model measure weighted.csv --model telecom --weights w
            """))
    survey_arguments(p)
    p.add_argument("--allow-cross-loadings", action="store_true",
                   help="allow an item to load on more than one latent")
    missing_argument(p, "measurement")
    weights_argument(p)
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
    json_argument(p, "write the full result as JSON")
    out_argument(p, "write CSV tables and warnings.txt to DIR")
    quiet_argument(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..measurement.quality import Thresholds, measurement
    from ..model.spec import load_model

    path = survey_path(args)
    boot_warnings = check_bootstrap(args, need_seed=False)
    if args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer. Got {args.seed}.")
    if not 0 < args.htmt <= 1:
        raise UsageError(f"--htmt must be a threshold in (0, 1], e.g. 0.85. Got {args.htmt}.")
    codes = parse_codes(args.missing_codes)
    spec = load_model(args.model, allow_cross_loadings=args.allow_cross_loadings)
    json_path = Path(args.json_out) if args.json_out else None
    out_dir = Path(args.out) if args.out else None
    check_outputs(model_inputs(spec, path), json_path, out_dir, MEASURE_FILES)
    items = [i for its in spec.indicators.values() for i in its if i in set(spec.observed)]
    survey, data_warnings = read_survey_for(spec, path, missing_codes=codes,
                                            items=list(dict.fromkeys(items)),
                                            options=read_options(args))
    data_warnings += boot_warnings
    check_n_factors(args.n_factors, survey, list(dict.fromkeys(items)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # they are on result.warnings
        result = measurement(spec, survey, n_factors=args.n_factors, method=args.method,
                             rotation=None if args.rotation == "none" else args.rotation,
                             thresholds=Thresholds(htmt=args.htmt), n_boot=args.bootstrap,
                             seed=args.seed, missing=args.missing, weights=args.weights)
    written: list[Path] = []
    if json_path is not None:
        payload = result.to_dict()
        payload["warnings"] = all_warnings(result, data_warnings)
        write_json(json_path, payload)
        written.append(json_path)
    if out_dir is not None:
        written += _write_tables(out_dir, result, data_warnings)
    if not args.quiet:
        print(survey.report.summary())
        for w in not_in_report(survey, data_warnings):
            print(f"  ! {w}")
        print()
        print(result.summary().as_text())
        if written:
            print("\nWritten: " + ", ".join(str(p) for p in written))
    return 0


def check_n_factors(k, survey, items) -> None:
    """--n-factors must be at least 1 and at most what the data allow (the Ledermann bound:
    an EFA with k factors of p items has non-negative degrees of freedom only while
    (p - k)^2 >= p + k), and below the number of complete respondents."""
    if k is None:
        return
    p = len(items)
    n = int(survey.data[items].notna().all(axis=1).sum())
    k_max = max(k_ for k_ in range(0, p + 1) if (p - k_) ** 2 >= p + k_)
    k_max = min(k_max, max(n - 1, 0))
    if not 1 <= k <= k_max:
        raise UsageError(f"--n-factors must be between 1 and {k_max} for these data ({p} items, "
                         f"{n} complete respondents: more factors leave the EFA with negative "
                         f"degrees of freedom). Got {k}.")


def _write_tables(out_dir: Path, result, data_warnings) -> list[Path]:
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
    with atomic_directory(out_dir, owned=MEASURE_FILES) as tmp:
        return _write_into(tmp, out_dir, frames, result, data_warnings)


def _write_into(tmp: Path, out_dir: Path, frames: dict, result, data_warnings) -> list[Path]:
    written = []
    for name in MEASURE_FILES:
        path = tmp / name
        if name == "warnings.txt":
            text = "".join(f"{w}\n" for w in all_warnings(result, data_warnings))
        else:
            frame = frames[name]
            if frame is None:
                continue
            index = name in ("fornell_larcker.csv", "cross_loadings.csv", "residuals.csv")
            text = frame.to_csv(index=index)
        write_text(path, text)
        written.append(out_dir / name)
    return written
