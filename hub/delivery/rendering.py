"""Rendering helpers every connector kind may use (pure functions)."""

from __future__ import annotations

import json
import re
from typing import Any

from hub.events.models import Application, Invoice


def safe_name(name: str) -> str:
    """A file name safe in a directory or ZIP: no directories, no odd characters."""
    cleaned = re.sub(r"[^\w.\- ]", "_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return cleaned or "dokument"


def attachment_entries(app: Application) -> list[tuple[str, str]]:
    """(unique file name, sha256) of every attachment, in submission order."""
    return [
        (f"{i + 1:02d}_{safe_name(att.filename)}", att.sha256)
        for i, att in enumerate(app.attachments)
    ]


def form_payload(app: Application) -> dict[str, Any]:
    """The submission's own content (applicant, form data, payment) as JSON-ready data."""
    return {
        "portal": app.portal,
        "submissionId": app.submission_id,
        "submittedAt": app.submitted_at.isoformat(),
        "service": {"leikaId": app.service.leika_id, "name": app.service.name},
        "authority": app.authority.model_dump(exclude_none=True),
        "applicant": app.applicant.model_dump(mode="json", exclude_none=True),
        "formData": json.loads(app.form_data_json),
        "payment": app.payment.model_dump(exclude_none=True) if app.payment else None,
        "replyChannel": app.reply_channel.model_dump() if app.reply_channel else None,
    }


def form_document(app: Application) -> bytes:
    """:func:`form_payload` as a JSON document."""
    return json.dumps(form_payload(app), ensure_ascii=False, indent=2, sort_keys=True).encode()


def invoice_filename(delivery_id: str, invoice: Invoice) -> str:
    """``{delivery id}_{invoice number}.xml``."""
    return f"{delivery_id}_{safe_name(invoice.invoice_number)}.xml"
