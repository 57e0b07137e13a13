"""Regenerate a paper's tables and figures from the raw survey in one command.

A paper directory holds ``paper.toml`` (data, model, options) and a Markdown template
(``paper.md``). :func:`build_paper` runs every analysis with the seeds of ``paper.toml`` and
writes into ``<dir>/_build/``:

- ``tables/<name>.{tex,md,html,csv,docx}`` (one set per extra language in ``tables/<lang>/``)
  and ``tables/all_tables.docx``;
- ``figures/<name>.{png,svg}`` (likewise per language);
- ``paper.md``: the template with its ``{{table:NAME}}``, ``{{figure:NAME}}``, ``{{n}}``
  (respondents used), ``{{n_total}}`` (read), ``{{warnings}}`` (every warning of the
  analyses: rows dropped, improper solutions...; appended at the end when the template has
  no such placeholder) and ``{{fit:MEASURE}}`` placeholders filled in; ``paper.pdf`` when pandoc and a LaTeX engine
  (xelatex, for Chinese too) are installed, ``paper.html`` when pandoc is;
- ``manifest.json``: SHA-256 of the data and the model, package versions, seeds, options,
  the SHA-256 of every output, timings and the build time.

Timestamps and versions are only in the manifest, never in a table: a second build of the
same data gives byte-identical tables.

``paper.toml``::

    [data]
    survey = "demo"            # "demo" (the embedded survey) or a path relative to paper.toml
    codebook = "telecom"       # bundled name or path; gives scales, missing codes, wording
    missing_codes = [99]
    # weights = "w"            # a column of sampling weights: a weighted paper (every table
    #                          # weighted and saying so; no CB-SEM bootstrap: robust SEs)

    [model]
    model = "telecom"          # bundled model or a .lav path relative to paper.toml

    [options]
    seed = 20240501
    missing = "ml"             # "ml": keep every respondent (FIML / EM); or "listwise"
    bootstrap = 200            # CB-SEM bootstrap resamples
    htmt_bootstrap = 200
    languages = ["en", "zh"]   # the first is the paper's language
    group_by = "operator"
    wave_by = "wave"
    compare_by = "wave"

    [output]
    table_formats = ["tex", "md", "html", "csv", "docx"]
    figure_formats = ["png", "svg"]
    template = "paper.md"
    pdf = true
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import platform
import re
import shutil
import subprocess
import sys
import time
import tomllib
import warnings
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from ..exceptions import CSIModelError

__all__ = ["build_paper", "PaperConfig", "load_config", "PaperBuild"]

FIGURES = ("path_diagram", "scree", "ipma_map", "index_trends", "bootstrap")
_PACKAGES = ("numpy", "pandas", "scipy", "semopy", "factor_analyzer", "scikit-learn",
             "matplotlib", "python-docx")


class PaperConfigError(CSIModelError, ValueError):
    """A bad ``paper.toml`` (the message names the file and the key)."""


@dataclass(frozen=True)
class PaperConfig:
    """The contents of ``paper.toml`` (defaults as in the module docstring).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "paper.toml").write_text('[data]\\nsurvey = "demo"\\n[options]\\nbootstrap = 500\\n'
    ...                                   'languages = ["en", "zh"]\\n')
    >>> cfg = load_config(d)
    >>> cfg.survey, cfg.model, cfg.bootstrap, cfg.languages, cfg.build_dir == d / "_build"
    ('demo', 'telecom', 500, ('en', 'zh'), True)
    """

    directory: Path
    survey: str = "demo"
    codebook: str | None = "telecom"
    missing_codes: tuple = (99,)
    model: str = "telecom"
    seed: int = 20240501
    missing: str = "ml"
    bootstrap: int = 200
    htmt_bootstrap: int = 200
    languages: tuple = ("en",)
    group_by: str | None = "operator"
    wave_by: str | None = "wave"
    compare_by: str | None = "wave"
    table_formats: tuple = ("tex", "md", "html", "csv", "docx")
    figure_formats: tuple = ("png", "svg")
    template: str | None = "paper.md"
    pdf: bool = True
    title: str = ""
    #: the survey's column of sampling weights (a weighted paper), or None
    weights: str | None = None
    #: the column settings paper.toml gives (the others are defaults, used when present)
    explicit_columns: tuple = ()

    @property
    def build_dir(self) -> Path:
        return self.directory / "_build"


def load_config(directory) -> PaperConfig:
    """Read ``<directory>/paper.toml``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "paper.toml").write_text('[data]\\nsurvey = "demo"\\n[options]\\nbootstrap = 500\\n'
    ...                                   'languages = ["en", "zh"]\\n')
    >>> cfg = load_config(d)
    >>> cfg.seed, cfg.table_formats
    (20240501, ('tex', 'md', 'html', 'csv', 'docx'))
    >>> _ = (d / "paper.toml").write_text('[options]\\nbootstrap = "many"\\n')
    >>> try:
    ...     load_config(d)
    ... except PaperConfigError as exc:
    ...     print(exc)                                     # doctest: +ELLIPSIS
    /...paper.toml: 'bootstrap' must be a non-negative integer. Got 'many' instead.
    """
    directory = Path(directory)
    path = directory / "paper.toml"
    if not path.is_file():
        raise PaperConfigError(f"{path}: no paper.toml here. A paper directory needs a "
                               "paper.toml naming the data, the model and the options "
                               "(see 'csi-model paper --help').")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PaperConfigError(f"{path}: not valid TOML: {exc}.") from None
    known = {"data": {"survey", "codebook", "missing_codes", "weights"}, "model": {"model"},
             "options": {"seed", "bootstrap", "htmt_bootstrap", "languages", "language", "missing",
                         "group_by", "wave_by", "compare_by"},
             "output": {"table_formats", "figure_formats", "template", "pdf"},
             "paper": {"title"}}
    flat: dict[str, Any] = {}
    for sec, values in raw.items():
        if sec not in known or not isinstance(values, dict):
            raise PaperConfigError(f"{path}: unknown section [{sec}]. Sections: "
                                   f"{', '.join('[' + k + ']' for k in known)}.")
        for k, v in values.items():
            if k not in known[sec]:
                raise PaperConfigError(f"{path}: unknown key '{k}' in [{sec}]. Keys: "
                                       f"{', '.join(sorted(known[sec]))}.")
            flat[k] = v
    if "weights" in flat:
        wcol = flat["weights"]
        if wcol == "" or wcol is None:
            flat["weights"] = None
        elif not isinstance(wcol, str):
            raise PaperConfigError(f"{path}: [data] weights must be the name of the column of "
                                   f"sampling weights (e.g. weights = \"w\"). Got {wcol!r} "
                                   "instead.")
    if "language" in flat:
        flat["languages"] = [flat.pop("language")]
    for k in ("missing_codes", "languages", "table_formats", "figure_formats"):
        if k in flat:
            v = flat[k]
            flat[k] = tuple(v if isinstance(v, list) else [v])
    for k in ("seed", "bootstrap", "htmt_bootstrap"):
        if k in flat and (not isinstance(flat[k], int) or isinstance(flat[k], bool) or flat[k] < 0):
            raise PaperConfigError(f"{path}: '{k}' must be a non-negative integer. "
                                   f"Got {flat[k]!r} instead.")
    if "missing" in flat:
        from ..survey.missing import resolve_missing
        try:
            flat["missing"] = resolve_missing(flat["missing"], "analysis", f"{path} [options]")
        except ValueError as exc:
            raise PaperConfigError(str(exc).replace("parameter of", "key of")) from None
    for lang in flat.get("languages", ()):
        if lang not in ("en", "zh"):
            raise PaperConfigError(f"{path}: languages must be among ['en', 'zh']. Got {lang!r}.")
    from .tables import FORMATS
    bad = [f for f in flat.get("table_formats", ()) if f not in FORMATS]
    if bad:
        raise PaperConfigError(f"{path}: table_formats must be among {list(FORMATS)}. Got {bad}.")
    for k in ("group_by", "wave_by", "compare_by", "codebook", "template"):
        if flat.get(k) == "":
            flat[k] = None
    explicit = tuple(k for k in ("group_by", "wave_by", "compare_by") if flat.get(k))
    return PaperConfig(directory=directory, explicit_columns=explicit, **flat)


@dataclass
class PaperBuild:
    """What :func:`build_paper` wrote.

    Examples
    --------
    >>> from pathlib import Path
    >>> res = PaperBuild(directory=Path("_build"), tables=[Path("_build/tables/htmt.md")])
    >>> res.tables[0].name, res.manifest, res.notes
    ('htmt.md', None, [])
    """

    directory: Path
    tables: list[Path] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)
    documents: list[Path] = field(default_factory=list)
    manifest: Path | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _sha256(path_or_bytes) -> str:
    h = hashlib.sha256()
    if isinstance(path_or_bytes, (bytes, bytearray)):
        h.update(path_or_bytes)
    else:
        with open(path_or_bytes, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def _version(pkg: str) -> str | None:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return None


def _survey_path(cfg: PaperConfig) -> Path:
    if cfg.survey == "demo":
        return Path(str(resources.files("csi_model.data").joinpath("telecom_demo.csv")))
    p = Path(cfg.survey)
    p = p if p.is_absolute() else cfg.directory / p
    if not p.is_file():
        raise PaperConfigError(f"{cfg.directory / 'paper.toml'}: [data] survey: no file {p}.")
    return p


def _model(cfg: PaperConfig):
    from ..model.spec import bundled_models, load_model
    if cfg.model in bundled_models():
        return load_model(cfg.model)
    p = Path(cfg.model)
    return load_model(p if p.is_absolute() else cfg.directory / p)


def _atomic_write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if isinstance(content, bytes):
        tmp.write_bytes(content)
    else:
        tmp.write_text(content, encoding="utf-8", newline="\n")
    tmp.replace(path)


_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.S)
_PLACEHOLDER_KINDS = {"table": True, "figure": True, "fit": True, "n": False, "n_total": False,
                      "warnings": False}
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def template_placeholders(text: str, source: str) -> list[tuple[int, str, str]]:
    """(line, kind, argument) of every ``{{...}}`` outside comments; a malformed or unknown
    one is a PaperConfigError naming the template line.

    >>> template_placeholders("CFI = {{fit:cfi}}\\n{{n}}", "paper.md")
    [(1, 'fit', 'cfi'), (2, 'n', '')]
    """
    comments = [m.span() for m in _COMMENT.finditer(text)]
    out = []
    for m in _PLACEHOLDER.finditer(text):
        if any(a <= m.start() < b for a, b in comments):
            continue
        line = text.count("\n", 0, m.start()) + 1
        body = m.group(1).strip()
        kind, sep, arg = body.partition(":")
        kind, arg = kind.strip(), arg.strip()
        known = ", ".join("{{" + k + (":NAME}}" if v else "}}") for k, v in _PLACEHOLDER_KINDS.items())
        if kind not in _PLACEHOLDER_KINDS:
            raise PaperConfigError(f"{source}, line {line}: unknown placeholder {m.group(0)!r}. "
                                   f"Placeholders: {known}.")
        if _PLACEHOLDER_KINDS[kind] and not re.fullmatch(r"[A-Za-z0-9_.]+", arg):
            raise PaperConfigError(f"{source}, line {line}: the placeholder {m.group(0)!r} needs "
                                   f"a name, e.g. {{{{{kind}:NAME}}}}.")
        if not _PLACEHOLDER_KINDS[kind] and sep:
            raise PaperConfigError(f"{source}, line {line}: the placeholder {m.group(0)!r} takes "
                                   f"no argument; write {{{{{kind}}}}}.")
        out.append((line, kind, arg))
    return out


def check_template_names(text: str, source: str, tables: dict, figures, a) -> None:
    """Every {{table:}}, {{figure:}} and {{fit:}} name exists (an error naming the line and
    the closest names otherwise). Figures that could not be drawn are left to the notes."""
    import difflib
    fit_names = list(a.sem.fit_measures.index) if a.sem is not None else []
    for line, kind, arg in template_placeholders(text, source):
        if kind == "table":
            names = list(tables)
        elif kind == "figure":
            names = list(FIGURES)
        elif kind == "fit":
            names = fit_names
        else:
            continue
        if arg not in names:
            close = difflib.get_close_matches(arg, names, n=3, cutoff=0.5)
            hint = (f" Did you mean {', '.join(repr(c) for c in close)}?" if close else
                    f" Known names: {', '.join(names[:40])}.")
            raise PaperConfigError(f"{source}, line {line}: unknown {kind} name {arg!r} in "
                                   "{{" + f"{kind}:{arg}" + "}}." + hint)


def _fill_template(text: str, build: Path, tables: dict, figures: dict, a, lang: str) -> str:
    from .tables import format_number

    def repl(m):
        kind, _, arg = m.group(1).partition(":")
        if kind == "table":
            if arg not in tables:
                return f"*(table {arg} not available)*"
            return tables[arg].to_markdown()
        if kind == "figure":
            if arg not in figures:
                return f"*(figure {arg} not available: see the build notes)*"
            cap = figures[arg]
            return f"![{cap}](figures/{arg}.png){{#fig:{arg}}}\n"
        if kind == "n":
            return str(a.sem.n) if a.sem is not None else ""
        if kind == "n_total":
            return str(a.sem.n_total) if a.sem is not None else ""
        if kind == "warnings":
            return _warnings_markdown(a, lang)
        if kind == "fit":
            v = a.sem.fit_measures.get(arg) if a.sem is not None else None
            if v is None:
                return f"*(fit measure {arg} not available)*"
            digits = 2 if arg in ("chisq", "aic", "bic") else 3
            if arg == "df":
                return str(int(v))
            return format_number(v, digits, bounded=arg in ("cfi", "rmsea", "srmr", "pvalue"))
        return m.group(0)
    text = re.sub(r"<!--.*?-->\n?", "", text, flags=re.S)   # template comments stay out
    has_warnings = re.search(r"\{\{\s*warnings\s*\}\}", text) is not None
    text = re.sub(r"\{\{\s*([a-z_]+(?::[A-Za-z0-9_.]+)?)\s*\}\}", repl, text)
    if not has_warnings and (a.warnings or _weight_notes(a)):
        # never silent: a template without {{warnings}} gets them at the end
        title = "警告" if lang == "zh" else "Warnings"
        text = text.rstrip("\n") + f"\n\n## {title}\n\n" + _warnings_markdown(a, lang)
    return text


def _weight_notes(a) -> list[str]:
    """The notes of a weighted analysis (the weighting, what was skipped with weights)."""
    if getattr(a, "weights", None) is None:
        return []
    return [n for n in a.notes if n.startswith(("Weighted analyses", "Sampling weights"))]


def _warnings_markdown(a, lang: str) -> str:
    """The analyses' warnings (rows dropped, improper solutions...) as a Markdown list; a
    weighted paper's weighting notes first."""
    items = [*_weight_notes(a), *[w for w in a.warnings if w not in _weight_notes(a)]]
    if not items:
        return "无。\n" if lang == "zh" else "None.\n"
    return "".join(f"- {w}\n" for w in items)


def _pandoc(build: Path, lang: str, notes: list[str], want_pdf: bool) -> list[Path]:
    out: list[Path] = []
    pandoc = shutil.which("pandoc")
    if pandoc is None:
        notes.append("PDF and HTML of the paper skipped: pandoc is not installed "
                     "(apt-get install pandoc texlive-xetex texlive-lang-chinese).")
        return out
    src = build / "paper.md"
    try:
        subprocess.run([pandoc, str(src.name), "-s", "--metadata", f"lang={lang}",
                        "-o", "paper.html"], cwd=build, check=True, capture_output=True,
                       timeout=120)
        out.append(build / "paper.html")
    except (subprocess.SubprocessError, OSError) as exc:
        notes.append(f"pandoc could not write paper.html: {exc}")
    if not want_pdf:
        return out
    engine = next((e for e in ("xelatex", "lualatex") if shutil.which(e)), None)
    if engine is None:
        notes.append("paper.pdf skipped: no LaTeX engine (install texlive-xetex, and "
                     "texlive-lang-chinese for Chinese).")
        return out
    cmd = [pandoc, src.name, f"--pdf-engine={engine}", "-V", "geometry:margin=2cm",
           "-V", "CJKmainfont=Noto Sans CJK SC", "-o", "paper.pdf"]
    try:
        subprocess.run(cmd, cwd=build, check=True, capture_output=True, timeout=600)
        out.append(build / "paper.pdf")
    except (subprocess.SubprocessError, OSError) as exc:
        err = getattr(exc, "stderr", b"") or b""
        notes.append(f"paper.pdf failed ({engine}): {err.decode(errors='replace')[-300:] or exc}")
    return out


def build_paper(directory, *, out: str | Path | None = None, pdf: bool | None = None,
                progress=None) -> PaperBuild:
    """Build every table, figure and document of the paper in ``directory``.

    Parameters
    ----------
    directory : path
        Holds ``paper.toml`` and the template.
    out : path, optional
        Output directory (default ``<directory>/_build``).
    pdf : bool, optional
        Override ``[output] pdf``.
    progress : bool or callable, optional
        Show a progress bar of the steps (tqdm.auto: a widget in Jupyter, stderr in a
        terminal): ``True``, or a callable that is also given a short message at each step
        (the CLI prints them); ``None``/``False`` (the default) shows nothing.

    Returns
    -------
    PaperBuild
        The files written, the notes and the build time.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "paper.toml").write_text(
    ...     '[data]\\nsurvey = "demo"\\ncodebook = "telecom"\\nmissing_codes = [99]\\n'
    ...     '[model]\\nmodel = "telecom"\\n'
    ...     '[options]\\nbootstrap = 0\\nhtmt_bootstrap = 0\\nlanguages = ["en"]\\n'
    ...     'group_by = "operator"\\n'
    ...     '[output]\\ntable_formats = ["md"]\\nfigure_formats = ["png"]\\npdf = false\\n')
    >>> res = build_paper(d)
    >>> sorted(p.name for p in res.tables)[:4]
    ['efa_loadings.md', 'effects.md', 'fit_measures.md', 'fornell_larcker.md']
    >>> res.notes[0]
    'figure bootstrap (en) skipped: The result has no bootstrap: fit with bootstrap=B and seed=S.'
    >>> import shutil; shutil.rmtree(d)
    """
    import matplotlib
    matplotlib.use("Agg", force=False)
    from .._atomic import atomic_directory

    t0 = time.perf_counter()
    cfg = load_config(directory)
    target = Path(out) if out is not None else cfg.build_dir
    if target.exists() and not target.is_dir():
        raise PaperConfigError(f"The output '{target}' is a file, not a directory.")
    if target.is_dir() and any(target.iterdir()) and not (target / "manifest.json").is_file():
        raise PaperConfigError(f"The output directory '{target}' is not empty and holds no "
                               "earlier build (no manifest.json): a build replaces the whole "
                               "directory. Choose a new or empty directory.")
    template_text = None
    if cfg.template and (cfg.directory / cfg.template).is_file():
        template_text = (cfg.directory / cfg.template).read_text(encoding="utf-8")
        template_placeholders(template_text, str(cfg.directory / cfg.template))
    with atomic_directory(target, keep_other_files=False) as tmp:
        res = _build(cfg, tmp, pdf, progress, template_text, t0)
    return _moved(res, tmp, target)


def _moved(res: "PaperBuild", tmp: Path, target: Path) -> "PaperBuild":
    """``res`` with the paths of the temporary build replaced by those of ``target``."""
    def move(p):
        return target / Path(p).relative_to(tmp)
    return PaperBuild(directory=target, tables=[move(p) for p in res.tables],
                      figures=[move(p) for p in res.figures],
                      documents=[move(p) for p in res.documents],
                      manifest=move(res.manifest) if res.manifest else None,
                      notes=res.notes, seconds=res.seconds)


def _build(cfg: PaperConfig, build: Path, pdf, progress, template_text, t0) -> "PaperBuild":
    """Everything of build_paper, written into ``build`` (the temporary directory)."""
    import matplotlib.pyplot as plt

    from .. import __version__
    from ..survey.codebook import load_codebook
    from . import figures as F
    from . import tables as T
    from .analysis import analyze
    from .labels import Labels
    from ..survey.read import read_survey

    say = progress if callable(progress) else (lambda msg: None)
    res = PaperBuild(directory=build)
    timings: dict[str, float] = {}

    survey_path = _survey_path(cfg)
    spec = _model(cfg)
    codebook = load_codebook(cfg.codebook) if cfg.codebook else None
    say(f"reading {survey_path}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        survey = read_survey(str(survey_path), codebook, items=None if codebook else
                             list(spec.observed), missing_codes=list(cfg.missing_codes))
    for key in (*cfg.explicit_columns, *(("weights",) if cfg.weights else ())):
        column = getattr(cfg, key)
        if column not in survey.data.columns:
            import difflib
            close = difflib.get_close_matches(str(column), [str(c) for c in survey.data.columns],
                                              n=3, cutoff=0.5)
            raise PaperConfigError(
                f"{cfg.directory / 'paper.toml'}: {key} = {column!r} is not a column of "
                f"{survey_path}" + (f" (did you mean {', '.join(map(repr, close))}?)" if close
                                    else f" (its columns: {', '.join(map(str, survey.metadata))})")
                + ". Correct it, or remove the line to skip that part.")
    say("fitting: measurement model, CB-SEM with bootstrap, PLS index, groups")
    t = time.perf_counter()
    a = analyze(spec, survey, codebook=codebook, seed=cfg.seed, bootstrap=cfg.bootstrap,
                htmt_bootstrap=cfg.htmt_bootstrap, group_by=cfg.group_by, wave_by=cfg.wave_by,
                compare_by=cfg.compare_by, missing=cfg.missing, progress=bool(progress),
                weights=cfg.weights)
    timings["analyses"] = time.perf_counter() - t
    if a.weights is not None:           # also in the build's summary (the CLI prints it)
        res.notes.append(a.weighting)
    for w in _weight_notes(a):
        say(f"note: {w}")
    for w in a.warnings:
        say(f"warning: {w}")

    from .progress import Steps
    planned = []
    for lang in cfg.languages:
        planned += [f"tables ({lang})", f"figures ({lang})"]
    planned += ["paper.md"] if cfg.template and template_text is not None else []
    steps = Steps(planned, enabled=bool(progress), desc="paper")

    t = time.perf_counter()
    lang0 = cfg.languages[0]
    main_tables: dict[str, Any] = {}
    main_figures: dict[str, str] = {}
    for lang in cfg.languages:
        sub = "" if lang == lang0 else lang
        tdir = build / "tables" / sub
        say(f"tables ({lang})")
        steps.begin(f"tables ({lang})")
        built = T.all_tables(a, lang=lang)
        doc = None
        for tab in built:
            for fmt in cfg.table_formats:
                p = tdir / f"{tab.name}.{fmt}"
                _atomic_write(p, tab.render(fmt))
                res.tables.append(p)
            doc = tab.to_docx(document=doc)
        if "docx" in cfg.table_formats and doc is not None:
            p = tdir / "all_tables.docx"
            import io
            buf = io.BytesIO()
            T.write_docx(doc, buf)
            _atomic_write(p, buf.getvalue())
            res.tables.append(p)
        if lang == lang0:
            main_tables = {tab.name: tab for tab in built}
        say(f"figures ({lang})")
        steps.begin(f"figures ({lang})")
        fdir = build / "figures" / sub
        lab = Labels(lang)
        makers = {
            "path_diagram": lambda: F.path_diagram(a.sem, lang=lang),
            "scree": lambda: F.scree(a.measurement, lang=lang),
            "ipma_map": lambda: F.ipma_map(a.index, lang=lang),
            "index_trends": lambda: F.index_trends(a.trends, lang=lang),
            "bootstrap": lambda: F.bootstrap_distributions(a.sem, lang=lang),
        }
        for name, make in makers.items():
            try:
                ax = make()
            except Exception as exc:  # noqa: BLE001 - report it and go on
                res.notes.append(f"figure {name} ({lang}) skipped: {exc}")
                continue
            for fmt in cfg.figure_formats:
                p = F.save(ax, fdir / f"{name}.{fmt}")
                res.figures.append(p)
            plt.close(ax.figure)
            if lang == lang0:
                main_figures[name] = lab.title(name, construct=lab.construct("SAT"))
    timings["tables_and_figures"] = time.perf_counter() - t

    if cfg.template:
        tpl = cfg.directory / cfg.template
        if template_text is None:
            res.notes.append(f"template {tpl} not found: paper.md not written")
        else:
            say("paper.md")
            steps.begin("paper.md")
            check_template_names(template_text, str(tpl), main_tables, main_figures, a)
            text = _fill_template(template_text, build, main_tables, main_figures, a, lang0)
            _atomic_write(build / "paper.md", text)
            res.documents.append(build / "paper.md")
            t = time.perf_counter()
            res.documents += _pandoc(build, lang0, res.notes, cfg.pdf if pdf is None else pdf)
            timings["pandoc"] = time.perf_counter() - t

    steps.close()
    res.seconds = time.perf_counter() - t0
    timings["total"] = res.seconds
    files = sorted({*res.tables, *res.figures, *res.documents})
    manifest = {
        "csi_model": __version__,
        "built_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {p: _version(p) for p in _PACKAGES},
        "data": {"survey": cfg.survey, "path": str(survey_path), "sha256": _sha256(survey_path),
                 "rows": int(survey.data.shape[0]), "respondents_used":
                 int(a.sem.n) if a.sem is not None else None,
                 "codebook": cfg.codebook, "missing_codes": list(cfg.missing_codes),
                 "missing": cfg.missing, "weights": cfg.weights,
                 **({"kish_effective_n": round(a.options["kish_n"], 2)} if cfg.weights else {})},
        "model": {"name": spec.name, "source": cfg.model,
                  "sha256": _sha256(spec.to_syntax().encode("utf-8"))},
        "seeds": {"measurement (HTMT bootstrap, parallel analysis)": cfg.seed,
                  "CB-SEM bootstrap": cfg.seed},
        "options": {"bootstrap": cfg.bootstrap, "htmt_bootstrap": cfg.htmt_bootstrap,
                    "languages": list(cfg.languages), "group_by": a.group_by,
                    "wave_by": a.wave_by, "compare_by": a.compare_by},
        "warnings": list(a.warnings) + list(a.notes),
        "notes": res.notes,
        "timings_seconds": {k: round(v, 2) for k, v in timings.items()},
        "outputs": {str(p.relative_to(build)): _sha256(p) for p in files},
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else "",
    }
    res.manifest = build / "manifest.json"
    _atomic_write(res.manifest, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return res
