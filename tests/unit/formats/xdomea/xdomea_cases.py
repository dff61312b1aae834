"""Requests and documents for the xdomea tests: the examples and generated applications."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from hub.events.models import Application, DeliveryRequested
from hub.formats.xdomea import FilingPackage, PrimaryDocument
from tests.unit.factories import (
    EXPECTED_TENANT,
    attachment_bytes,
    delivery_request,
    envelope,
    load_example,
)

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog>> endobj\ntrailer <<>>\n%%EOF\n"


def antrag_pdf(app: Application) -> PrimaryDocument:
    """A stand-in for the clerk-readable PDF of an application."""
    return PrimaryDocument(
        "Antrag.pdf", "application/pdf", PDF + app.submission_id.encode(errors="replace"), "Antrag"
    )


def example_request(stem: str) -> tuple[DeliveryRequested, list[PrimaryDocument]]:
    """An example application as the router hands it over, and its documents."""
    raw = load_example(stem)
    request = delivery_request(raw, EXPECTED_TENANT[stem])
    app = request.application
    assert app is not None
    blobs = attachment_bytes(raw)
    docs = [antrag_pdf(app)] + [
        PrimaryDocument(a.filename, a.media_type, blobs[a.sha256], a.filename)
        for a in app.attachments
    ]
    return request, docs


def request_for(
    app: Application, case_id: str = "0f6b8f0e-9a57-5d3c-8e1b-2a4c6d8e0f12"
) -> DeliveryRequested:
    """A delivery request of ``app`` to a tenant's DMS."""
    return DeliveryRequested(
        envelope=envelope(
            case_id, "bensheim", occurred_at=datetime(2026, 11, 20, 8, 15, tzinfo=UTC)
        ),
        delivery_id="6a1d2c3b-4e5f-5a6b-8c7d-9e0f1a2b3c4d",
        connector="dms",
        connector_kind="dms.xdomea",
        rule="everything-to-dms",
        application=app,
    )


def unzip(package: FilingPackage) -> zipfile.ZipFile:
    """The package's ZIP, opened."""
    return zipfile.ZipFile(io.BytesIO(package.content))
