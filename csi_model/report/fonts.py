"""Fonts for figures with Chinese labels: the one place the fallback list is configured.

Matplotlib (>= 3.6) falls back glyph by glyph along a list of families, so figures use
:func:`font_families`: a Latin font first, then the first CJK fonts found. On Debian the
CJK fonts come from ``fonts-noto-cjk`` (``apt-get install fonts-noto-cjk``); Windows and
macOS fonts are in the list too. A font installed after matplotlib built its font cache is
found anyway: the system font folders are searched for known CJK font files, which are
then registered with matplotlib.
"""
from __future__ import annotations

import functools

__all__ = ["CJK_FONTS", "LATIN_FONTS", "font_families", "cjk_font_available", "configure_matplotlib"]

#: Latin fonts tried first (numbers and Latin text keep their usual look).
LATIN_FONTS: tuple[str, ...] = ("DejaVu Sans",)

#: CJK fonts in order of preference (Debian's fonts-noto-cjk registers "Noto Sans CJK JP"
#: for its .ttc collection, which holds the Simplified Chinese glyphs too).
CJK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Source Han Sans SC",
    "Source Han Sans CN", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Serif CJK SC",
    "Noto Serif CJK JP", "Droid Sans Fallback", "SimHei", "Microsoft YaHei", "PingFang SC",
    "Heiti SC", "Arial Unicode MS",
)

# file-name fragments of the fonts above, for fonts installed after the cache was built
_CJK_FILES = ("notosanscjk", "notoserifcjk", "sourcehansans", "wqy-zenhei", "wqy-microhei",
              "droidsansfallback", "simhei", "msyh", "pingfang")


@functools.lru_cache(maxsize=1)
def font_families() -> tuple[str, ...]:
    """Families for figure text: :data:`LATIN_FONTS` then every available CJK font.

    Examples
    --------
    >>> fams = font_families()
    >>> isinstance(fams, tuple) and len(fams) >= 1
    True
    """
    from matplotlib import font_manager as fm

    def available() -> set[str]:
        return {f.name for f in fm.fontManager.ttflist}

    names = available()
    if not any(n in names for n in CJK_FONTS):
        for path in fm.findSystemFonts():
            low = path.lower().replace("_", "").replace(" ", "")
            if any(k in low for k in _CJK_FILES) and "mono" not in low:
                try:
                    fm.fontManager.addfont(path)
                except Exception:  # noqa: BLE001 - an unreadable font file is skipped
                    continue
        names = available()
    cjk = [n for n in CJK_FONTS if n in names]
    return (*[n for n in LATIN_FONTS if n in names], *cjk) or ("sans-serif",)


def cjk_font_available() -> bool:
    """True when a CJK font from :data:`CJK_FONTS` is available to matplotlib.

    Examples
    --------
    >>> cjk_font_available() in (True, False)       # Debian: fonts-noto-cjk gives True
    True
    """
    return any(n in CJK_FONTS for n in font_families())


def configure_matplotlib() -> None:
    """Put :func:`font_families` first in matplotlib's sans-serif list (for your own plots).

    csi_model's figures set their fonts themselves and never call this.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with mpl.rc_context():
    ...     configure_matplotlib()
    ...     mpl.rcParams["font.sans-serif"][0] == font_families()[0]
    True
    """
    import matplotlib as mpl
    fams = list(font_families())
    rest = [f for f in mpl.rcParams["font.sans-serif"] if f not in fams]
    mpl.rcParams["font.sans-serif"] = fams + rest
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["axes.unicode_minus"] = True
