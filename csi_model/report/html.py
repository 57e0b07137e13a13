"""One self-contained HTML report: every table and figure of a CSI analysis in one file.

Figures are inline base64 PNGs (no external file, font or script is loaded), so the file
can be mailed or archived as it is. A tiny inline script records on load how many images
decoded (``<html data-images-loaded="k" data-images-total="n">``), which headless browsers
and tests can read from the DOM.

The page fits an A4 sheet: below 820 px (an A4 page is ~720 CSS px wide at 96 dpi without
its margins) the tables use a smaller type; printed (``@page`` A4, 14 mm × 12 mm margins)
the tables lose their scroll boxes so that no column is clipped, headers wrap between
words only, and cells are top-aligned as in APA tables. Wider tables still scroll on
screen. ``tests/test_report_layout.py`` checks both in Chromium and in the printed PDF.

Usage: ``report_html(analyze(spec, survey), lang="zh")`` returns the page as a string
(:func:`csi_model.report.analysis.analyze` runs the analyses); ``csi-model report`` writes it,
and ``tests/test_paper_report.py`` opens it in headless Chromium.
"""
from __future__ import annotations

import base64
import contextlib
import html as _html
import io
import warnings
from typing import Any

from . import tables as T
from .labels import Labels, same_warnings
from .progress import Steps

__all__ = ["report_html", "figure_png", "REPORT_CSS"]

REPORT_CSS = """
body{font-family:"Noto Sans","Helvetica Neue",Arial,"Noto Sans CJK SC","Source Han Sans SC",
"PingFang SC","Microsoft YaHei","WenQuanYi Zen Hei",sans-serif;max-width:1100px;margin:2em auto;
padding:0 1.2em;color:#222;line-height:1.45;font-size:15px}
h1{font-size:1.7em;border-bottom:2px solid #1f4e79;padding-bottom:.2em;color:#1f4e79}
h2{font-size:1.3em;color:#1f4e79;margin-top:1.8em;border-bottom:1px solid #ccd}
.meta td{padding:.1em 1em .1em 0;vertical-align:top}
.meta td:first-child{font-weight:600;white-space:nowrap}
.warnings{border-left:4px solid #c00;background:#fff5f5;padding:.4em 1em;margin:1em 0}
table.csi-table{border-collapse:collapse;margin:1.2em 0;font-size:13px;
font-variant-numeric:tabular-nums}
table.csi-table caption{caption-side:top;text-align:left;font-weight:600;padding-bottom:.4em}
table.csi-table thead tr{border-top:2px solid #222;border-bottom:1px solid #222}
table.csi-table tbody tr:last-child{border-bottom:2px solid #222}
table.csi-table th,table.csi-table td{padding:.2em .6em}
table.csi-table .num{text-align:right;white-space:nowrap}table.csi-table .txt{text-align:left}
table.csi-table th.num{white-space:normal;vertical-align:bottom;hyphens:none;overflow-wrap:normal}
table.csi-table tfoot td{font-size:12px;color:#444;padding-top:.4em;white-space:normal}
figure{margin:1.5em 0}figure img{max-width:100%;height:auto}
figcaption{font-size:13px;color:#333;margin-top:.3em}
nav ul{columns:2;font-size:14px}.scroll{overflow-x:auto;max-width:100%}
table.csi-table th{vertical-align:bottom}table.csi-table td{vertical-align:top}
html[lang|=zh] table.csi-table th{word-break:keep-all}
@media (max-width:820px){body{padding:0 .5em;font-size:14px}
table.csi-table{font-size:12px}table.csi-table th,table.csi-table td{padding:.15em .3em}
table.csi-table tfoot td{font-size:11px}nav ul{columns:1}}
@page{size:A4;margin:14mm 12mm}
@media print{body{max-width:none;margin:0;padding:0;font-size:10pt;color:#000}
.scroll{overflow:visible;break-inside:avoid}table.csi-table{font-size:8.5pt;margin:.8em 0}
table.csi-table tr{break-inside:avoid}table.csi-table tfoot{display:table-row-group}
table.csi-table th,table.csi-table td{padding:.12em .3em}table.csi-table tfoot td{font-size:8pt}
h1,h2,caption{break-after:avoid}figure{break-inside:avoid}
figure img{max-width:100%;max-height:200mm;width:auto}nav{display:none}
.warnings{background:none}}
"""

_SCRIPT = """<script>
window.addEventListener("load", function () {
  var imgs = document.images, ok = 0;
  for (var i = 0; i < imgs.length; i++) {
    if (imgs[i].complete && imgs[i].naturalWidth > 0) { ok++; }
  }
  document.documentElement.setAttribute("data-images-loaded", String(ok));
  document.documentElement.setAttribute("data-images-total", String(imgs.length));
});
</script>"""


def figure_png(ax, *, dpi: int = 110) -> bytes:
    """The figure of ``ax`` as PNG bytes (no metadata), then closed.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(2, 1))
    >>> png = figure_png(ax)
    >>> png[1:4]
    b'PNG'
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt
    fig = ax.figure
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _img(png: bytes, alt: str, caption: str, fid: str) -> str:
    b64 = base64.b64encode(png).decode("ascii")
    e = _html.escape
    return (f'<figure id="fig-{e(fid)}"><img alt="{e(alt)}" src="data:image/png;base64,{b64}">'
            f"<figcaption>{e(caption)}</figcaption></figure>")


def _figures(a, lang: str, steps=None) -> dict[str, tuple[bytes, str]]:
    """name -> (png, caption) for every figure the analyses allow."""
    import matplotlib
    matplotlib.use("Agg", force=False)
    from . import figures as F
    lab = Labels(lang)
    out: dict[str, tuple[bytes, str]] = {}

    def add(name, make, **kw):
        with steps.step(f"figure {name}") if steps is not None else contextlib.nullcontext():
            try:
                out[name] = (figure_png(make()), lab.title(name, **kw))
            except Exception as exc:  # noqa: BLE001 - one failed figure must not lose the report
                warnings.warn(f"Figure {name} could not be drawn: {exc}", stacklevel=3)
    if a.measurement is not None and a.measurement.eigenvalues is not None:
        add("scree", lambda: F.scree(a.measurement, lang=lang))
    if a.sem is not None:
        add("path_diagram", lambda: F.path_diagram(a.sem, lang=lang))
        if getattr(a.sem, "bootstrap", None) is not None:
            add("bootstrap", lambda: F.bootstrap_distributions(a.sem, lang=lang))
    if a.index is not None:
        add("ipma_map", lambda: F.ipma_map(a.index, lang=lang))
    if a.trends is not None:
        add("index_trends", lambda: F.index_trends(a.trends, lang=lang),
            construct=lab.construct(a.index.target if a.index is not None else "SAT"))
    return out


def report_html(a, *, lang: str = "en", style: T.TableStyle | None = None,
                title: str | None = None, meta: dict[str, str] | None = None,
                extra_warnings: "tuple[str, ...] | list[str]" = (),
                progress: bool = False) -> str:
    """The HTML report of :func:`csi_model.report.analysis.analyze`'s results.

    Parameters
    ----------
    a : Analyses
    lang : {"en", "zh"}
    style : TableStyle, optional
    title : str, optional
    meta : dict, optional
        Extra header rows (e.g. the data's SHA-256).
    extra_warnings : list of str, optional
        More warnings to show (e.g. about the command-line options), before the analyses'.
        The survey's reading warnings (``survey.report.warnings``) are always shown.
    progress : bool
        Show a progress bar of the tables and figures (tqdm.auto).

    Examples
    --------
    >>> import csi_model as cm
    >>> from csi_model.report.analysis import analyze
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> survey = cm.read_survey(cm.make_demo_survey(), codebook="telecom", missing_codes=[99])
    >>> a = analyze(spec, survey, bootstrap=0, htmt_bootstrap=0, compare_by=None)
    >>> page = report_html(a, lang="en")
    >>> page.startswith("<!DOCTYPE html>"), 'src="http' in page     # self-contained
    (True, False)
    >>> page.count('id="tab-'), "missing data: full-information ML" in page
    (11, True)
    >>> "顾客满意度" in report_html(a, lang="zh")
    True
    """
    lab = Labels(lang)
    S = {k: lab.report(k) for k in ("title", "data", "measurement", "structural", "index",
                                    "groups", "warnings", "model", "survey", "used",
                                    "estimator", "contents")}
    e = _html.escape
    n_figs = sum(x is not None for x in (a.measurement, a.sem, a.index, a.trends)) + (
        a.sem is not None and getattr(a.sem, "bootstrap", None) is not None)
    with Steps(["tables"] + ["figure"] * n_figs, enabled=progress, desc="report") as steps:
        with steps.step("tables"):
            tabs = {t.name: t for t in T.all_tables(a, lang=lang, style=style)}
        figs = _figures(a, lang, steps)

    def table(name):
        return f'<div class="scroll">{tabs[name].to_html()}</div>' if name in tabs else ""

    def fig(name):
        if name not in figs:
            return ""
        png, cap = figs[name]
        return _img(png, cap, cap, name)

    sections = [
        ("data", [table("item_descriptives")]),
        ("measurement", [table("sampling_adequacy"), fig("scree"), table("efa_loadings"),
                         table("measurement_model"), table("fornell_larcker"), table("htmt")]),
        ("structural", [table("fit_measures"), fig("path_diagram"), table("hypotheses"),
                        table("effects"), fig("bootstrap")]),
        ("index", [table("index_scores"), table("ipma"), fig("ipma_map"), fig("index_trends")]),
        ("groups", [table("invariance"), table("group_paths")]),
    ]
    sem = a.sem
    rows = [(S["model"], lab.report("model_line", name=a.spec.name, latents=len(a.spec.latents),
                                    items=len(a.spec.observed),
                                    paths=len(a.spec.structural_paths))),
            (S["survey"], str(getattr(a.survey, "source", ""))),
            (S["used"], f"{sem.n} / {sem.n_total}" if sem is not None else "")]
    sep = "；" if lang == "zh" else "; "
    if sem is not None:
        missing = lab.report(sem.missing) if sem.missing in ("listwise", "fiml") else sem.missing
        est = [lab.report("estimation_line", estimator=sem.estimator, missing=missing)]
        if getattr(sem, "bootstrap", None) is not None:
            est.append(lab.report("bootstrap_line", B=sem.bootstrap.B, seed=a.options.get("seed")))
        est.append(lab.report("pls_line"))
        rows.append((S["estimator"], sep.join(est)))
    if getattr(a, "weights", None) is not None:
        rows.append((lab.report("weights"),
                     lab.report("weights_line", column=a.weights,
                                kish=a.options.get("kish_n", float("nan")),
                                n=a.options.get("n_weighted", ""))))
    rows += list((meta or {}).items())
    data_report = getattr(a.survey, "report", None)
    warn = same_warnings([*extra_warnings, *getattr(data_report, "warnings", ()),
                          *a.warnings, *(sem.warnings if sem is not None else ()),
                          *(a.measurement.warnings if a.measurement is not None else ()),
                          *a.notes])
    translated = [lab.warning(w) for w in warn]
    untranslated = [w for w, t in zip(warn, translated) if t is None]
    translated = list(dict.fromkeys(t for t in translated if t is not None))
    out = ["<!DOCTYPE html>", f'<html lang="{"zh-CN" if lang == "zh" else "en"}">', "<head>",
           '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{e(title or S['title'])}</title>", f"<style>{REPORT_CSS}</style>", "</head>",
           "<body>", f"<h1>{e(title or S['title'])}</h1>", '<table class="meta">']
    out += [f"<tr><td>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in rows]
    out.append("</table>")
    if warn:
        out.append(f'<div class="warnings" id="warnings"><b>{e(S["warnings"])}</b><ul>')
        out += [f"<li>{e(w)}</li>" for w in translated]
        if untranslated and lang != "en":
            out.append(f'<li>{e(lab.report("untranslated"))}<ul>')
            out += [f'<li lang="en">{e(w)}</li>' for w in untranslated]
            out.append("</ul></li>")
        out.append("</ul></div>")
    present = [(k, parts) for k, parts in sections if any(parts)]
    out.append(f"<nav><b>{e(S['contents'])}</b><ul>")
    out += [f'<li><a href="#sec-{k}">{e(S[k])}</a></li>' for k, _ in present]
    out.append("</ul></nav>")
    for k, parts in present:
        out.append(f'<section id="sec-{k}"><h2>{e(S[k])}</h2>')
        out += [p for p in parts if p]
        out.append("</section>")
    out += [_SCRIPT, "</body>", "</html>"]
    return "\n".join(out) + "\n"


def write_report(path, a, **kwargs: Any) -> None:
    """Write :func:`report_html` to ``path`` (UTF-8).

    Examples
    --------
    >>> import csi_model as cm
    >>> from csi_model.report.analysis import analyze
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> survey = cm.read_survey(cm.make_demo_survey(), codebook="telecom", missing_codes=[99])
    >>> a = analyze(spec, survey, bootstrap=0, htmt_bootstrap=0, compare_by=None)
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "report.html")
    >>> write_report(path, a, lang="zh")
    >>> os.path.getsize(path) > 50_000
    True
    """
    from pathlib import Path
    Path(path).write_text(report_html(a, **kwargs), encoding="utf-8")
