"""The three files finance receives for one e-invoice, and their one-request HTTP form.

Pure functions: the original XML byte for byte, a JSON summary (the invoice's headline from
:func:`hub.formats.xrechnung.summarize` with intake's validation result and the delivery's
ids) and the HTML page of :func:`hub.formats.xrechnung.render_html`. Over HTTP the three
travel as one ``multipart/form-data`` body (parts ``invoice``, ``summary``, ``rendering``)
whose boundary is derived from the content, so the same delivery renders the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from hub.delivery.rendering import safe_name
from hub.events.models import DeliveryRequested, Invoice
from hub.formats.xrechnung import Finding, ValidationReport, render_html, summarize

INVOICE_PART, SUMMARY_PART, RENDERING_PART = "invoice", "summary", "rendering"
INVOICE_FILE, SUMMARY_FILE, RENDERING_FILE = "rechnung.xml", "zusammenfassung.json", "rechnung.html"


@dataclass(frozen=True)
class Part:
    """One file of the delivery: its form field, file name, media type and bytes."""

    name: str
    filename: str
    media_type: str
    content: bytes


def report_from_json(data: bytes) -> ValidationReport:
    """Intake's stored validation report (:func:`hub.intake.invoices.report_document`)."""
    raw: dict[str, Any] = json.loads(data)
    findings = tuple(
        Finding(f["rule_id"], f["severity"], f["location"], f["text"], f["source"])
        for f in raw["findings"]
    )
    return ValidationReport(raw["specification"], raw["syntax"], raw["rules"], findings, 0.0)


def summary_of(
    request: DeliveryRequested, document: bytes, report: ValidationReport | None
) -> dict[str, Any]:
    """The JSON summary: the headline, ``validation`` (None when the case carries no report)
    and ``delivery`` (the ids finance quotes back)."""
    invoice = request.invoice
    if not (invoice is not None):
        raise RuntimeError("invariant broken: invoice is not None")
    summary = summarize(document, report)
    summary.setdefault("validation", None)
    summary["delivery"] = {
        "deliveryId": request.delivery_id,
        "caseId": request.envelope.case_id,
        "tenant": request.envelope.tenant,
        "leitwegId": invoice.leitweg_id,
        "sha256": invoice.document.sha256,
    }
    return summary


def parts_of(
    request: DeliveryRequested, document: bytes, report: ValidationReport | None
) -> tuple[Part, ...]:
    """The three files: XML as received, summary, rendering."""
    summary = summary_of(request, document, report)
    return (
        Part(INVOICE_PART, INVOICE_FILE, "application/xml", document),
        Part(
            SUMMARY_PART,
            SUMMARY_FILE,
            "application/json",
            json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True).encode(),
        ),
        Part(
            RENDERING_PART,
            RENDERING_FILE,
            "text/html; charset=utf-8",
            render_html(document, summary),
        ),
    )


def boundary_of(parts: tuple[Part, ...]) -> str:
    """A boundary that occurs in no part: a hash over the parts, lengthened in the
    (astronomically unlikely) case that it does."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part.content).digest())
    boundary = f"hub-einvoice-{digest.hexdigest()[:40]}"
    while any(boundary.encode() in p.content for p in parts):
        boundary += "x"
    return boundary


def multipart(parts: tuple[Part, ...], boundary: str) -> bytes:
    """``multipart/form-data`` (RFC 7578) of ``parts``."""
    out = bytearray()
    for part in parts:
        out += (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{part.name}"; filename="{part.filename}"\r\n'
            f"Content-Type: {part.media_type}\r\n\r\n"
        ).encode()
        out += part.content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)


def folder_name(delivery_id: str, invoice: Invoice) -> str:
    """``{delivery id}_{invoice number}``: the delivery's folder in a finance inbox."""
    return f"{delivery_id}_{safe_name(invoice.invoice_number)}"
