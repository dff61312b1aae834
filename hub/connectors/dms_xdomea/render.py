"""Render a case as an xdomea-shaped filing message (pure functions, no I/O).

The message follows xdomea's structure: a header (Kopf) with ProzessID, message
type, creation time, sender, recipient and sending system, then the records
Akte -> Vorgang -> Dokument with their metadata and one Version/Format per
document pointing at a primary document in the ZIP. The ZIP is named
``{ProzessID}_{message type}.zip``; the ProzessID is the delivery id, so the
same delivery always yields the same file name.

It is xdomea-*shaped*: element names and nesting follow the standard, but it is
not validated against the KoSIT XSD of a specific xdomea version; the code of
the message type is configurable per instance (``options.message_type``)
because DMS products differ in the profile they import.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree as ET

from hub import __version__
from hub.delivery.rendering import attachment_entries, form_document, safe_name
from hub.events.models import Application, DeliveryRequested

__all__ = ["form_document", "primary_documents", "render_message", "render_package", "safe_name"]

XDOMEA_NS = "urn:xoev-de:xdomea:schema:3.0.0"
DEFAULT_MESSAGE_TYPE = "0601"  # Fachverfahren -> DMS group: file a case (Vorgang ablegen)
FORM_FILENAME = "antrag.json"

ET.register_namespace("xdomea", XDOMEA_NS)


@dataclass(frozen=True)
class Recipient:
    """Who receives the message: authority id (Behoerdenkennung) and organisation unit."""

    authority_id: str
    authority_name: str
    org_unit: str | None = None


def _q(tag: str) -> str:
    return f"{{{XDOMEA_NS}}}{tag}"


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, _q(tag))
    if text is not None:
        el.text = text
    return el


def _id(parent: ET.Element, value: str) -> None:
    _sub(_sub(parent, "Identifikation"), "ID", value)


def _metadata(parent: ET.Element, subject: str, reference: str | None = None) -> None:
    meta = _sub(parent, "AllgemeineMetadaten")
    _sub(meta, "Betreff", subject)
    if reference:
        _sub(meta, "Kennzeichen", reference)


def _timestamp(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def primary_documents(app: Application) -> list[tuple[str, str]]:
    """(ZIP entry name, sha256) of every attachment, unique and in submission order."""
    return attachment_entries(app)


def _version(doc: ET.Element, filename: str, media_type: str) -> None:
    version = _sub(doc, "Version")
    _sub(version, "Nummer", "1")
    fmt = _sub(version, "Format")
    _sub(_sub(fmt, "Name"), "code", media_type)
    primary = _sub(fmt, "Primaerdokument")
    _sub(primary, "Dateiname", filename)


def render_message(
    request: DeliveryRequested, recipient: Recipient, message_type: str = DEFAULT_MESSAGE_TYPE
) -> bytes:
    """The XML filing message of one delivery."""
    app = request.application
    if app is None:
        raise ValueError("delivery request carries no application")
    root = ET.Element(_q(f"Vorgang.Ablegen.{message_type}"))
    head = _sub(root, "Kopf")
    _sub(head, "ProzessID", request.delivery_id)
    _sub(_sub(head, "Nachrichtentyp"), "code", message_type)
    _sub(head, "Erstellungszeitpunkt", _timestamp(request.envelope.occurred_at))
    sender = _sub(head, "Absender")
    _sub(_sub(sender, "Behoerdenkennung"), "Kennung", "ikz-hub")
    _sub(_sub(sender, "Organisationseinheit"), "Name", f"Portal {app.portal}")
    to = _sub(head, "Empfaenger")
    _sub(_sub(to, "Behoerdenkennung"), "Kennung", recipient.authority_id)
    _sub(to, "Behoerdenname", recipient.authority_name)
    if recipient.org_unit:
        _sub(_sub(to, "Organisationseinheit"), "Name", recipient.org_unit)
    system = _sub(head, "SendendesSystem")
    _sub(system, "InstanzID", "ikz-hub")
    _sub(system, "Produktname", "ikz-hub")
    _sub(system, "Version", __version__)
    _sub(head, "Importbestaetigung", "true")

    file_id = str(
        uuid.uuid5(
            uuid.NAMESPACE_URL, f"ikz-hub:akte:{recipient.authority_id}:{app.service.leika_id}"
        )
    )
    record = _sub(_sub(root, "Schriftgutobjekt"), "Akte")
    _id(record, file_id)
    _metadata(record, app.service.name, app.service.leika_id)
    case = _sub(_sub(record, "Akteninhalt"), "Vorgang")
    _id(case, request.envelope.case_id)
    _metadata(case, f"{app.service.name} ({app.submission_id})", app.submission_id)
    form = _sub(case, "Dokument")
    _id(form, str(uuid.uuid5(uuid.NAMESPACE_URL, f"ikz-hub:form:{request.envelope.case_id}")))
    _metadata(form, "Antrag")
    _version(form, FORM_FILENAME, "application/json")
    for att, (entry, _sha) in zip(app.attachments, primary_documents(app), strict=True):
        doc = _sub(case, "Dokument")
        _id(
            doc,
            str(
                uuid.uuid5(
                    uuid.NAMESPACE_URL,
                    f"ikz-hub:att:{request.envelope.case_id}:{att.attachment_id}",
                )
            ),
        )
        _metadata(doc, att.filename)
        _version(doc, entry, att.media_type)
    ET.indent(root)
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml


def message_filename(delivery_id: str, message_type: str = DEFAULT_MESSAGE_TYPE) -> str:
    """``{ProzessID}_{message type}.zip``."""
    return f"{delivery_id}_{message_type}.zip"


def render_package(
    request: DeliveryRequested,
    attachments: Mapping[str, bytes],
    recipient: Recipient,
    message_type: str = DEFAULT_MESSAGE_TYPE,
) -> bytes:
    """The ZIP: the XML message, the form document and every attachment, byte for byte.

    Entry times are the request's time, so the same request gives the same bytes.
    """
    app = request.application
    if app is None:
        raise ValueError("delivery request carries no application")
    stamp = request.envelope.occurred_at.timetuple()[:6]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:

        def add(name: str, data: bytes) -> None:
            z.writestr(zipfile.ZipInfo(name, date_time=stamp), data, zipfile.ZIP_DEFLATED)

        add(
            f"{request.delivery_id}_{message_type}.xml",
            render_message(request, recipient, message_type),
        )
        add(FORM_FILENAME, form_document(app))
        for entry, sha in primary_documents(app):
            add(entry, attachments[sha])
    return buf.getvalue()
