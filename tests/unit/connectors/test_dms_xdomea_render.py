"""hub.connectors.dms_xdomea: tenant options to an XSD-valid FVDaten.SGOAblegen.0605 ZIP."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from lxml import etree

from hub.config import HubConfig
from hub.connectors.dms_xdomea import DmsXdomeaConnector
from hub.connectors.dms_xdomea.render import render_package
from hub.delivery.errors import ConnectorConfigError, PermanentError
from hub.formats.xdomea.codes import namespace
from hub.runtime.local import PROJECT_ROOT
from tests.unit.factories import (
    EXAMPLE_STEMS,
    EXPECTED_TENANT,
    attachment_bytes,
    delivery_request,
    load_example,
)

XSD = PROJECT_ROOT.parent / "shared" / "standards" / "xdomea" / "xsd"
RECIPIENT_ID = {
    "bensheim": "064310002002",
    "viernheim": "064310020020",
    "kreis-bergstrasse": "064310000000",
    "mrn": "mrn",  # no area key: the tenant id
}


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    """xdomea 3.1.0, the connector's default version."""
    return etree.XMLSchema(etree.parse(str(XSD / "3.1.0" / "xdomea.xsd")))


def _connector(
    config: HubConfig, tenant_id: str, options: dict[str, Any] | None = None
) -> DmsXdomeaConnector:
    tenant = config.tenant(tenant_id)
    cid = next(cid for cid, c in tenant.connectors.items() if c.kind == "dms.xdomea")
    conf = tenant.connectors[cid]
    if options is not None:
        conf = conf.model_copy(update={"options": options})
    return DmsXdomeaConnector(tenant, cid, conf)


@pytest.mark.parametrize("stem", EXAMPLE_STEMS)
def test_connector_renders_a_schema_valid_package_named_after_the_delivery(
    hub_config: HubConfig, schema: etree.XMLSchema, stem: str
) -> None:
    raw, tenant = load_example(stem), EXPECTED_TENANT[stem]
    request = delivery_request(raw, tenant)

    document = _connector(hub_config, tenant).render(request, attachment_bytes(raw))
    zf = zipfile.ZipFile(io.BytesIO(document.content))
    message = etree.fromstring(zf.read(f"{request.delivery_id}_FVDaten.SGOAblegen.0605.xml"))
    ns = {"x": namespace("3.1.0")}

    assert (f"{request.delivery_id}_FVDaten.SGOAblegen.0605.zip", "application/zip") == (
        document.filename,
        document.media_type,
    )
    assert schema.validate(message), schema.error_log
    assert RECIPIENT_ID[tenant] == message.findtext(
        "x:Kopf/x:Empfaenger/x:Behoerdenkennung/x:Behoerdenschluessel/code", namespaces=ns
    )
    listed = [e.text for e in message.iterfind(".//x:Primaerdokument/x:Dateiname", ns)]
    assert 2 + len(raw["attachments"]) == len(listed)
    assert set(listed) <= set(zf.namelist())


def test_without_a_pdf_the_antrag_is_filed_as_text(hub_config: HubConfig) -> None:
    raw = load_example("gewerbe-anmelden-bensheim")
    request = delivery_request(raw, "bensheim")

    package = render_package(
        request, attachment_bytes(raw), _connector(hub_config, "bensheim").filing
    )
    antrag = zipfile.ZipFile(io.BytesIO(package.content)).read(package.entries[1].name)

    assert package.entries[1].name.endswith("_antrag.txt")
    assert b"Antrag: Gewerbe anmelden (99050012104000)" in antrag
    assert b"Online-Handel mit Keramikwaren" in antrag


def test_a_given_pdf_is_filed_as_the_antrag(hub_config: HubConfig) -> None:
    raw = load_example("gewerbe-anmelden-bensheim")
    request = delivery_request(raw, "bensheim")
    pdf = b"%PDF-1.7\nclerk view"

    package = render_package(
        request, attachment_bytes(raw), _connector(hub_config, "bensheim").filing, pdf
    )

    assert pdf == zipfile.ZipFile(io.BytesIO(package.content)).read(package.entries[1].name)


def test_options_reach_the_message(hub_config: HubConfig) -> None:
    options = {
        "version": "3.0.0",
        "recipient": {"authority_prefix": "ars", "org_unit": "Ordnungsamt"},
        "sender": {"authority_code": "ikz-bergstrasse", "name": "IKZ Bergstraße"},
        "file_plan": {"99050012104000": "32.10.01", "*": "00.00"},
        "format_codes": {"image/png": "020"},
    }
    raw = load_example("gewerbe-anmelden-bensheim")
    request = delivery_request(raw, "bensheim")

    document = _connector(hub_config, "bensheim", options).render(request, attachment_bytes(raw))
    zf = zipfile.ZipFile(io.BytesIO(document.content))
    message = etree.fromstring(zf.read(f"{request.delivery_id}_FVDaten.SGOAblegen.0605.xml"))
    ns = {"x": namespace("3.0.0")}

    def text(path: str) -> str | None:
        return message.findtext(path, namespaces=ns)

    assert etree.XMLSchema(etree.parse(str(XSD / "3.0.0" / "xdomea.xsd"))).validate(message)
    assert ("064310002002", "ars", "Ordnungsamt") == (
        text("x:Kopf/x:Empfaenger/x:Behoerdenkennung/x:Behoerdenschluessel/code"),
        text("x:Kopf/x:Empfaenger/x:Behoerdenkennung/x:Praefix/code"),
        text("x:Kopf/x:Empfaenger/x:Organisationseinheit/x:Name"),
    )
    assert ("ikz-bergstrasse", "IKZ Bergstraße") == (
        text("x:Kopf/x:Absender/x:Behoerdenkennung/x:Behoerdenschluessel/code"),
        text("x:Kopf/x:Absender/x:Institution/x:Name"),
    )
    assert "32.10.01" == text(".//x:Akte/x:AllgemeineMetadaten/x:Aktenplaneinheit/x:Kennzeichen")


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"version": "2.4.0"}, "options.version"),
        ({"file_plan": {"9905": "32.10"}}, "options.file_plan"),
        ({"format_codes": {"pdf": "18"}}, "options.format_codes"),
        ({"recipient": {"org_unit": ""}}, "options.recipient.org_unit"),
        ({"message_type": "0601"}, "options.message_type"),
    ],
    ids=["version", "file-plan-key", "format-code", "empty-org-unit", "unknown-option"],
)
def test_bad_options_are_configuration_errors_naming_the_field(
    hub_config: HubConfig, options: dict[str, Any], field: str
) -> None:
    with pytest.raises(ConnectorConfigError) as raised:
        _connector(hub_config, "bensheim", options)

    assert field == raised.value.field


def test_missing_attachment_bytes_are_a_permanent_mapping_error(hub_config: HubConfig) -> None:
    request = delivery_request(load_example("gewerbe-anmelden-bensheim"), "bensheim")

    with pytest.raises(PermanentError) as raised:
        _connector(hub_config, "bensheim").render(request, {})

    assert "mapping_failed" == raised.value.reason
    assert "attachments[0]" in str(raised.value.detail)


def test_request_without_application_is_a_permanent_mapping_error(hub_config: HubConfig) -> None:
    request = delivery_request(load_example("gewerbe-anmelden-bensheim"), "bensheim")

    with pytest.raises(PermanentError) as raised:
        _connector(hub_config, "bensheim").render(
            request.model_copy(update={"application": None}), {}
        )

    assert "mapping_failed" == raised.value.reason
