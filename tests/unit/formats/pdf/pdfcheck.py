"""Builders of the PDF test cases and outside checks of the PDFs (veraPDF, poppler, pikepdf)."""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from defusedxml import ElementTree as SafeET

from hub.events.models import DeliveryRequested
from hub.formats.pdf import render_application_pdf, render_cover_sheet
from hub.runtime.local import PROJECT_ROOT
from tests.unit.factories import attachment, delivery_request, load_example

VERAPDF = PROJECT_ROOT / "scripts" / "verapdf.sh"

# One string per script the rendering must draw exactly (names as they occur in registers).
SCRIPTS = {
    "latein": "Zoë Ångström-Łukasiewicz, Ðặng Thị Nguyễn, Çağrı Şahin, Søren Ærø",  # noqa: RUF001
    "griechisch": "Ελευθερία Παπαδοπούλου",
    "kyrillisch": "Олександра Шевченко",
    "hebraeisch": "שרה כהן",
    "arabisch": "محمد عبد الله",
    "persisch": "فاطمه رضایی",
    "chinesisch": "王小明",
    "japanisch": "山田花子 やまだ はなこ",
    "koreanisch": "김민준",
    "georgisch": "ნინო ბერიძე",
    "armenisch": "Արամ Պետրոսյան",
    "amharisch": "አበበ ቢቂላ",
    "hindi": "अनीता शर्मा",
    "thai": "สมชาย ใจดี",
    "tamil": "முருகன்",
}
MARKUP = "<script>alert(1)</script> und <b>x</b> & \"Zitat\" 'einfach'"
EMOJI = "Danke 😀 🎉 👍🏽 👨\u200d👩\u200d👧 ❤\ufe0f"
UNDRAWABLE = "\U0001fae0"  # "melting face" (Unicode 14): in none of the embedded fonts


def torture_raw() -> dict[str, Any]:
    """The Gewerbe example with applicant and form data in many scripts, markup and emoji."""
    raw = load_example("gewerbe-anmelden-bensheim")
    raw["applicant"]["givenName"] = "Zoë Ångström"
    raw["applicant"]["familyName"] = "Weißmüller-Łukasiewicz"
    raw["formData"] = {
        "namen": SCRIPTS,
        "bemerkung": MARKUP,
        "gruss": f"{EMOJI} {UNDRAWABLE}",
        "steuerzeichen": "Zeile 1\r\nZeile 2\tnach Tab\u0007Glocke",
        "kinder": [
            {"name": "Émile", "geburtsdatum": "2015-05-01"},
            {"name": "Мария", "geburtsdatum": "2018-11-30"},
        ],
        "sprachen": ["Deutsch", "Türkçe", "العربية", "עברית"],
        "leer": {},
        "keineListe": [],
        "zahl": 2450.5,
        "ja": True,
        "nichts": None,
    }
    return raw


def large_raw(attachments: int = 20, text_chars: int = 10_000) -> dict[str, Any]:
    """A realistic big submission: many attachments and a long free-text field."""
    raw = load_example("baugenehmigung-kreis-bergstrasse")
    sentence = "Die Nachbarbebauung wird durch das Vorhaben nicht beeinträchtigt. "
    text = (sentence * (text_chars // len(sentence) + 1))[:text_chars]
    raw["formData"]["begruendung"] = text
    raw["attachments"] = [
        attachment(
            hashlib.sha256(str(n).encode()).digest() * 4,
            filename=f"anlage-{n:02d}-bauzeichnung-ansicht-nord-ost-maßstab-1-100.pdf",
            attachment_id=f"att-{n}",
        )
        for n in range(1, attachments + 1)
    ]
    return raw


@dataclass(frozen=True)
class Case:
    """A request and the PDF it was rendered to."""

    name: str
    raw: dict[str, Any]
    request: DeliveryRequested
    pdf: bytes
    path: Path


COVER_TARGET = "E-Akte Bensheim (d.velop)"
COVER_INSTRUCTIONS = "Bitte dem Gewerbeamt zuordnen.\nFrist: 14 Tage. <i>nicht kursiv</i>"


def render_case(
    name: str, raw: dict[str, Any], tenant: str, folder: Path, *, cover: bool = False
) -> Case:
    request = delivery_request(raw, tenant)
    if cover:
        pdf = render_cover_sheet(
            request, target_system=COVER_TARGET, instructions=COVER_INSTRUCTIONS
        )
    else:
        pdf = render_application_pdf(request)
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    return Case(name, raw, request, pdf, path)


@dataclass(frozen=True)
class Verdict:
    """veraPDF's verdict on one file."""

    profile: str
    compliant: bool
    failed_rules: tuple[str, ...]


def run_verapdf(paths: list[Path]) -> dict[str, Verdict]:
    """Validate ``paths`` against the PDF/A-2u profile; file stem -> verdict."""
    result = subprocess.run(
        [str(VERAPDF), "validate", "--flavour", "2u", "--format", "xml", *map(str, paths)],
        capture_output=True,
        check=False,
        timeout=600,
    )
    if not result.stdout.strip():
        pytest.fail(f"veraPDF produced no report: {result.stderr.decode()[-2000:]}")
    root = SafeET.fromstring(result.stdout)
    verdicts = {}
    for job in root.iter("job"):
        name = Path(job.findtext("item/name", "")).stem
        report = job.find("validationReport")
        assert report is not None, f"no validation report for {name}: {json.dumps(job.attrib)}"
        failed = tuple(
            f"{r.get('clause')}-{r.get('testNumber')}: {r.findtext('description', '').strip()}"
            for r in report.iter("rule")
            if r.get("status") == "failed"
        )
        verdicts[name] = Verdict(
            report.get("profileName", ""), report.get("isCompliant") == "true", failed
        )
    return verdicts


_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"))


def extracted_text(pdf: Path) -> str:
    """Text as poppler's ``pdftotext`` extracts it, bidi embedding marks removed."""
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True, timeout=60
    )
    return result.stdout.decode().translate(_BIDI_CONTROLS)


@dataclass(frozen=True)
class GlyphUse:
    """Which glyphs of which embedded font the content streams show."""

    font: str
    cids: frozenset[int]
    mapped: frozenset[int]  # CIDs that have a ToUnicode entry
    embedded: bool


def _to_unicode_cids(font: pikepdf.Dictionary) -> set[int]:
    if "/ToUnicode" not in font:
        return set()
    cmap = font.ToUnicode.read_bytes().decode("latin-1")
    cids: set[int] = set()
    for block in cmap.split("beginbfchar")[1:]:
        for line in block.split("endbfchar")[0].strip().splitlines():
            cids.add(int(line.split(">")[0].strip("< "), 16))
    for block in cmap.split("beginbfrange")[1:]:
        for line in block.split("endbfrange")[0].strip().splitlines():
            low, high = (int(p.strip("< "), 16) for p in line.split(">")[:2])
            cids.update(range(low, high + 1))
    return cids


def glyph_uses(pdf: Path) -> dict[str, GlyphUse]:
    """Every font the pages show text with, the CIDs shown and whether they are mapped."""
    shown: dict[str, set[int]] = {}
    fonts: dict[str, pikepdf.Dictionary] = {}

    def walk(container: Any, resources: pikepdf.Dictionary) -> None:
        current = None
        for operands, operator in pikepdf.parse_content_stream(container):
            op = str(operator)
            if op == "Tf":
                font = resources.Font[str(operands[0])]
                current = str(font.BaseFont)
                fonts[current] = font
                shown.setdefault(current, set())
            elif op in ("Tj", "TJ", "'", '"'):
                strings = operands[0] if op == "TJ" else [operands[-1]]
                for item in strings:
                    if isinstance(item, pikepdf.String):
                        data = bytes(item)
                        shown[current or "?"].update(
                            int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)
                        )
            elif op == "Do":
                xobject = resources.XObject[str(operands[0])]
                if xobject.Subtype == "/Form":
                    walk(xobject, xobject.get("/Resources", resources))

    with pikepdf.open(pdf) as doc:
        for page in doc.pages:
            walk(page, page.Resources)
        uses = {}
        for name, font in fonts.items():
            descendant = font.DescendantFonts[0]
            descriptor = descendant.FontDescriptor
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            uses[name] = GlyphUse(
                name, frozenset(shown[name]), frozenset(_to_unicode_cids(font)), embedded
            )
    return uses


def xmp(pdf: Path) -> dict[str, str]:
    """The PDF/A identification and dates of the XMP metadata."""
    with pikepdf.open(pdf) as doc:
        meta = doc.open_metadata()
        keys = ("pdfaid:part", "pdfaid:conformance", "xmp:CreateDate", "xmp:ModifyDate", "dc:title")
        found = {k: str(meta.get(k)) for k in keys if meta.get(k) is not None}
        found["output_intent"] = (
            str(doc.Root.OutputIntents[0].S) if "/OutputIntents" in doc.Root else ""
        )
        return found
