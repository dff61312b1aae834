"""hub.connectors.dms_xdomea: the xdomea-shaped ZIP a DMS imports."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from defusedxml import ElementTree as SafeET
from factories import (
    EXAMPLE_STEMS,
    EXPECTED_TENANT,
    application_from,
    attachment,
    attachment_bytes,
    delivery_request,
    load_example,
    mutated,
)

from hub.config import HubConfig
from hub.connectors.dms_xdomea import DmsXdomeaConnector
from hub.connectors.dms_xdomea.render import (
    FORM_FILENAME,
    XDOMEA_NS,
    Recipient,
    render_package,
    safe_name,
)
from hub.delivery.errors import PermanentError
from hub.events.codec import SingleObjectCodec
from hub.events.models import DeliveryRequested

NS = {"x": XDOMEA_NS}
RECIPIENT_ID = {
    "bensheim": "064310002002",
    "viernheim": "064310020020",
    "kreis-bergstrasse": "064310000000",
    "mrn": "mrn",  # no area key: the tenant id
}


def _connector(config: HubConfig, tenant_id: str) -> DmsXdomeaConnector:
    """The tenant's first dms.xdomea connector instance."""
    tenant = config.tenant(tenant_id)
    cid = next(cid for cid, c in tenant.connectors.items() if c.kind == "dms.xdomea")
    return DmsXdomeaConnector(tenant, cid, tenant.connectors[cid])


def _rendered(
    config: HubConfig, stem: str
) -> tuple[dict[str, Any], DeliveryRequested, zipfile.ZipFile, Any]:
    raw = load_example(stem)
    tenant_id = EXPECTED_TENANT[stem]
    request = delivery_request(raw, tenant_id)
    package = render_package(
        request, attachment_bytes(raw), _connector(config, tenant_id).recipient
    )
    zf = zipfile.ZipFile(io.BytesIO(package))
    xml = SafeET.fromstring(zf.read(f"{request.delivery_id}_0601.xml"))
    return raw, request, zf, xml


def _text(xml: Any, path: str) -> str:
    found = xml.find(path, NS)
    assert found is not None, path
    return str(found.text)


@pytest.mark.parametrize("stem", EXAMPLE_STEMS)
def test_message_header_names_delivery_type_and_recipient(hub_config: HubConfig, stem: str) -> None:
    _raw, request, _zf, xml = _rendered(hub_config, stem)

    assert f"{{{XDOMEA_NS}}}Vorgang.Ablegen.0601" == xml.tag
    assert request.delivery_id == _text(xml, "x:Kopf/x:ProzessID")
    assert "0601" == _text(xml, "x:Kopf/x:Nachrichtentyp/x:code")
    assert RECIPIENT_ID[EXPECTED_TENANT[stem]] == _text(
        xml, "x:Kopf/x:Empfaenger/x:Behoerdenkennung/x:Kennung"
    )
    assert request.envelope.case_id == _text(xml, ".//x:Vorgang/x:Identifikation/x:ID")


@pytest.mark.parametrize("stem", EXAMPLE_STEMS)
def test_one_document_per_attachment_plus_the_form(hub_config: HubConfig, stem: str) -> None:
    raw, _request, zf, xml = _rendered(hub_config, stem)

    documents = xml.findall(".//x:Vorgang/x:Dokument", NS)
    filenames = [_text(d, "x:Version/x:Format/x:Primaerdokument/x:Dateiname") for d in documents]

    assert len(raw["attachments"]) + 1 == len(documents)
    assert FORM_FILENAME == filenames[0]
    assert len(filenames) == len(set(filenames))
    assert set(filenames) <= set(zf.namelist())


@pytest.mark.parametrize("stem", EXAMPLE_STEMS)
def test_attachments_are_packed_byte_for_byte(hub_config: HubConfig, stem: str) -> None:
    raw, _request, zf, xml = _rendered(hub_config, stem)
    blobs = attachment_bytes(raw)

    documents = xml.findall(".//x:Vorgang/x:Dokument", NS)[1:]
    packed = [
        zf.read(_text(d, "x:Version/x:Format/x:Primaerdokument/x:Dateiname")) for d in documents
    ]

    assert [blobs[a["sha256"]] for a in raw["attachments"]] == packed
    assert [a["mediaType"] for a in raw["attachments"]] == [
        _text(d, "x:Version/x:Format/x:Name/x:code") for d in documents
    ]


@pytest.mark.parametrize("stem", EXAMPLE_STEMS)
def test_form_document_carries_the_submitted_form_data(hub_config: HubConfig, stem: str) -> None:
    raw, _request, zf, _xml = _rendered(hub_config, stem)

    form = json.loads(zf.read(FORM_FILENAME))

    assert (raw["submissionId"], raw["formData"]) == (form["submissionId"], form["formData"])


@pytest.mark.parametrize("stem", EXAMPLE_STEMS)
def test_same_request_renders_byte_identical_zip_even_after_the_wire(
    hub_config: HubConfig, stem: str
) -> None:
    raw = load_example(stem)
    tenant_id = EXPECTED_TENANT[stem]
    request = delivery_request(raw, tenant_id)
    codec = SingleObjectCodec()
    from_the_wire = codec.decode(codec.encode(request))
    assert isinstance(from_the_wire, DeliveryRequested)
    recipient = _connector(hub_config, tenant_id).recipient

    first = render_package(request, attachment_bytes(raw), recipient)
    second = render_package(from_the_wire, attachment_bytes(raw), recipient)

    assert first == second


def test_connector_names_the_zip_after_delivery_id_and_message_type(hub_config: HubConfig) -> None:
    raw = load_example("gewerbe-anmelden-bensheim")
    request = delivery_request(raw, "bensheim")

    document = _connector(hub_config, "bensheim").render(request, attachment_bytes(raw))

    assert (f"{request.delivery_id}_0601.zip", "application/zip") == (
        document.filename,
        document.media_type,
    )


def test_configured_message_type_is_used_in_root_code_and_file_names() -> None:
    raw = load_example("gewerbe-anmelden-bensheim")
    request = delivery_request(raw, "bensheim")

    package = render_package(
        request, attachment_bytes(raw), Recipient("064310002002", "Stadt Bensheim"), "0611"
    )
    zf = zipfile.ZipFile(io.BytesIO(package))
    xml = SafeET.fromstring(zf.read(f"{request.delivery_id}_0611.xml"))

    assert f"{{{XDOMEA_NS}}}Vorgang.Ablegen.0611" == xml.tag
    assert "0611" == _text(xml, "x:Kopf/x:Nachrichtentyp/x:code")


def test_awkward_and_repeated_file_names_stay_parseable_and_distinct() -> None:
    first, second = b"%PDF first", b"%PDF second"
    raw = mutated(
        load_example("gewerbe-anmelden-bensheim"),
        lambda r: r.update(
            attachments=[
                attachment(first, filename='Nachweis <A&B> "1".pdf', attachment_id="a"),
                attachment(second, filename='Nachweis <A&B> "1".pdf', attachment_id="b"),
            ]
        ),
    )
    request = delivery_request(raw, "bensheim")

    zf = zipfile.ZipFile(
        io.BytesIO(render_package(request, attachment_bytes(raw), Recipient("x", "y")))
    )
    xml = SafeET.fromstring(zf.read(f"{request.delivery_id}_0601.xml"))
    documents = xml.findall(".//x:Vorgang/x:Dokument", NS)[1:]
    entries = [_text(d, "x:Version/x:Format/x:Primaerdokument/x:Dateiname") for d in documents]

    assert ['Nachweis <A&B> "1".pdf'] * 2 == [
        _text(d, "x:AllgemeineMetadaten/x:Betreff") for d in documents
    ]
    assert [first, second] == [zf.read(e) for e in entries]


def test_request_without_application_cannot_be_rendered(hub_config: HubConfig) -> None:
    request = delivery_request(load_example("gewerbe-anmelden-bensheim"), "bensheim")

    with pytest.raises(ValueError, match="no application"):
        render_package(request.model_copy(update={"application": None}), {}, Recipient("x", "y"))


def test_connector_turns_missing_attachment_bytes_into_permanent_mapping_error(
    hub_config: HubConfig,
) -> None:
    request = delivery_request(load_example("gewerbe-anmelden-bensheim"), "bensheim")

    with pytest.raises(PermanentError) as raised:
        _connector(hub_config, "bensheim").render(request, {})

    assert "mapping" == raised.value.reason


def test_recipient_org_unit_option_appears_in_header(hub_config: HubConfig) -> None:
    tenant = hub_config.tenant("bensheim")
    config = tenant.connectors["dms"].model_copy(update={"options": {"org_unit": "Ordnungsamt"}})
    raw = load_example("gewerbe-anmelden-bensheim")
    request = delivery_request(raw, "bensheim", application=application_from(raw))

    connector = DmsXdomeaConnector(tenant, "dms", config)
    zf = zipfile.ZipFile(io.BytesIO(connector.render(request, attachment_bytes(raw)).content))
    xml = SafeET.fromstring(zf.read(f"{request.delivery_id}_0601.xml"))

    assert "Ordnungsamt" == _text(xml, "x:Kopf/x:Empfaenger/x:Organisationseinheit/x:Name")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("lageplan.pdf", "lageplan.pdf"),
        ("Bescheinigung für Müller.pdf", "Bescheinigung für Müller.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\amt\\Antrag.pdf", "Antrag.pdf"),
        ("/abs/path/scan.png", "scan.png"),
        ("bad:name?*.pdf", "bad_name__.pdf"),
        ("tab\there.pdf", "tab_here.pdf"),
        ("nul\x00.pdf", "nul_.pdf"),
        (" .hidden. ", "hidden"),
        ("..", "dokument"),
        ("dir/", "dokument"),
        ("", "dokument"),
    ],
    ids=[
        "plain",
        "umlauts",
        "parent-dirs",
        "windows-path",
        "absolute",
        "odd-chars",
        "tab",
        "nul",
        "dots-and-spaces",
        "dot-dot",
        "trailing-slash",
        "empty",
    ],
)
def test_safe_name_strips_directories_and_odd_characters(name: str, expected: str) -> None:
    assert expected == safe_name(name)
