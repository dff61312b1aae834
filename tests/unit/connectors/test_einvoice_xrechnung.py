"""The einvoice.xrechnung connector: three files per invoice, by folder or one multipart POST."""

from __future__ import annotations

import email.parser
import email.policy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.config import HubConfig
from hub.config.tenants import ConnectorConfig, Tenant
from hub.connectors.einvoice_xrechnung import EinvoiceXRechnungConnector
from hub.connectors.einvoice_xrechnung.bundle import report_from_json
from hub.delivery.connector import connector_problems, is_digital
from hub.delivery.errors import PermanentError
from hub.delivery.transports import IDEMPOTENCY_HEADER, HttpPost
from hub.events.models import DeliveryRequested, Envelope
from hub.formats.xrechnung import Finding, ValidationReport
from hub.ids import delivery_id, invoice_id
from hub.intake.invoice import document_sha256, parse_invoice, to_invoice
from hub.intake.invoices import report_document, report_ref
from hub.runtime.local import PROJECT_ROOT

EXAMPLE = PROJECT_ROOT / "examples" / "invoices" / "ubl-bensheim-gruenpflege.xml"
CII_EXAMPLE = PROJECT_ROOT / "examples" / "invoices" / "cii-kreis-bergstrasse-buero.xml"
URL = "http://finance.test/import"
WARNING = Finding(
    "BR-DE-TMP-32", "warning", "/ubl:Invoice[1]", "[BR-DE-TMP-32] Lieferdatum fehlt", "xrechnung"
)
REPORT = ValidationReport(
    "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
    "ubl",
    "EN16931 1.3.15, XRechnung 3.0.2 (UBL)",
    (WARNING,),
    0.0,
)


def case(
    path: Path = EXAMPLE, report: ValidationReport | None = REPORT
) -> tuple[DeliveryRequested, dict[str, bytes]]:
    """What the router asks finance of bensheim to deliver, and the blobs it references."""
    data = path.read_bytes()
    header, digest = parse_invoice(data), document_sha256(data)
    blobs = {digest: data}
    validation = None
    if report is not None:
        stored = report_document(report)
        sha = document_sha256(stored)
        blobs[sha] = stored
        validation = report_ref(stored, sha, f"blob:sha256:{sha}")
    invoice = to_invoice(
        header,
        header.buyer_reference,
        digest,
        len(data),
        f"blob:sha256:{digest}",
        validation=validation,
    )
    cid = invoice_id(header.seller_key, header.invoice_number, header.issue_date.isoformat())
    request = DeliveryRequested(
        envelope=Envelope(case_id=cid, tenant="bensheim", correlation_id=cid),
        delivery_id=delivery_id(cid, "bensheim", "finance"),
        connector="finance",
        connector_kind="einvoice.xrechnung",
        rule="invoices",
        invoice=invoice,
    )
    return request, blobs


def connector(settings: dict[str, Any], **kwargs: Any) -> EinvoiceXRechnungConnector:
    config = ConnectorConfig.model_validate({"kind": "einvoice.xrechnung", "transport": settings})
    tenant = Tenant.model_validate(
        {"id": "bensheim", "name": "Stadt Bensheim", "connectors": {"finance": config}}
    )
    return EinvoiceXRechnungConnector(tenant, "finance", config, **kwargs)


def test_the_kind_is_digital_and_takes_invoices_only() -> None:
    assert is_digital("einvoice.xrechnung")
    assert not EinvoiceXRechnungConnector.media_break
    assert frozenset({"invoice"}) == EinvoiceXRechnungConnector.handles


def test_the_shipped_tenants_send_invoices_to_it(hub_config: HubConfig) -> None:
    kinds = {
        t.id: {t.connectors[c].kind for c in t.invoices.to}
        for t in hub_config.tenants.values()
        if t.invoices
    }

    assert {"bensheim", "viernheim", "kreis-bergstrasse"} == set(kinds)
    assert all({"einvoice.xrechnung"} == k for k in kinds.values())
    assert [] == connector_problems(hub_config.tenants)


@pytest.mark.parametrize("path", [EXAMPLE, CII_EXAMPLE], ids=lambda p: p.name)
def test_a_directory_gets_one_folder_with_the_three_files(path: Path, tmp_path: Path) -> None:
    finance = connector({"type": "directory", "path": str(tmp_path / "inbox")})
    request, blobs = case(path)

    receipt = finance.deliver(finance.render(request, blobs), request.delivery_id)

    (folder,) = (tmp_path / "inbox").iterdir()
    assert (receipt.reference, False) == (folder.name, receipt.duplicate)
    assert folder.name.startswith(request.delivery_id)
    assert ["rechnung.html", "rechnung.xml", "zusammenfassung.json"] == sorted(
        p.name for p in folder.iterdir()
    )
    assert path.read_bytes() == (folder / "rechnung.xml").read_bytes()
    summary = json.loads((folder / "zusammenfassung.json").read_text(encoding="utf-8"))
    header = parse_invoice(path.read_bytes())
    assert (header.invoice_number, header.buyer_reference) == (
        summary["invoice_number"],
        summary["buyer_reference"],
    )
    assert {"valid": True, "fatal": 0, "warnings": 1} == {
        k: summary["validation"][k] for k in ("valid", "fatal", "warnings")
    }
    assert request.delivery_id == summary["delivery"]["deliveryId"]
    assert document_sha256(path.read_bytes()) == summary["delivery"]["sha256"]
    html = (folder / "rechnung.html").read_text(encoding="utf-8")
    assert header.invoice_number in html and "BR-DE-TMP-32" in html


def test_a_repeat_leaves_the_folder_untouched(tmp_path: Path) -> None:
    finance = connector({"type": "directory", "path": str(tmp_path)})
    request, blobs = case()
    document = finance.render(request, blobs)
    finance.deliver(document, request.delivery_id)
    (folder,) = tmp_path.iterdir()
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}

    again = finance.deliver(document, request.delivery_id)

    assert again.duplicate
    assert stamps == {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert [folder] == list(tmp_path.iterdir())  # no temp folder left behind


def test_a_repeat_racing_the_first_is_a_duplicate_and_leaves_no_temp_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    finance = connector({"type": "directory", "path": str(tmp_path)})
    request, blobs = case()
    document = finance.render(request, blobs)
    finance.deliver(document, request.delivery_id)
    # the second one looked before the first had renamed its folder into place
    monkeypatch.setattr(Path, "exists", lambda _self: False)

    again = finance.deliver(document, request.delivery_id)

    assert again.duplicate
    assert 1 == len(list(tmp_path.iterdir()))


def _parts(request: httpx.Request) -> dict[str, tuple[str | None, str, bytes]]:
    head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.content)
    found = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        payload = part.get_payload(decode=True)
        found[part.get_param("name", header="content-disposition")] = (
            part.get_filename(),
            part.get_content_type(),
            payload,
        )
    return found


def test_http_gets_one_multipart_post_per_delivery_keyed_by_the_delivery_id() -> None:
    seen: list[httpx.Request] = []

    def office(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"reference": "FIN-1"})

    transport = HttpPost(URL, client=httpx.Client(transport=httpx.MockTransport(office)))
    finance = connector({"type": "http", "url": URL}, transport=transport)
    request, blobs = case()

    receipt = finance.deliver(finance.render(request, blobs), request.delivery_id)

    assert "FIN-1" == receipt.reference
    (post,) = seen
    assert request.delivery_id == post.headers[IDEMPOTENCY_HEADER]
    assert post.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    parts = _parts(post)
    assert ["invoice", "rendering", "summary"] == sorted(parts)
    assert ("rechnung.xml", "application/xml", EXAMPLE.read_bytes()) == parts["invoice"]
    assert "application/json" == parts["summary"][1]
    assert json.loads(parts["summary"][2])["validation"]["valid"] is True
    assert "text/html" == parts["rendering"][1]


def test_the_stored_report_round_trips() -> None:
    assert (
        REPORT.to_json() | {"seconds": 0.0} == report_from_json(report_document(REPORT)).to_json()
    )


def test_a_case_without_a_report_says_so_in_the_summary(tmp_path: Path) -> None:
    finance = connector({"type": "directory", "path": str(tmp_path)})
    request, blobs = case(report=None)

    finance.deliver(finance.render(request, blobs), request.delivery_id)

    (folder,) = tmp_path.iterdir()
    assert json.loads((folder / "zusammenfassung.json").read_text())["validation"] is None


def test_a_missing_report_or_document_is_a_permanent_error(tmp_path: Path) -> None:
    finance = connector({"type": "directory", "path": str(tmp_path)})
    request, blobs = case()
    assert request.invoice is not None and request.invoice.validation is not None
    without_report = {request.invoice.document.sha256: blobs[request.invoice.document.sha256]}

    for partial in (without_report, {}):
        with pytest.raises(PermanentError) as info:
            finance.render(request, partial)
        assert "attachment_missing" == info.value.reason
