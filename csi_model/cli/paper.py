"""``csi-model paper build DIR``: every table and figure of a paper from its paper.toml."""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from ._common import FORMATTER, UsageError, epilog, out_argument, quiet_argument


def add_parser(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "paper", parents=[common], formatter_class=FORMATTER,
        help="regenerate a paper's tables and figures from the raw survey",
        description="Build a paper directory: read its paper.toml (data, model, seeds, "
                    "options), run every analysis and write every table (LaTeX, Markdown, "
                    "HTML, CSV, Word) and figure (PNG, SVG) into DIR/_build/, the filled-in "
                    "paper.md (paper.pdf when pandoc and xelatex are installed) and a "
                    "manifest.json (data SHA-256, package versions, seeds, timings).",
        epilog=epilog("""
            Timestamps and versions are only in manifest.json: building twice from the same
            data gives byte-identical tables.

            examples:
              csi-model paper build paper/
              csi-model paper build paper/ --out /tmp/paper_build --no-pdf
            """))
    p.add_argument("action", choices=["build"], help="what to do (build)")
    p.add_argument("directory", metavar="DIR", help="the paper directory (holds paper.toml)")
    out_argument(p, "output directory (default DIR/_build)", metavar="OUTDIR")
    p.add_argument("--no-pdf", action="store_true", help="do not run pandoc/LaTeX for paper.pdf")
    quiet_argument(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..report.paper import build_paper

    directory = Path(args.directory)
    if not directory.is_dir():
        raise UsageError(f"DIR must be a paper directory with a paper.toml; '{directory}' is "
                         "not a directory.")
    say = None
    if not args.quiet:               # the messages on stdout, the steps' bars on stderr
        from tqdm.auto import tqdm

        def say(msg: str) -> None:
            tqdm.write(f"  {msg}", file=sys.stdout)
            sys.stdout.flush()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # they are in manifest.json
        res = build_paper(directory, out=args.out, pdf=False if args.no_pdf else None,
                          progress=say)
    if not args.quiet:
        print(f"Built {len(res.tables)} table files and {len(res.figures)} figure files in "
              f"{res.directory} ({res.seconds:.1f} s).")
        for d in res.documents:
            print(f"Written: {d}")
        print(f"Written: {res.manifest}")
        for n in res.notes:
            print(f"  note: {n}")
    return 0

