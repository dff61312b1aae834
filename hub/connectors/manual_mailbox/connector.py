"""The ``manual.mailbox`` connector kind: a folder a clerk works through by hand.

Every hand-over here is a media break (the case leaves the digital path), which
is exactly what the hub counts: replacing a mailbox route with a real connector
is how a service becomes end-to-end digital.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from typing import ClassVar

from hub.config.tenants import DirectoryTransport
from hub.delivery.connector import CaseType, Connector, Document
from hub.delivery.errors import ConnectorConfigError, PermanentError
from hub.delivery.rendering import attachment_entries, form_document, invoice_filename
from hub.events.models import Application, DeliveryRequested

SUMMARY = """Antrag zur manuellen Bearbeitung
================================
Leistung:      {service} ({leika})
Behörde:       {authority}
Portal:        {portal}, Vorgang {submission}
Eingegangen:   {submitted}
Anlagen:       {attachments}
Fall-ID:       {case_id}

Die Antragsdaten stehen in antrag.json, die Anlagen liegen bei.
"""


def _summary(request: DeliveryRequested, app: Application) -> bytes:
    return SUMMARY.format(
        service=app.service.name,
        leika=app.service.leika_id,
        authority=app.authority.name,
        portal=app.portal,
        submission=app.submission_id,
        submitted=app.submitted_at.isoformat(),
        attachments=len(app.attachments),
        case_id=request.envelope.case_id,
    ).encode()


class ManualMailboxConnector(Connector):
    """Drops applications (as a ZIP with a summary) and invoices (as received) into a folder."""

    kind = "manual.mailbox"
    media_break = True
    handles: ClassVar[frozenset[CaseType]] = frozenset({"application", "invoice"})

    def check_transport(self) -> None:
        """A mailbox is a directory."""
        if not isinstance(self.config.transport, DirectoryTransport):
            raise ConnectorConfigError(
                "manual.mailbox needs type: directory", field="transport.type"
            )

    def render(self, request: DeliveryRequested, attachments: Mapping[str, bytes]) -> Document:
        """A ZIP for an application, the original XML for an invoice."""
        if request.invoice is not None:
            doc = attachments.get(request.invoice.document.sha256)
            if doc is None:
                raise PermanentError("invoice document missing", reason="attachment_missing")
            return Document(
                invoice_filename(request.delivery_id, request.invoice), doc, "application/xml"
            )
        app = request.application
        if app is None:
            raise PermanentError("delivery request carries no case", reason="mapping")
        stamp = request.envelope.occurred_at.timetuple()[:6]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for name, data in (
                ("uebersicht.txt", _summary(request, app)),
                ("antrag.json", form_document(app)),
                *((entry, attachments[sha]) for entry, sha in attachment_entries(app)),
            ):
                z.writestr(zipfile.ZipInfo(name, date_time=stamp), data, zipfile.ZIP_DEFLATED)
        return Document(f"{request.delivery_id}.zip", buf.getvalue(), "application/zip")
