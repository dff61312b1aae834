"""hub.formats.xdomea.filing: FVDaten.SGOAblegen.0605 packages, checked with KoSIT's XSD."""

from __future__ import annotations

import hashlib
import json
import os
import re

import pytest
from conftest import Schemas, settings
from lxml import etree
from xdomea_cases import antrag_pdf, example_request, request_for, unzip

from hub.events.codec import SingleObjectCodec
from hub.events.models import DeliveryRequested
from hub.formats.xdomea import MappingError, Party, PrimaryDocument, render_filing
from hub.formats.xdomea.codes import namespace
from tests.unit.factories import EXAMPLE_STEMS, load_example

UUID_NAME = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_[A-Za-z0-9._-]+$"
)


def _xml(package_message: bytes, version: str = "3.1.0") -> tuple[etree._Element, dict[str, str]]:
    return etree.fromstring(package_message), {"x": namespace(version)}  # type: ignore[arg-type]


@pytest.mark.parametrize("version", ["3.1.0", "3.0.0"])
@pytest.mark.parametrize("stem", EXAMPLE_STEMS)
def test_every_example_renders_a_schema_valid_0605(
    schemas: Schemas, stem: str, version: str
) -> None:
    request, docs = example_request(stem)

    package = render_filing(request, docs, settings(version))

    assert [] == schemas.errors(version, package.message)
    root, _ns = _xml(package.message, version)
    assert f"{{{namespace(version)}}}FVDaten.SGOAblegen.0605" == root.tag


@pytest.mark.parametrize("stem", EXAMPLE_STEMS)
def test_package_is_named_after_the_delivery_and_lists_every_primary_document(stem: str) -> None:
    request, docs = example_request(stem)

    package = render_filing(request, docs, settings())
    zf = unzip(package)
    root, ns = _xml(package.message)
    listed = [e.text for e in root.iterfind(".//x:Primaerdokument/x:Dateiname", ns)]
    stem_name = f"{request.delivery_id}_FVDaten.SGOAblegen.0605"

    assert (f"{stem_name}.zip", request.delivery_id) == (package.filename, package.prozess_id)
    assert request.delivery_id == root.findtext("x:Kopf/x:ProzessID", namespaces=ns)
    assert [f"{stem_name}.xml", *listed] == zf.namelist()
    assert package.message == zf.read(f"{stem_name}.xml")
    assert all(UUID_NAME.match(str(name)) for name in listed)
    # Antrag (PDF + JSON), then one file per attachment
    assert 2 + len(docs) - 1 == len(listed)


@pytest.mark.parametrize("stem", EXAMPLE_STEMS)
def test_primary_documents_are_packed_byte_for_byte(stem: str) -> None:
    request, docs = example_request(stem)

    package = render_filing(request, docs, settings())
    zf = unzip(package)
    packed = {e.name: hashlib.sha256(zf.read(e.name)).hexdigest() for e in package.entries}
    by_name = {e.name: e.sha256 for e in package.entries}

    assert by_name == packed
    files = [e for e in package.entries if not e.name.endswith(".xml")]
    expected = [docs[0].content, None, *(d.content for d in docs[1:])]
    for entry, content in zip(files, expected, strict=True):
        if content is not None:
            assert hashlib.sha256(content).hexdigest() == entry.sha256


@pytest.mark.parametrize("stem", EXAMPLE_STEMS)
def test_antrag_carries_the_pdf_and_the_form_data_as_json(stem: str) -> None:
    request, docs = example_request(stem)

    package = render_filing(request, docs, settings())
    root, ns = _xml(package.message)
    antrag = root.find(".//x:Vorgang/x:Dokument", ns)
    assert antrag is not None
    formats = antrag.findall("x:Version/x:Format", ns)
    codes = [f.findtext("x:Name/code", namespaces=ns) for f in formats]
    names = [f.findtext("x:SonstigerName", namespaces=ns) for f in formats]
    form = json.loads(
        unzip(package).read(
            str(formats[1].findtext("x:Primaerdokument/x:Dateiname", namespaces=ns))
        )
    )

    assert ["018", "100"] == codes
    assert [None, "json"] == names
    assert "1.7" == formats[0].findtext("x:Version", namespaces=ns)
    assert load_example(stem)["formData"] == form["formData"]
    assert "Antrag" == antrag.findtext("x:Typ", namespaces=ns)


def test_header_names_sender_recipient_and_the_standards_flags() -> None:
    request, docs = example_request("gewerbe-anmelden-bensheim")

    root, ns = _xml(render_filing(request, docs, settings(receipt_requested=False)).message)
    head = root.find("x:Kopf", ns)
    assert head is not None

    def text(path: str) -> str | None:
        return head.findtext(path, namespaces=ns)

    assert ("0605", "FVDaten.SGOAblegen") == (
        text("x:Nachrichtentyp/code"),
        text("x:Nachrichtentyp/name"),
    )
    assert ("064310002002", "ars") == (
        text("x:Empfaenger/x:Behoerdenkennung/x:Behoerdenschluessel/code"),
        text("x:Empfaenger/x:Behoerdenkennung/x:Praefix/code"),
    )
    assert ("Stadt Bensheim", "Gewerbeamt") == (
        text("x:Empfaenger/x:Institution/x:Name"),
        text("x:Empfaenger/x:Organisationseinheit/x:Name"),
    )
    assert "ikz-hub" == text("x:Absender/x:Behoerdenkennung/x:Behoerdenschluessel/code")
    assert ("0", "1", "0") == (
        text("x:Empfangsbestaetigung"),
        text("x:Importbestaetigung"),
        text("x:Stapel"),
    )


@pytest.mark.parametrize(
    ("stem", "unit"),
    [("gewerbe-anmelden-bensheim", "32.10.01"), ("hundesteuer-anmelden-viernheim", "00.00")],
)
def test_file_plan_unit_comes_from_the_service_else_the_wildcard(stem: str, unit: str) -> None:
    request, docs = example_request(stem)

    root, ns = _xml(render_filing(request, docs, settings()).message)

    assert unit == root.findtext(
        ".//x:Akte/x:AllgemeineMetadaten/x:Aktenplaneinheit/x:Kennzeichen", namespaces=ns
    )


def test_without_a_file_plan_entry_no_aktenplaneinheit_is_sent(schemas: Schemas) -> None:
    request, docs = example_request("gewerbe-anmelden-bensheim")

    package = render_filing(request, docs, settings(file_plan={}))
    root, ns = _xml(package.message)

    assert root.find(".//x:Aktenplaneinheit", ns) is None
    assert [] == schemas.errors("3.1.0", package.message)


def test_media_types_map_to_the_dateiformat_code_list_or_sonstiges(schemas: Schemas) -> None:
    request, docs = example_request("gewerbe-anmelden-bensheim")
    extra = [
        PrimaryDocument("foto.JPG", "image/jpeg", b"\xff\xd8\xff", "Foto"),
        PrimaryDocument(
            "brief.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            b"PK",
            "Brief",
        ),
        PrimaryDocument("daten", "application/x-unknown", b"?", "Daten"),
    ]

    package = render_filing(request, [*docs, *extra], settings(format_codes={"image/jpeg": "017"}))
    root, ns = _xml(package.message)
    formats = root.findall(".//x:Dokument/x:Version/x:Format", ns)[-3:]
    seen = [
        (f.findtext("x:Name/code", namespaces=ns), f.findtext("x:SonstigerName", namespaces=ns))
        for f in formats
    ]
    files = [str(f.findtext("x:Primaerdokument/x:Dateiname", namespaces=ns)) for f in formats]

    assert [("017", None), ("035", None), ("100", "application/x-unknown")] == seen
    assert [".jpg", ".docx", ".bin"] == [name[name.rindex(".") :] for name in files]
    assert [] == schemas.errors("3.1.0", package.message)


def test_same_request_renders_the_same_bytes_even_after_the_wire() -> None:
    request, docs = example_request("baugenehmigung-kreis-bergstrasse")
    codec = SingleObjectCodec()
    from_the_wire = codec.decode(codec.encode(request))
    assert isinstance(from_the_wire, DeliveryRequested)

    first = render_filing(request, docs, settings())
    second = render_filing(from_the_wire, docs, settings())

    assert first == second


def test_megabyte_attachments_travel_unchanged(schemas: Schemas) -> None:
    request, docs = example_request("gewerbe-anmelden-bensheim")
    scan = b"%PDF-1.4\n" + os.urandom(6 * 1024 * 1024)
    photo = os.urandom(3 * 1024 * 1024)
    big = [
        *docs,
        PrimaryDocument("scan.pdf", "application/pdf", scan, "Scan"),
        PrimaryDocument("foto.png", "image/png", photo, "Foto"),
    ]

    package = render_filing(request, big, settings())
    zf = unzip(package)

    assert [scan, photo] == [zf.read(e.name) for e in package.entries[-2:]]
    assert [] == schemas.errors("3.1.0", package.message)


def test_request_without_application_is_a_mapping_error() -> None:
    request, docs = example_request("gewerbe-anmelden-bensheim")

    with pytest.raises(MappingError) as raised:
        render_filing(request.model_copy(update={"application": None}), docs, settings())

    assert "application" == raised.value.field


def test_delivery_id_that_is_no_uuid_is_a_mapping_error() -> None:
    request, docs = example_request("gewerbe-anmelden-bensheim")

    with pytest.raises(MappingError) as raised:
        render_filing(request.model_copy(update={"delivery_id": "d-1"}), docs, settings())

    assert ("delivery_id", "the ProzessID must be a UUID") == (
        raised.value.field,
        raised.value.message,
    )


def test_missing_antrag_is_a_mapping_error() -> None:
    request, _docs = example_request("gewerbe-anmelden-bensheim")

    with pytest.raises(MappingError) as raised:
        render_filing(request, [], settings())

    assert "documents" == raised.value.field


def test_empty_behoerdenkennung_is_a_mapping_error_naming_the_setting() -> None:
    request, docs = example_request("gewerbe-anmelden-bensheim")

    with pytest.raises(MappingError) as raised:
        render_filing(request, docs, settings(recipient=Party(" \t ", "Stadt")))

    assert "settings.recipient.authority_code" == raised.value.field


def test_case_id_that_is_no_uuid_still_gives_a_valid_vorgang_id(schemas: Schemas) -> None:
    request, _docs = example_request("gewerbe-anmelden-bensheim")
    app = request.application
    assert app is not None

    package = render_filing(request_for(app, case_id="case-1"), [antrag_pdf(app)], settings())

    assert [] == schemas.errors("3.1.0", package.message)
