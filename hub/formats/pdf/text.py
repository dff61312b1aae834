"""Turning form JSON into clerk-readable German text: labels, values, visible characters."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hub.formats.pdf.fonts import coverage

# Unicode's Default_Ignorable_Code_Point ranges (joiners, variation selectors, bidi marks,
# tags): HarfBuzz shapes them away, so they need no glyph of their own.
_IGNORABLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)  # fmt: skip
_KEPT_CONTROLS = frozenset({"\n", "\t"})


def is_default_ignorable(point: int) -> bool:
    """Whether shaping makes ``point`` invisible (Unicode Default_Ignorable_Code_Point)."""
    return any(low <= point <= high for low, high in _IGNORABLE)


def visible(text: str) -> str:
    """``text`` with every character no embedded font can draw shown as ``[U+XXXX]``.

    Control characters (other than newline and tab), unpaired surrogates, unassigned and
    private-use code points are shown the same way, so nothing silently disappears and no
    empty box (tofu) is ever drawn. Carriage returns are dropped (the newline carries the
    line break).
    """
    covered = coverage()
    out: list[str] = []
    for char in text:
        point = ord(char)
        if (
            char in _KEPT_CONTROLS
            or (point in covered and point >= 0x20)
            or is_default_ignorable(point)
        ):
            out.append(char)
        elif char != "\r":
            out.append(f"[U+{point:04X}]")
    return "".join(out)


def direction(text: str) -> str:
    """``"rtl"`` when the first strong character is right-to-left, else ``"ltr"``."""
    for char in text:
        bidi = unicodedata.bidirectional(char)
        if bidi in ("R", "AL"):
            return "rtl"
        if bidi == "L":
            return "ltr"
    return "ltr"


# Labels for keys common in civento-like forms, where plain word splitting reads poorly.
_LABELS = {
    "iban": "IBAN",
    "bic": "BIC",
    "email": "E-Mail",
    "e_mail": "E-Mail",
    "telefon": "Telefon",
    "phone": "Telefon",
    "street": "Straße",
    "strasse": "Straße",
    "housenumber": "Hausnummer",
    "postalcode": "Postleitzahl",
    "plz": "Postleitzahl",
    "city": "Ort",
    "country": "Land",
    "name": "Name",
    "givenname": "Vorname",
    "familyname": "Familienname",
    "birthdate": "Geburtsdatum",
    "sepamandat": "SEPA-Mandat",
    "ustid": "USt-IdNr.",
    "haltungseit": "Haltung seit",
    "stundenprowoche": "Stunden pro Woche",
    "bruttorauminhaltm3": "Brutto-Rauminhalt (m³)",
}

# Word parts that keys spell without umlauts or ß; restored only inside these known stems,
# because a general "ue" → "ü" rule would break words like "Steuer" or "neue".
_SPELLINGS = (
    ("staette", "stätte"),
    ("taetig", "tätig"),
    ("stueck", "stück"),
    ("groesse", "größe"),
    ("hoehe", "höhe"),
    ("gebuehr", "gebühr"),
    ("ueber", "über"),
    ("fuer", "für"),
    ("aender", "änder"),
    ("zustaend", "zuständ"),
    ("bestaetig", "bestätig"),
    ("begruend", "begründ"),
    ("waehr", "währ"),
    ("maenn", "männ"),
    ("koerper", "körper"),
    ("faehig", "fähig"),
    ("strasse", "straße"),
    ("schliess", "schließ"),
)
_WORD_BOUNDARY = re.compile(r"(?<=[a-zäöüß0-9])(?=[A-ZÄÖÜ])|[_\-\s.]+")


def label(key: str) -> str:
    """A readable German label for a form key: ``betriebsStaette`` → ``Betriebs Stätte``."""
    known = _LABELS.get(key.lower().replace("-", "_").replace("_", ""))
    if known:
        return known
    words = [w for w in _WORD_BOUNDARY.split(key) if w]
    if not words:
        return key
    spelled = [_respell(w) for w in words]
    text = " ".join(spelled)
    return text[:1].upper() + text[1:]


def _respell(word: str) -> str:
    lower = word.lower()
    for plain, proper in _SPELLINGS:
        lower = lower.replace(plain, proper)
    return lower.capitalize() if word[:1].isupper() or word == word.lower() else lower


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def scalar(value: Any) -> str:
    """A JSON scalar as a clerk reads it: German dates, decimal commas, ja/nein."""
    if value is None:
        return "keine Angabe"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    text = str(value)
    match = _ISO_DATE.match(text)
    if match:
        year, month, day = match.groups()
        return f"{day}.{month}.{year}"
    return text


_GERMAN_TIME = ZoneInfo("Europe/Berlin")


def timestamp(moment: datetime) -> str:
    """``20.11.2026, 09:14:03 Uhr (UTC+01:00)``: the moment in German local time."""
    local = moment.astimezone(_GERMAN_TIME) if moment.tzinfo else moment
    offset = local.strftime("%z")
    zone = f" (UTC{offset[:3]}:{offset[3:]})" if offset else ""
    return local.strftime("%d.%m.%Y, %H:%M:%S Uhr") + zone


def byte_size(size: int) -> str:
    """``1.234.567 Bytes (1,2 MB)``: exact bytes plus a readable size."""
    exact = f"{size:,}".replace(",", ".") + (" Byte" if size == 1 else " Bytes")
    for unit, factor in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= factor:
            readable = f"{size / factor:.1f}".replace(".", ",")
            return f"{exact} ({readable} {unit})"
    return exact
