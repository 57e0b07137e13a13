"""``csi-model models``: the bundled models, or one model's lavaan syntax."""
from __future__ import annotations

import argparse
from pathlib import Path

from ._common import FORMATTER, epilog

def add_parser(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "models", parents=[common], formatter_class=FORMATTER,
        help="list the bundled models, or print one model's syntax",
        description="Without NAME, list the models shipped with csi_model (name, latents, "
                    "number of items and of structural paths). With NAME, print that model's "
                    "lavaan syntax (a bundled name or a .lav path, checked first). The source "
                    "column is the model file's '# Source:' line (else its first comment line).",
        epilog=epilog("""
            examples:
              csi-model models
              csi-model models telecom
              csi-model models telecom > my_model.lav    # a starting point for your own model
            """))
    p.add_argument("name", nargs="?", metavar="NAME", help="a bundled model's name or a .lav path")
    p.set_defaults(handler=run)

def run(args: argparse.Namespace) -> int:
    from ..model.spec import bundled_models, load_model

    if args.name:
        spec = load_model(args.name)
        text = model_text(args.name)
        print(text.rstrip("\n") if text is not None else spec.to_syntax())
        return 0
    rows = []
    for name in bundled_models():
        spec = load_model(name)
        rows.append((name, " ".join(spec.latents), str(len(spec.observed)),
                     str(len(spec.structural_paths)), model_source(model_text(name) or "")))
    header = ("name", "latents", "items", "paths", "source")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(c.ljust(w) if i < 2 or i == 4 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    print("\nShow one with 'csi-model models NAME'; use one with 'csi-model fit SURVEY --model NAME'.")
    return 0

def model_text(name: str) -> str | None:
    """The text of a bundled model file or a .lav path (comments included)."""
    from importlib import resources
    from ..model.spec import bundled_models

    if name in bundled_models():
        return (resources.files("csi_model.models") / f"{name}.lav").read_text(encoding="utf-8")
    path = Path(name)
    if path.is_file():
        return path.read_text(encoding="utf-8-sig")
    return None


def model_source(text: str, width: int = 60) -> str:
    """Where a model comes from: its ``# Source:`` comment, else its first comment line.

    >>> model_source("# Source: Fornell et al. (1996).\\nSAT =~ SAT1")
    'Fornell et al. (1996).'
    >>> model_source("# The ACSI model (Fornell et al. 1996): no image.\\nSAT =~ SAT1", width=20)
    'The ACSI model (For…'
    """
    comments = [ln.lstrip("#").strip() for ln in text.splitlines() if ln.lstrip().startswith("#")]
    tagged = [c[len("source:"):].strip() for c in comments if c.lower().startswith("source:")]
    line = (tagged or [c for c in comments if c] or [""])[0]
    return line if len(line) <= width else line[:width - 1].rstrip() + "…"
