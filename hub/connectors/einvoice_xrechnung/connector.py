"""The ``einvoice.xrechnung`` connector kind: validated e-invoices to a finance system.

Each delivery hands over three files (see :mod:`.bundle`): the XRechnung byte for byte, a
JSON summary with intake's validation result, and an HTML rendering. It is a digital
hand-over (no media break).

* **Directory** (a finance inbox): one folder ``{delivery id}_{invoice number}/`` holding
  ``rechnung.xml``, ``zusammenfassung.json`` and ``rechnung.html``. The files are written and
  synced in a hidden temp folder, which is then renamed into place, so an importer never
  sees a partial folder; a folder that exists already is a repeat (nothing is rewritten).
* **HTTP**: one ``multipart/form-data`` POST (parts ``invoice``, ``summary``, ``rendering``)
  with ``Idempotency-Key: <delivery id>``, so the finance system imports the three together
  or not at all, once.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from hub.connectors.einvoice_xrechnung.bundle import (
    Part,
    boundary_of,
    folder_name,
    multipart,
    parts_of,
    report_from_json,
)
from hub.delivery.connector import CaseType, Connector, Document, HandoverReceipt
from hub.delivery.errors import PermanentError, TransientError
from hub.delivery.transports import DirectoryDrop
from hub.events.models import DeliveryRequested


@dataclass(frozen=True)
class InvoiceDocument(Document):
    """The multipart body (what HTTP posts), with its parts kept for a directory drop."""

    parts: tuple[Part, ...] = ()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def drop_folder(directory: Path, name: str, parts: tuple[Part, ...]) -> HandoverReceipt:
    """Write ``parts`` into ``directory/name/`` atomically and at most once."""
    target = directory / name
    if target.exists():
        return HandoverReceipt(reference=name, duplicate=True)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=directory, prefix=".tmp-"))
    except OSError as exc:
        raise TransientError(f"cannot write to {directory}", detail=str(exc)) from exc
    try:
        for part in parts:
            with (tmp / part.filename).open("wb") as f:
                f.write(part.content)
                f.flush()
                os.fsync(f.fileno())
        _fsync(tmp)
        try:
            tmp.rename(target)  # refuses a non-empty target: a concurrent repeat won
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
                return HandoverReceipt(reference=name, duplicate=True)
            raise
        _fsync(directory)
    except OSError as exc:
        raise TransientError(f"cannot write to {directory}", detail=str(exc)) from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return HandoverReceipt(reference=name)


class EinvoiceXRechnungConnector(Connector):
    """Hands e-invoices to finance: XML, JSON summary and HTML (directory or HTTP)."""

    kind = "einvoice.xrechnung"
    handles: ClassVar[frozenset[CaseType]] = frozenset({"invoice"})

    def render(self, request: DeliveryRequested, attachments: Mapping[str, bytes]) -> Document:
        """The three files of one delivery, and their multipart form."""
        invoice = request.invoice
        if invoice is None:
            raise PermanentError("delivery request carries no invoice", reason="mapping_failed")
        document = attachments.get(invoice.document.sha256)
        if document is None:
            raise PermanentError("invoice document missing", reason="attachment_missing")
        report = None
        if invoice.validation is not None:
            stored = attachments.get(invoice.validation.sha256)
            if stored is None:
                raise PermanentError("validation report missing", reason="attachment_missing")
            report = report_from_json(stored)
        parts = parts_of(request, document, report)
        boundary = boundary_of(parts)
        return InvoiceDocument(
            filename=folder_name(request.delivery_id, invoice),
            content=multipart(parts, boundary),
            media_type=f"multipart/form-data; boundary={boundary}",
            parts=parts,
        )

    def deliver(self, document: Document, delivery_id: str) -> HandoverReceipt:
        """A folder in a directory inbox; otherwise the transport sends the multipart body."""
        if isinstance(self.transport, DirectoryDrop) and isinstance(document, InvoiceDocument):
            return drop_folder(self.transport.path, document.filename, document.parts)
        return self.transport.send(document, delivery_id)
