"""Benchmarks of csi_model against semopy used naively and lavaan (through Rscript).

Usage (from the repository root)::

    python benchmarks/run.py                 # everything (about 5 minutes with lavaan)
    python benchmarks/run.py --quick         # no 1M case, semopy bootstrap from 10 resamples
    python benchmarks/run.py --no-lavaan     # skip R even when Rscript is installed

Prints Markdown tables: wall-clock seconds of each task for csi_model, semopy and lavaan in
the same run, and the ratios lavaan / csi_model (above 1: csi_model is faster). Data are
simulated telecom surveys (``csi_model.simulate_survey("telecom", n, seed=1)``) written as
CSV files to a temporary directory (never to the repository), and tests/data/
telecom_two_waves.csv for the group comparison; every tool reads the same files.

Two kinds of timing:

* **in-process**: the work after the libraries are loaded (csi_model: best of a few calls
  in this process; lavaan: ``system.time`` inside R, one core; semopy: a new ``Model`` per
  fit, ``fit`` + ``inspect``);
* **whole command**: what a user waits for - a fresh ``csi-model ...`` process (interpreter
  start, ``import csi_model``, reading the CSV, fitting, writing JSON) against a fresh
  ``Rscript benchmarks/lavaan_command.R ...`` (R start, ``library(lavaan)``, ``read.csv``,
  ``sem()``, parameterEstimates/standardizedSolution/fitMeasures written as JSON). Wall
  clock, best of ``--repeat`` runs; the CPU seconds (user + system) of the same runs are
  printed too, as they depend less on what else the machine is doing.

Tasks
-----
import                 ``python -c "import csi_model"`` / ``Rscript -e "library(lavaan)"``.
fit n=...              ML fit of the telecom model (csi_model: fit() of a data frame; semopy:
                       Model(desc).fit(df) + inspect(); lavaan: sem()); the whole command at
                       n=250 is ``csi-model fit survey.csv --model telecom.lav --json out.json``.
read CSV + fit 1M      read the 1,000,000-row CSV and fit (csi_model: read_survey + fit).
bootstrap 1000         1000 nonparametric resamples at n=250 (csi_model: fit(bootstrap=1000),
                       one process and n_jobs=2, and ``csi-model fit ... --bootstrap 1000``;
                       semopy naive: a new Model fitted per resample, timed on a few resamples
                       and scaled to 1000; lavaan: se="bootstrap").
compare / ladder       two waves, n=1200: csi_model's whole ``csi-model compare --by wave``
                       (invariance ladder with release tests, Wald path differences, PLS-MGA
                       and MICOM with 1000 permutations, the index per wave with 1000
                       resamples and its differences) and its ladder alone (invariance());
                       lavaan: the ladder alone (configural, metric, scalar, strict) with
                       lavTestLRT.
pipeline               n=250: measurement model + fit + effects (csi_model: measurement(n_boot=0),
                       fit, effects; semopy: Model fit, inspect, calc_stats; lavaan: cfa + sem +
                       parameterEstimates, standardizedSolution, fitMeasures).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "tests" / "reference" / "lavaan" / "telecom.lav"
WAVES = ROOT / "tests" / "data" / "telecom_two_waves.csv"
CSI_MODEL = [sys.executable, "-m", "csi_model.cli"]   # the csi-model command of this Python


def timed(fn, repeat: int = 1) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def command_time(cmd, repeat: int = 1) -> tuple[float, float]:
    """(best wall-clock seconds, CPU seconds of that run) of a fresh process running ``cmd``."""
    best = (np.inf, np.nan)
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, cmd))} failed: {proc.stderr.strip()[-800:]}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if wall < best[0]:
            best = (wall, cpu)
    return best


def ensure_bytecode() -> None:
    """Compile csi_model's bytecode once, as ``pip install`` does: with
    PYTHONDONTWRITEBYTECODE set (as on the team's machines) every fresh process would
    otherwise recompile the ~130 modules it imports (~0.1-0.2 s of each command)."""
    import compileall
    compileall.compile_dir(str(ROOT / "csi_model"), quiet=1)


def floor_tasks(repeat: int) -> dict[str, tuple]:
    """What any Python command pays before csi_model does anything (fresh processes)."""
    py = [sys.executable, "-c"]
    return {"python": command_time(py + ["pass"], repeat),
            "numpy_pandas": command_time(py + ["import numpy, pandas"], repeat),
            "numpy_pandas_special": command_time(py + ["import numpy, pandas, scipy.special"],
                                                 repeat)}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def make_data(sizes, folder: Path) -> dict[int, Path]:
    import csi_model as cm
    out = {}
    for n in sizes:
        path = folder / f"telecom_{n}.csv"
        if not path.exists():
            cm.simulate_survey("telecom", n=n, seed=1).to_csv(path, index=False)
        out[n] = path
    return out


def read_fit_subprocess(path: Path) -> tuple[float, float, float]:
    """(wall incl. import, wall of read + fit, peak RSS in MB) in a fresh interpreter."""
    code = textwrap.dedent(f"""
        import time, resource, json, warnings
        t0 = time.perf_counter()
        import csi_model as cm
        warnings.simplefilter("ignore")
        spec = cm.load_model({str(MODEL)!r})
        t1 = time.perf_counter()
        survey = cm.read_survey({str(path)!r}, items=spec.observed)
        res = cm.fit(spec, survey)
        t2 = time.perf_counter()
        assert res.converged
        print(json.dumps([t2 - t0, t2 - t1, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]))
        """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return tuple(json.loads(out.stdout.strip().splitlines()[-1]))


def semopy_tasks(paths, sizes, n_boot_semopy: int, B: int) -> dict[str, float]:
    import pandas as pd
    import semopy
    from threadpoolctl import threadpool_limits
    desc = MODEL.read_text()
    desc = "\n".join(line.split("#")[0] for line in desc.splitlines())
    out = {}

    def fit_once(df):
        m = semopy.Model(desc)
        m.fit(df)
        return m.inspect()

    with warnings.catch_warnings(), threadpool_limits(1, user_api="blas"):
        warnings.simplefilter("ignore")
        for n in sizes:
            df = pd.read_csv(paths[n])
            out[f"fit_{n}"] = timed(lambda: fit_once(df), repeat=1 if n > 50_000 else 2)
        df = pd.read_csv(paths[250])
        rng = np.random.default_rng(1)
        t0 = time.perf_counter()
        for _ in range(n_boot_semopy):
            fit_once(df.iloc[rng.integers(0, len(df), len(df))].reset_index(drop=True))
        out["bootstrap"] = (time.perf_counter() - t0) / n_boot_semopy * B

        def pipeline():
            m = semopy.Model(desc)
            m.fit(df)
            m.inspect()
            semopy.calc_stats(m)
        out["pipeline"] = timed(pipeline)
    return out


def csi_tasks(paths, sizes, B: int) -> dict[str, float]:
    import pandas as pd
    import csi_model as cm
    spec = cm.load_model(MODEL)
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n in sizes:
            df = pd.read_csv(paths[n])
            out[f"fit_{n}"] = timed(lambda: cm.fit(spec, df), repeat=1 if n > 50_000 else 10 if n <= 5000 else 2)
        df = pd.read_csv(paths[250])
        res = {}
        out["bootstrap"] = timed(lambda: res.setdefault(1, cm.fit(spec, df, bootstrap=B, seed=1)))
        out["bootstrap_2jobs"] = timed(lambda: cm.fit(spec, df, bootstrap=B, seed=1, n_jobs=2))
        out["bootstrap_failed"] = res[1].bootstrap.n_failed

        def pipeline():
            cm.measurement(spec, df, n_boot=0, seed=1)
            r = cm.fit(spec, df)
            cm.effects(r)
            cm.specific_indirect_effects(r)
        out["pipeline"] = timed(pipeline)
    return out


def csi_command_tasks(paths, B: int, folder: Path, repeat: int) -> dict[str, tuple]:
    """Whole csi-model commands (fresh processes), and the in-process ladder."""
    import csi_model as cm
    from csi_model.sem.groups import invariance
    out = {"import": command_time([sys.executable, "-c", "import csi_model"], repeat)}
    fit = CSI_MODEL + ["fit", str(paths[250]), "--model", str(MODEL), "--json",
                       str(folder / "csi_fit.json"), "--quiet"]
    out["fit"] = command_time(fit, repeat)
    out["bootstrap"] = command_time(fit + ["--bootstrap", str(B), "--seed", "1"], repeat)
    out["compare"] = command_time(CSI_MODEL + [
        "compare", str(WAVES), "--model", str(MODEL), "--by", "wave", "--seed", "1",
        "--scale", "1,10", "--json", str(folder / "csi_compare.json"), "--quiet"],
        max(1, repeat - 1))
    out["pls_bootstrap"] = command_time(CSI_MODEL + [
        "pls", str(paths[250]), "--model", str(MODEL), "--bootstrap", "5000", "--seed", "1",
        "--json", str(folder / "csi_pls.json"), "--quiet"], repeat)
    spec = cm.load_model(MODEL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = {}
        out["ladder_inprocess"] = timed(lambda: res.setdefault(1, invariance(
            spec, WAVES, by="wave", suggest=False)), repeat=3)
    out["ladder_chisq"] = float(res[1].ladder.loc["scalar", "chisq"])
    return out


def lavaan_command_tasks(paths, B: int, folder: Path, repeat: int) -> dict[str, tuple] | None:
    """Whole Rscript runs of benchmarks/lavaan_command.R, with R's own timing of the work."""
    if shutil.which("Rscript") is None:
        return None
    script = str(ROOT / "benchmarks" / "lavaan_command.R")
    out = {"import": command_time(["Rscript", "-e", "suppressPackageStartupMessages("
                                   "library(lavaan))"], repeat)}
    jobs = {"fit": (["fit", str(MODEL), str(paths[250])], [], repeat),
            "bootstrap": (["fit", str(MODEL), str(paths[250])], [str(B)], 1),
            "ladder": (["ladder", str(MODEL), str(WAVES)], ["wave"], max(1, repeat - 1))}
    for key, (head, tail, k) in jobs.items():
        target = folder / f"lavaan_{key}.json"
        try:
            out[key] = command_time(["Rscript", script] + head + [str(target)] + tail, k)
        except RuntimeError as exc:
            print(f"lavaan {key} failed: {exc}", file=sys.stderr)
            return None
        result = json.loads(target.read_text())
        out[f"{key}_inprocess"] = result["seconds"]
        if key == "ladder":
            out["ladder_chisq"] = result["fit_measures"]["scalar"]["chisq"]
    return out


def lavaan_tasks(paths, sizes, B: int, folder: Path) -> dict[str, float] | None:
    if shutil.which("Rscript") is None:
        return None
    out_file = folder / "lavaan_times.json"
    cmd = ["Rscript", str(ROOT / "benchmarks" / "lavaan_bench.R"), str(MODEL), str(folder),
           str(out_file)] + [str(n) for n in sizes]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"lavaan failed: {proc.stderr.strip()[-500:]}", file=sys.stderr)
        return None
    out = json.loads(out_file.read_text())
    out["_wall"] = time.perf_counter() - t0
    return out


def fmt(x) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "-"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def ratio(a, b) -> str:
    if a is None or b is None or not b:
        return "-"
    return f"{a / b:.1f}x"


def goal_table(ours, ours_cmd, lav, lav_cmd, big, B) -> None:
    """Issue 19's goals, each with csi_model's and lavaan's figure of this run."""
    def cell(d, key, i):
        return None if d is None or key not in d else d[key][i]

    print()
    print("Issue 19's goals in this run (wall clock, best of the runs; CPU seconds in brackets):")
    print()
    print("| goal | target | csi_model | lavaan | lavaan / csi_model | met |")
    print("|---|---|---:|---:|---:|---|")

    def row(goal, target, a, l=None, a_cpu=None, l_cpu=None, ok=None):
        a_txt = fmt(a) + (f" ({fmt(a_cpu)})" if a_cpu is not None else "")
        l_txt = fmt(l) + (f" ({fmt(l_cpu)})" if l_cpu is not None else "")
        print(f"| {goal} | {target} | {a_txt} | {l_txt} | {ratio(l, a)} | "
              f"{'-' if ok is None else 'yes' if ok else 'no'} |")

    imp = ours_cmd["import"]
    row("`import csi_model`", "<= 0.5 s", imp[0], None, imp[1], None, imp[0] <= 0.5)
    row("in-process fit, telecom n=250", "<= 30 ms", ours["fit_250"],
        lav and lav.get("fit_250"), ok=ours["fit_250"] <= 0.030)
    for key, goal, target, factor in (("fit", "`csi-model fit --json` vs Rscript + lavaan",
                                       ">= 1.5x", 1.5),
                                      ("bootstrap", f"bootstrap {B}, whole command", ">= 40x", 40),
                                      ("compare", "`compare --by wave` vs lavaan's ladder",
                                       ">= 3x", 3)):
        lkey = "ladder" if key == "compare" else key
        a, l = ours_cmd[key], (lav_cmd or {}).get(lkey)
        row(goal, target, a[0], l and l[0], a[1], l and l[1],
            None if l is None else l[0] / a[0] >= factor)
    pb = ours_cmd["pls_bootstrap"]
    row("`csi-model pls --bootstrap 5000`", "<= 1.5 s", pb[0], None, pb[1], None, pb[0] <= 1.5)
    if big is not None:
        row("read CSV + fit, 1M rows, in memory", "<= 5 s", big[1],
            lav and lav.get("read_fit_1000000"), ok=big[1] <= 5)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="skip the 1M case; 10 semopy resamples")
    ap.add_argument("--no-lavaan", action="store_true", help="do not run lavaan")
    ap.add_argument("--no-semopy", action="store_true", help="do not run semopy")
    ap.add_argument("--B", type=int, default=1000, help="bootstrap resamples (default 1000)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each whole command; the best is reported (default 3)")
    ap.add_argument("--semopy-resamples", type=int, default=None,
                    help="semopy resamples actually timed (scaled to B; default 30, quick 10)")
    ap.add_argument("--data-dir", default=None, help="where to write the CSVs (default: a temp dir)")
    args = ap.parse_args(argv)
    sizes = [250, 5_000, 50_000] + ([] if args.quick else [1_000_000])
    folder = Path(args.data_dir or tempfile.mkdtemp(prefix="csi_bench_"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"# csi_model benchmarks, {time.strftime('%Y-%m-%d %H:%M')}", flush=True)
    print(f"# machine: {machine()}", flush=True)
    paths = make_data(sizes, folder)
    ensure_bytecode()
    floors = floor_tasks(args.repeat)

    lav = None if args.no_lavaan else lavaan_tasks(paths, sizes, args.B, folder)
    lav_cmd = None if args.no_lavaan else lavaan_command_tasks(paths, args.B, folder, args.repeat)
    ours = csi_tasks(paths, sizes, args.B)
    ours_cmd = csi_command_tasks(paths, args.B, folder, args.repeat)
    big = read_fit_subprocess(paths[1_000_000]) if 1_000_000 in sizes else None
    semo = None
    if not args.no_semopy:
        k = args.semopy_resamples or (10 if args.quick else 30)
        semo = semopy_tasks(paths, sizes, k, args.B)

    def get(d, key, i=None):
        if d is None or key not in d:
            return None
        return d[key] if i is None else d[key][i]

    rows = [("import", None, get(ours_cmd, "import", 0), None, None, get(lav_cmd, "import", 0))]
    for n in sizes:
        key = f"fit_{n}"
        rows.append((f"fit n={n:,}", ours[key],
                     get(ours_cmd, "fit", 0) if n == 250 else None, semo and semo[key],
                     lav and lav.get(key), get(lav_cmd, "fit", 0) if n == 250 else None))
    if big is not None:
        rows.append(("read CSV + fit n=1,000,000", big[1], big[0], None,
                     lav and lav.get("read_fit_1000000"), None))
    rows.append((f"bootstrap {args.B} (n=250, 1 process)", ours["bootstrap"],
                 get(ours_cmd, "bootstrap", 0), semo and semo["bootstrap"],
                 get(lav_cmd, "bootstrap_inprocess"), get(lav_cmd, "bootstrap", 0)))
    rows.append((f"bootstrap {args.B} (n=250, n_jobs=2)", ours["bootstrap_2jobs"], None,
                 None, get(lav_cmd, "bootstrap_inprocess"), None))
    rows.append(("invariance ladder, 4 steps (n=1200, 2 waves)", ours_cmd["ladder_inprocess"],
                 None, None, get(lav_cmd, "ladder_inprocess"), get(lav_cmd, "ladder", 0)))
    rows.append(("compare --by wave (whole command) vs lavaan's ladder", None,
                 get(ours_cmd, "compare", 0), None, get(lav_cmd, "ladder_inprocess"),
                 get(lav_cmd, "ladder", 0)))
    rows.append(("pipeline: measurement + fit + effects (n=250)", ours["pipeline"], None,
                 semo and semo["pipeline"], lav and lav.get("pipeline"), None))
    print()
    print("Wall-clock seconds (best of the runs; in-process = after imports; command = a fresh "
          "process, start to exit):")
    print()
    print("| task | csi_model in-process | csi_model command | semopy in-process "
          "| lavaan in-process | lavaan command | lavaan / csi_model in-process "
          "| lavaan / csi_model command |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, a, a_cmd, s, l, l_cmd in rows:
        print(f"| {name} | {fmt(a)} | {fmt(a_cmd)} | {fmt(s)} | {fmt(l)} | {fmt(l_cmd)} "
              f"| {ratio(l, a)} | {ratio(l_cmd, a_cmd)} |")
    if ours_cmd is not None:
        print()
        print("CPU seconds (user + system) of the same whole-command runs:")
        print()
        print("| command | csi_model | lavaan | lavaan / csi_model |")
        print("|---|---:|---:|---:|")
        for key, name in (("import", "import"), ("fit", "fit n=250, JSON out"),
                          ("bootstrap", f"fit n=250, bootstrap {args.B}"),
                          ("compare", "csi-model compare / lavaan ladder"),
                          ("pls_bootstrap", "csi-model pls --bootstrap 5000")):
            lkey = "ladder" if key == "compare" else key
            a, l = get(ours_cmd, key, 1), get(lav_cmd, lkey, 1)
            print(f"| {name} | {fmt(a)} | {fmt(l)} | {ratio(l, a)} |")
    print()
    print("The floor of any Python command (fresh processes, wall / CPU seconds):")
    print()
    print("| command | wall | CPU |")
    print("|---|---:|---:|")
    for key, name in (("python", 'python -c "pass"'),
                      ("numpy_pandas", 'python -c "import numpy, pandas"'),
                      ("numpy_pandas_special", 'python -c "import numpy, pandas, scipy.special"')):
        print(f"| `{name}` | {fmt(floors[key][0])} | {fmt(floors[key][1])} |")
    goal_table(ours, ours_cmd, lav, lav_cmd, big, args.B)
    print()
    if lav_cmd is None:
        print("lavaan: skipped (" + ("--no-lavaan" if args.no_lavaan else "Rscript/lavaan not "
                                      "available") + ").")
    else:
        print(f"lavaan {lav.get('version') if lav else ''} in-process: system.time inside R, "
              "one core; commands: benchmarks/lavaan_command.R.")
        print(f"scalar step chi-square: csi_model {ours_cmd['ladder_chisq']:.3f}, "
              f"lavaan {lav_cmd['ladder_chisq']:.3f}.")
    if semo is not None:
        print(f"semopy bootstrap: {args.semopy_resamples or (10 if args.quick else 30)} resamples "
              f"timed (a new Model per resample), scaled to {args.B}.")
    print(f"csi_model bootstrap: {ours['bootstrap_failed']} of {args.B} resamples failed.")
    if big is not None:
        print(f"1M respondents (fresh process): read_survey + fit {big[1]:.1f} s, "
              f"{big[0]:.1f} s including 'import csi_model'; peak memory {big[2]:.0f} MB.")
    if not args.data_dir:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
