"""The fonts every PDF rendering embeds, and which characters they can draw.

The renderer gives fontconfig no system fonts at all (see ``render.py``): pango can only pick
among the faces listed here, each referenced by its file from a Debian package. That makes the
output independent of what else is installed (a colour emoji font on the host would otherwise
be chosen for emoji and break PDF/A with interpolated bitmap glyphs) and lets ``coverage()``
know exactly which characters will get a real glyph.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont

FONT_ROOT_ENV = "HUB_PDF_FONT_ROOT"  # lets a non-Debian host point at its own copy of the files
_DEBIAN_FONT_ROOT = Path("/usr/share/fonts")


@dataclass(frozen=True)
class FontFace:
    """One font file, the CSS family it serves and the Debian package that ships it."""

    family: str
    relative_path: str
    package: str
    weight: int = 400

    @property
    def path(self) -> Path:
        """Absolute path of the font file (``$HUB_PDF_FONT_ROOT`` or ``/usr/share/fonts``)."""
        return Path(os.environ.get(FONT_ROOT_ENV, _DEBIAN_FONT_ROOT)) / self.relative_path


_NOTO = "truetype/noto"
_CORE = "fonts-noto-core"


def _noto(family: str, stem: str, *, bold: bool = True) -> tuple[FontFace, ...]:
    regular = FontFace(family, f"{_NOTO}/{stem}-Regular.ttf", _CORE)
    if not bold:
        return (regular,)
    return regular, FontFace(family, f"{_NOTO}/{stem}-Bold.ttf", _CORE, 700)


# Order is fallback order: pango takes, per character, the first family that has a glyph.
FACES: tuple[FontFace, ...] = (
    *_noto("Hub Sans", "NotoSans"),  # Latin with all diacritics, Greek, Cyrillic
    *_noto("Hub Hebrew", "NotoSansHebrew"),
    *_noto("Hub Arabic", "NotoSansArabic"),  # Arabic, Persian, Urdu, Pashto letters
    *_noto("Hub Armenian", "NotoSansArmenian"),
    *_noto("Hub Georgian", "NotoSansGeorgian"),
    *_noto("Hub Ethiopic", "NotoSansEthiopic"),  # Amharic, Tigrinya
    *_noto("Hub Devanagari", "NotoSansDevanagari"),
    *_noto("Hub Bengali", "NotoSansBengali"),
    *_noto("Hub Tamil", "NotoSansTamil"),
    *_noto("Hub Thai", "NotoSansThai"),
    # one CJK weight only: the collection is 20 MB per weight; bold is synthesised
    FontFace("Hub CJK", "opentype/noto/NotoSansCJK-Regular.ttc", "fonts-noto-cjk"),
    FontFace("Hub Fallback", "truetype/dejavu/DejaVuSans.ttf", "fonts-dejavu-core"),
    FontFace("Hub Fallback", "truetype/dejavu/DejaVuSans-Bold.ttf", "fonts-dejavu-core", 700),
    *_noto("Hub Symbols", "NotoSansSymbols"),
    *_noto("Hub Symbols2", "NotoSansSymbols2", bold=False),
    *_noto("Hub Math", "NotoSansMath", bold=False),
    # monochrome outline emoji: archivable, unlike colour bitmap emoji fonts
    FontFace("Hub Emoji", "truetype/ancient-scripts/Symbola_hint.ttf", "fonts-symbola"),
    FontFace("Hub Mono", "truetype/dejavu/DejaVuSansMono.ttf", "fonts-dejavu-core"),
    FontFace("Hub Mono", "truetype/dejavu/DejaVuSansMono-Bold.ttf", "fonts-dejavu-core", 700),
)

TEXT_FAMILIES: tuple[str, ...] = tuple(
    dict.fromkeys(f.family for f in FACES if f.family != "Hub Mono")
)
MONO_FAMILIES: tuple[str, ...] = ("Hub Mono", *TEXT_FAMILIES)


class MissingFontError(RuntimeError):
    """A font file the renderer needs is not installed."""


def check_installed() -> None:
    """Raise ``MissingFontError`` naming every missing file and the Debian packages to install."""
    missing = [f for f in FACES if not f.path.is_file()]
    if missing:
        files = ", ".join(str(f.path) for f in missing)
        packages = " ".join(sorted({f.package for f in missing}))
        raise MissingFontError(
            f"PDF rendering needs font files that are missing: {files}; "
            f"install the Debian packages {packages} (scripts/system-packages.sh)"
        )


def css_font_faces() -> str:
    """``@font-face`` rules for every face, by absolute ``file:`` URL."""
    rules = [
        f'@font-face {{ font-family: "{f.family}"; font-weight: {f.weight}; '
        f'src: url("{f.path.as_uri()}"); }}'
        for f in FACES
    ]
    return "\n".join(rules)


def font_stack(families: tuple[str, ...]) -> str:
    """A CSS ``font-family`` value listing ``families`` in order."""
    return ", ".join(f'"{family}"' for family in families)


@functools.cache
def coverage() -> frozenset[int]:
    """Every code point at least one embedded face maps to a glyph."""
    check_installed()
    points: set[int] = set()
    for path in sorted({f.path for f in FACES}):
        if path.suffix == ".ttc":
            with TTCollection(str(path), lazy=True) as collection:
                points.update(collection.fonts[0].getBestCmap() or {})  # face 0 is the one used
        else:
            with TTFont(str(path), lazy=True) as font:
                points.update(font.getBestCmap() or {})
    return frozenset(points)


def allowed_font_urls() -> frozenset[str]:
    """The only URLs the renderer may load: the font files above."""
    return frozenset(f.path.as_uri() for f in FACES)
