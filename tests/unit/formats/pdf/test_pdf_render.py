"""hub.formats.pdf: what a clerk reads in the PDF, checked with poppler and pikepdf.

Text is taken out of the PDF with ``pdftotext`` (an outside reader), glyph use with pikepdf:
no text-showing operator may use glyph 0 (.notdef, drawn as an empty box) and every glyph
shown must map back to Unicode.
"""

from __future__ import annotations

import json
import time

import pytest

from hub.events.models import DeliveryRequested
from hub.formats.pdf import render_application_pdf, render_cover_sheet
from hub.formats.pdf.fonts import FACES
from tests.unit.factories import EXAMPLE_STEMS, delivery_request, load_example
from tests.unit.formats.pdf.pdfcheck import (
    COVER_INSTRUCTIONS,
    COVER_TARGET,
    EMOJI,
    MARKUP,
    SCRIPTS,
    UNDRAWABLE,
    Case,
    extracted_text,
    glyph_uses,
    large_raw,
    render_case,
    xmp,
)

ALL = [*EXAMPLE_STEMS, "torture", "cover", "torture-cover"]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_gewerbe_shows_metadata_applicant_payment_form_and_attachments(
    cases: dict[str, Case],
) -> None:
    case = cases["gewerbe-anmelden-bensheim"]
    text = _flat(extracted_text(case.path))
    expected = [
        "Gewerbe anmelden",
        "Leistungsschlüssel 99050012104000",
        "Portal civento-hessen",
        "Antragsnummer CIV-2026-104233",
        "Eingegangen am 20.11.2026, 09:14:03 Uhr (UTC+01:00)",  # the portal's local time
        "Stadt Bensheim",
        "AGS 06431002, ARS 064310002002",
        f"Vorgangs-ID {case.request.envelope.case_id}",
        f"Zustellungs-ID {case.request.delivery_id}",
        "Vorname Aylin",
        "Familienname Demir",
        "Geburtsdatum 17.04.1991",
        "Hauptstraße 12 64625 Bensheim",
        "Status bezahlt",
        "Betrag 26,00 EUR",
        "Transaktionsnummer EPAY-88211",
        "Rückkanal",
        "aylin.demir@example.org",
        "Formulardaten",
        "Tätigkeit Online-Handel mit Keramikwaren",
        "Beginn 01.12.2026",
        "Vollzeit ja",
        "Mitarbeiter 2",
        "Gewerbe › Betriebsstätte",  # noqa: RUF001
        "Straße Rodensteinstraße 3",
        "Anlagen (1)",
        "personalausweis.pdf application/pdf 73 Bytes",
        "Seite 1 von 2",
        "Seite 2 von 2",
    ]
    missing = [e for e in expected if e not in text]
    assert missing == []
    # the 64 hex digits may wrap inside the table cell, but all of them are there
    digest = case.raw["attachments"][0]["sha256"]
    assert digest in text.replace(" ", "")


@pytest.mark.parametrize("stem", EXAMPLE_STEMS)
def test_every_example_shows_every_form_value(cases: dict[str, Case], stem: str) -> None:
    case = cases[stem]
    text = _flat(extracted_text(case.path))
    application = case.request.application
    assert application is not None

    def leaves(value: object) -> list[str]:
        if isinstance(value, dict):
            return [s for v in value.values() for s in leaves(v)]
        if isinstance(value, list):
            return [s for v in value for s in leaves(v)]
        return [value] if isinstance(value, str) and not value[:4].isdigit() else []

    for value in leaves(json.loads(application.form_data_json)):
        assert _flat(value) in text, value
    for att in application.attachments:
        assert att.filename in text


def test_every_script_is_extracted_exactly(cases: dict[str, Case]) -> None:
    text = _flat(extracted_text(cases["torture"].path))
    for script, value in SCRIPTS.items():
        words = value.split()
        if script in ("hebraeisch", "arabisch", "persisch"):
            # right-to-left words come out in logical order; poppler may order them per word
            assert all(word in text for word in words), script
        elif script == "hindi":
            # the reph (र् drawn above the next letter) is extracted out of order by poppler,
            # as from any PDF without ActualText; the letters themselves are all there
            assert "अनीता" in text
            assert set("शर्मा") <= set(text)
        else:
            assert value in text, script
    assert "Zoë Ångström" in text
    assert "Weißmüller-Łukasiewicz" in text
    assert "\ufffd" not in text


def test_markup_in_form_data_is_shown_as_text(cases: dict[str, Case]) -> None:
    text = _flat(extracted_text(cases["torture"].path))
    assert "<script>alert(1)</script>" in text
    assert "<b>x</b>" in text
    assert MARKUP in text


def test_emoji_are_drawn_and_undrawable_characters_shown_as_code_points(
    cases: dict[str, Case],
) -> None:
    text = extracted_text(cases["torture"].path)
    for emoji in ("😀", "🎉", "👍", "❤"):
        assert emoji in text
    assert UNDRAWABLE not in text
    assert f"[U+{ord(UNDRAWABLE):X}]" in text
    assert "[U+0007]" in text  # a control character is shown, not dropped
    assert "Zeile 1\nZeile 2" in text
    assert EMOJI.split()[0] in text


@pytest.mark.parametrize("name", ALL)
def test_no_notdef_glyph_and_every_glyph_maps_to_unicode(cases: dict[str, Case], name: str) -> None:
    uses = glyph_uses(cases[name].path)
    assert uses
    for use in uses.values():
        assert use.embedded, use.font
        assert 0 not in use.cids, f"{use.font} shows .notdef"
        assert use.cids <= use.mapped, f"{use.font}: CIDs without ToUnicode"


def _family(base_font: str) -> str:
    """``/ABCDEF+Hub-Sans-Bold`` -> the configured family it came from, or the raw name."""
    name = base_font.split("+", 1)[1]
    known = sorted((f.family for f in FACES), key=len, reverse=True)
    return next((f for f in known if name.startswith(f.replace(" ", "-"))), name)


def test_only_the_configured_fonts_are_used(cases: dict[str, Case]) -> None:
    families = {f.family for f in FACES}
    used = {_family(u.font) for name in ALL for u in glyph_uses(cases[name].path).values()}
    assert used <= families, used - families
    # the multi-script case really goes through the script fonts
    torture = {_family(u.font) for u in glyph_uses(cases["torture"].path).values()}
    for family in ("Hub Sans", "Hub Hebrew", "Hub Arabic", "Hub CJK", "Hub Emoji", "Hub Ethiopic"):
        assert family in torture


@pytest.mark.parametrize("name", ALL)
def test_pdfa_identification_and_dates_come_from_the_request(
    cases: dict[str, Case], name: str
) -> None:
    meta = xmp(cases[name].path)
    assert meta["pdfaid:part"] == "2"
    assert meta["pdfaid:conformance"] == "U"
    assert meta["output_intent"] == "/GTS_PDFA1"
    application = cases[name].request.application
    assert application is not None
    assert meta["xmp:CreateDate"] == application.submitted_at.isoformat()
    assert meta["xmp:ModifyDate"] == meta["xmp:CreateDate"]


def test_same_request_renders_the_same_pdf(cases: dict[str, Case]) -> None:
    case = cases["gewerbe-anmelden-bensheim"]
    again = render_application_pdf(case.request)
    assert again == case.pdf


def test_cover_sheet_names_target_instructions_and_case(cases: dict[str, Case]) -> None:
    case = cases["cover"]
    text = _flat(extracted_text(case.path))
    for expected in (
        "Deckblatt",
        f"für {COVER_TARGET}",
        "Bearbeitungshinweis",
        _flat(COVER_INSTRUCTIONS),  # markup in instructions is text too
        "Gewerbe anmelden (99050012104000)",
        "Antragsteller/in Aylin Demir",
        f"Vorgangs-ID {case.request.envelope.case_id}",
        f"Zustellungs-ID {case.request.delivery_id}",
        "Zahlung bezahlt",
        "Anlagen (1) personalausweis.pdf",
        "Seite 1 von 1",
    ):
        assert expected in text, expected


def test_request_without_application_is_refused_with_the_field_named() -> None:
    request = delivery_request(load_example("gewerbe-anmelden-bensheim"), "bensheim")
    empty = DeliveryRequested.model_validate({**request.model_dump(), "application": None})
    with pytest.raises(ValueError, match=r"field 'application' is empty"):
        render_application_pdf(empty)
    with pytest.raises(ValueError, match=r"field 'application' is empty"):
        render_cover_sheet(empty, target_system="DMS", instructions="-")


def test_twenty_attachments_and_ten_thousand_characters_render_quickly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    raw = large_raw(attachments=20, text_chars=10_000)
    started = time.perf_counter()
    case = render_case("large", raw, "kreis-bergstrasse", tmp_path)
    seconds = time.perf_counter() - started
    assert seconds < 15, f"{seconds:.1f} s for one PDF"  # about 1 s on a shared 2-core machine
    text = extracted_text(case.path)
    flat = _flat(text)
    assert "Anlagen (20)" in flat
    for n in (1, 20):
        assert f"anlage-{n:02d}-bauzeichnung" in flat.replace(" ", "").replace("-\n", "")
    # the whole long text is there: count one sentence over all pages
    assert flat.count("beeinträchtigt.") == 10_000 // len(
        "Die Nachbarbebauung wird durch das Vorhaben nicht beeinträchtigt. "
    )
    assert "Seite 4 von" in flat
