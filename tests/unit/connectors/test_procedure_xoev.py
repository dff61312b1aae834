"""procedure.xoev: file drop and HTTP POST of the XGewerbeanzeige, the Aktenzeichen as receipt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.config.tenants import ConnectorConfig
from hub.connectors.procedure_xoev import ProcedureXoevConnector
from hub.connectors.procedure_xoev.connector import message_id
from hub.delivery.errors import ConnectorConfigError, PermanentError
from hub.delivery.transports import DirectoryDrop, HttpPost, Transport
from hub.runtime.local import PROJECT_ROOT
from hub.sdk.testing import TENANT, load_samples

SAMPLES = {s.name: s for s in load_samples("procedure.xoev", "gewerbe")}
GEWERBE = SAMPLES["gewerbe-anmelden-bensheim.json"]
OPTIONS = {
    "mappings": {"99050012104000": "gewerbe-anmelden-xgewerbeanzeige"},
    "reference": "/aktenzeichen",
}


@pytest.fixture(autouse=True)
def _mappings_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_MAPPINGS_DIR", str(PROJECT_ROOT / "config" / "mappings"))


def build(
    transport: dict[str, Any], override: Transport, options: dict[str, Any] = OPTIONS
) -> ProcedureXoevConnector:
    config = ConnectorConfig.model_validate(
        {"kind": "procedure.xoev", "transport": transport, "options": options}
    )
    return ProcedureXoevConnector(TENANT, "gewerbe", config, transport=override)


def test_a_directory_gets_the_message_under_the_delivery_id(tmp_path: Path) -> None:
    connector = build({"type": "directory", "path": str(tmp_path)}, DirectoryDrop(tmp_path))
    document = connector.render(GEWERBE.request, GEWERBE.attachments)

    first = connector.deliver(document, GEWERBE.request.delivery_id)
    again = connector.deliver(document, GEWERBE.request.delivery_id)

    name = f"{GEWERBE.request.delivery_id}_xgewerbeanzeige.xml"
    assert (name, False, True) == (first.reference, first.duplicate, again.duplicate)
    assert document.content == (tmp_path / name).read_bytes()


def test_http_posts_xml_and_keeps_the_aktenzeichen() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"aktenzeichen": "GEW-2026-000123"})

    client = httpx.Client(transport=httpx.MockTransport(answer))
    connector = build(
        {"type": "http", "url": "http://gewerbe.test/x"},
        HttpPost("http://gewerbe.test/x", client=client),
    )

    receipt = connector.deliver(connector.render(GEWERBE.request, {}), GEWERBE.request.delivery_id)

    assert "GEW-2026-000123" == receipt.reference
    assert "application/xml" == seen[0].headers["Content-Type"]
    assert GEWERBE.request.delivery_id == seen[0].headers["Idempotency-Key"]
    assert message_id(GEWERBE.request.delivery_id).encode() in seen[0].content


def test_services_without_mapping_and_unmappable_cases_are_permanent(tmp_path: Path) -> None:
    connector = build({"type": "directory", "path": str(tmp_path)}, DirectoryDrop(tmp_path))
    app = GEWERBE.request.application
    assert app is not None
    no_form = GEWERBE.request.model_copy(
        update={"application": app.model_copy(update={"form_data_json": "{}"})}
    )

    with pytest.raises(PermanentError, match="no mapping for service 99027002012000"):
        connector.render(SAMPLES["geburtsurkunde-viernheim.json"].request, {})
    with pytest.raises(PermanentError, match=r"gewerbe\.niederlassungArt <- /formData/gewerbe/art"):
        connector.render(no_form, {})


def test_a_mapping_writing_an_unknown_element_is_permanent(tmp_path: Path) -> None:
    options = {"mappings": {"*": [{"target": "satz.anmeldung.farbe", "const": "blau"}]}}
    connector = build(
        {"type": "directory", "path": str(tmp_path)}, DirectoryDrop(tmp_path), options
    )

    with pytest.raises(PermanentError, match="satz/anmeldung/farbe: no such element"):
        connector.render(GEWERBE.request, {})


@pytest.mark.parametrize(
    "options", [{}, {"mappings": {}}, {"mappings": {"*": "nope"}, "standard": "xgewerbeanzeige"}]
)
def test_options_without_a_usable_mapping_are_configuration_errors(
    tmp_path: Path, options: dict[str, Any]
) -> None:
    with pytest.raises(ConnectorConfigError) as info:
        build({"type": "directory", "path": str(tmp_path)}, DirectoryDrop(tmp_path), options)

    assert info.value.field.startswith("options")
