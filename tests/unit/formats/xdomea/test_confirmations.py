"""hub.formats.xdomea.confirmations: 0629 / 0630 built schema-valid and read back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import XSD_ROOT, Schemas
from lxml import etree

from hub.formats.xdomea import (
    Confirmation,
    Party,
    build_import_0630,
    build_receipt_0629,
    codes,
    confirmation_filename,
    parse_confirmation,
)
from hub.formats.xdomea.codes import namespace
from hub.formats.xdomea.errors import ConfirmationError

PID = "6a1d2c3b-4e5f-5a6b-8c7d-9e0f1a2b3c4d"
RECORD = "2b9f4c1e-7d3a-4e8b-9c0f-1a2b3c4d5e6f"
DMS = Party("064310002002", "Stadt Bensheim", authority_prefix="ars")
HUB = Party("ikz-hub", "IKZ Hub")
AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
WHO = {"sender": DMS, "recipient": HUB, "created_at": AT}


@pytest.mark.parametrize("version", ["3.1.0", "3.0.0"])
def test_receipt_is_schema_valid_and_round_trips(schemas: Schemas, version: str) -> None:
    xml = build_receipt_0629(PID, version=version, **WHO)  # type: ignore[arg-type]

    assert [] == schemas.errors(version, xml)
    assert Confirmation("received", PID, True, version=version) == parse_confirmation(xml)  # type: ignore[arg-type]


@pytest.mark.parametrize("version", ["3.1.0", "3.0.0"])
def test_positive_import_carries_the_dms_record_id(schemas: Schemas, version: str) -> None:
    xml = build_import_0630(
        PID, success=True, record_id=RECORD, location="32.10.01/2026/17", version=version, **WHO
    )  # type: ignore[arg-type]

    assert [] == schemas.errors(version, xml)
    assert Confirmation(
        "imported", PID, True, None, RECORD, "32.10.01/2026/17", version
    ) == parse_confirmation(xml)  # type: ignore[arg-type]


@pytest.mark.parametrize("version", ["3.1.0", "3.0.0"])
def test_negative_import_carries_the_reason(schemas: Schemas, version: str) -> None:
    xml = build_import_0630(
        PID, success=False, reason="Aktenplaneinheit 32.10.01 gesperrt", version=version, **WHO
    )  # type: ignore[arg-type]

    parsed = parse_confirmation(xml)

    assert [] == schemas.errors(version, xml)
    assert (False, "Aktenplaneinheit 32.10.01 gesperrt", None) == (
        parsed.success,
        parsed.reason,
        parsed.record_id,
    )


def test_negative_import_with_a_standard_code_names_it(schemas: Schemas) -> None:
    xml = build_import_0630(PID, success=False, error_code="0605004", **WHO)  # type: ignore[arg-type]

    assert [] == schemas.errors("3.1.0", xml)
    assert "0605004: Datei kann nicht gefunden werden." == parse_confirmation(xml).reason


def test_reason_text_is_sanitised_and_bounded(schemas: Schemas) -> None:
    xml = build_import_0630(PID, success=False, reason="Fehler\x00" + "x" * 5000, **WHO)  # type: ignore[arg-type]

    reason = parse_confirmation(xml).reason

    assert [] == schemas.errors("3.1.0", xml)
    assert reason is not None and reason.startswith("Fehler\ufffdx") and len(reason) == 1000


def test_a_general_error_reply_is_read_as_failure() -> None:
    ns = namespace("3.1.0")
    xml = build_import_0630(PID, success=True, **WHO)  # type: ignore[arg-type]
    failed = xml.replace(b"<code>0000000</code>", b"<code>0000008</code>").replace(
        b"<xdomea:Erfolgreich>1", b"<xdomea:Erfolgreich>0"
    )

    parsed = parse_confirmation(failed)

    assert ns.encode() in failed
    assert (
        False,
        "0000008: Die XML-Struktur entspricht nicht dem Schema und ist nicht valide.",
    ) == (parsed.success, parsed.reason)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not xml", "not well-formed"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><x/>', "document type"),
        (b'<r xmlns="urn:other"/>', "not an xdomea 3.x message"),
        (
            b'<x:FVDaten.SGOAblegen.0605 xmlns:x="urn:xoev-de:xdomea:schema:3.1.0"/>',
            "not a confirmation",
        ),
    ],
    ids=["garbage", "doctype", "foreign", "not-a-confirmation"],
)
def test_unreadable_confirmations_are_refused_clearly(data: bytes, message: str) -> None:
    with pytest.raises(ConfirmationError, match=message):
        parse_confirmation(data)


def test_builders_refuse_what_the_schema_would_refuse() -> None:
    with pytest.raises(ConfirmationError, match="UUID"):
        build_receipt_0629("d-1", **WHO)  # type: ignore[arg-type]
    with pytest.raises(ConfirmationError, match="IDSGO"):
        build_import_0630(PID, success=True, record_id="DMS-17", **WHO)  # type: ignore[arg-type]
    with pytest.raises(ConfirmationError, match="0605999"):
        build_import_0630(PID, success=False, error_code="0605999", **WHO)  # type: ignore[arg-type]


def test_outbox_file_names_follow_the_package_naming() -> None:
    assert (
        f"{PID}_FVDaten.EmpfangBestaetigen.0629.xml",
        f"{PID}_FVDaten.ImportBestaetigen.0630.xml",
    ) == (
        confirmation_filename(PID, "received"),
        confirmation_filename(PID, "imported"),
    )


@pytest.mark.parametrize(
    ("type_name", "table"),
    [
        ("AllgemeineRueckmeldungCodeType", "GENERAL_REPLIES"),
        ("SpezifischeFehlermeldung0605CodeType", "FILING_REPLIES"),
    ],
)
def test_reply_code_tables_are_taken_from_the_schema(type_name: str, table: str) -> None:
    xs = "{http://www.w3.org/2001/XMLSchema}"
    doc = etree.parse(str(XSD_ROOT / "3.1.0" / "xdomea-Datentypen.xsd"))
    declared = {
        e.get("value")
        for e in doc.find(f"{xs}complexType[@name='{type_name}']").iter(f"{xs}enumeration")
    }  # type: ignore[union-attr]

    assert set(getattr(codes, table)) <= declared
    assert table != "FILING_REPLIES" or set(codes.FILING_REPLIES) == declared
