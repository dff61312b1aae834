"""``FVDaten.SGOAblegen.0605``: a case filed into a DMS as an xdomea transfer package.

Layout: ``{ProzessID}_FVDaten.SGOAblegen.0605.zip`` holding
``{ProzessID}_FVDaten.SGOAblegen.0605.xml`` and one file per primary document, named
``{uuid}_{stem}.{ext}`` as the standard's packages name them. The message files one
Akte (per recipient and service) -> Vorgang (the case) -> Dokument "Antrag" (the
clerk-readable rendering plus the form data as JSON, two formats of one version) and
one Dokument per attachment. The ProzessID is the delivery id, so a repeat yields the
same package name; the same request yields the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from hub.delivery.rendering import form_payload
from hub.events.models import Applicant, ApplicantType, Application, DeliveryRequested
from hub.formats.xdomea.codes import (
    BUILTIN_FORMAT_CODES,
    FILING,
    FORMAT_LIST_URI,
    FORMAT_NAMES,
    MESSAGE_TYPE_LIST_URI,
    MESSAGE_TYPE_LIST_VERSION,
    OTHER_FORMAT_CODE,
    STORED_MEDIA_TYPES,
    base_media_type,
    message_name,
)
from hub.formats.xdomea.errors import MappingError
from hub.formats.xdomea.settings import FilingSettings, PrimaryDocument
from hub.formats.xdomea.text import ascii_stem, clean, split_name
from hub.formats.xdomea.tree import Element, Tree, serialize
from hub.ids import is_uuid

_IDS = uuid.UUID("0b7e4f52-61c1-5f0e-9a8d-3c2b1e0f6a47")  # namespace of ids in messages
_PDF_VERSION = re.compile(rb"%PDF-(\d\.\d)")
_ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)
FORM_MEDIA_TYPE = "application/json"


@dataclass(frozen=True)
class PackageEntry:
    """One file of the package: its name in the ZIP, media type and SHA-256."""

    name: str
    media_type: str
    sha256: str


@dataclass(frozen=True)
class FilingPackage:
    """The rendered package: ``content`` is the ZIP, ``message`` its XML."""

    filename: str
    content: bytes
    prozess_id: str
    message: bytes
    entries: tuple[PackageEntry, ...]


def package_stem(prozess_id: str, message: tuple[str, str] = FILING) -> str:
    """``{ProzessID}_FVDaten.SGOAblegen.0605``: the name of package and message file."""
    return f"{prozess_id}_{message_name(message)}"


def _id(*parts: str) -> str:
    return str(uuid.uuid5(_IDS, "\x1f".join(parts)))


@dataclass(frozen=True)
class _File:
    """A primary document placed in the package."""

    entry: str
    doc: PrimaryDocument
    media_type: str
    original: str


def _extension(doc: PrimaryDocument, media_type: str) -> str:
    return FORMAT_NAMES.get(media_type) or split_name(doc.filename_hint)[1] or "bin"


def _place(prozess_id: str, index: int, slot: str, doc: PrimaryDocument) -> _File:
    media_type = base_media_type(doc.media_type)
    stem = ascii_stem(split_name(doc.filename_hint)[0])
    entry = f"{_id(prozess_id, 'file', str(index), slot)}_{stem}.{_extension(doc, media_type)}"
    return _File(entry, doc, media_type, doc.filename_hint)


def form_json(app: Application) -> bytes:
    """The submission's content as JSON, lossless for any text.

    Lone surrogates cannot be encoded as UTF-8; ``backslashreplace`` writes them as
    ``\\udXXX``, which inside a JSON string is exactly their JSON escape.
    """
    text = json.dumps(form_payload(app), ensure_ascii=False, indent=2, sort_keys=True)
    return text.encode("utf-8", errors="backslashreplace")


def _format(tree: Tree, version: Element, f: _File, settings: FilingSettings) -> None:
    fmt = tree.sub(version, "Format")
    codes = {**BUILTIN_FORMAT_CODES, **settings.format_codes}
    code = codes.get(f.media_type, OTHER_FORMAT_CODE)
    tree.code(
        fmt,
        "Name",
        code,
        list_uri=FORMAT_LIST_URI,
        list_version=settings.format_list_version,
    )
    if code == OTHER_FORMAT_CODE:
        tree.required(fmt, "SonstigerName", FORMAT_NAMES.get(f.media_type), f.media_type or "bin")
    found = _PDF_VERSION.match(f.doc.content[:16]) if f.media_type == "application/pdf" else None
    tree.sub(fmt, "Version", found.group(1).decode() if found else "")
    primary = tree.sub(fmt, "Primaerdokument")
    tree.sub(primary, "Dateiname", f.entry)
    tree.text(primary, "DateinameOriginal", f.original)


def _birth_date(applicant: Applicant) -> str | None:
    try:
        return date.fromisoformat(applicant.birth_date or "").isoformat()
    except ValueError:
        return None


def _applicant(tree: Tree, parent: Element, applicant: Applicant) -> None:
    """The applicant as ``Absender`` of the Antrag (a KontaktType)."""
    contact = tree.sub(parent, "Absender")
    if applicant.type is ApplicantType.organisation:
        tree.required(tree.sub(contact, "Institution"), "Name", applicant.name, "Organisation")
    else:
        name = tree.sub(contact, "Name")
        for tag, value in (
            ("Familienname", applicant.family_name),
            ("Vorname", applicant.given_name),
        ):
            if clean(value) is not None:
                tree.text(tree.sub(name, tag), "Name", value)
    if applicant.address is not None:
        address = tree.sub(contact, "Anschrift")
        tree.text(address, "Strasse", applicant.address.street)
        tree.text(address, "Postleitzahl", applicant.address.postal_code)
        tree.text(address, "Ort", applicant.address.city)
    born = _birth_date(applicant)
    if born is not None and applicant.type is ApplicantType.person:
        tree.sub(tree.sub(contact, "Geburt"), "Datum", born)


def _document(
    tree: Tree,
    parent: Element,
    *,
    doc_id: str,
    title: str,
    fallback_title: str,
    kind: str,
    received: str,
    files: Sequence[_File],
    settings: FilingSettings,
    app: Application,
    antrag: bool,
) -> None:
    doc = tree.sub(parent, "Dokument")
    tree.sub(tree.sub(doc, "Identifikation"), "ID", doc_id)
    tree.required(tree.sub(doc, "AllgemeineMetadaten"), "Betreff", title, fallback_title)
    if antrag:
        tree.text(doc, "FremdesGeschaeftszeichen", app.submission_id)
    tree.sub(doc, "Posteingangsdatum", received)
    tree.sub(doc, "Typ", kind)
    version = tree.sub(doc, "Version")
    tree.sub(version, "Nummer", "1")
    for f in files:
        _format(tree, version, f, settings)
    if antrag:
        _applicant(tree, doc, app.applicant)


def _header(tree: Tree, root: Element, request: DeliveryRequested, s: FilingSettings) -> None:
    head = tree.sub(root, "Kopf")
    tree.sub(head, "ProzessID", request.delivery_id)
    name, code = FILING
    tree.code(
        head,
        "Nachrichtentyp",
        code,
        name=name,
        list_uri=MESSAGE_TYPE_LIST_URI,
        list_version=MESSAGE_TYPE_LIST_VERSION,
    )
    tree.sub(head, "Erstellungszeitpunkt", request.envelope.occurred_at.isoformat("T", "seconds"))
    tree.party(head, "Absender", s.sender, "settings.sender")
    tree.party(head, "Empfaenger", s.recipient, "settings.recipient")
    system = tree.sub(head, "SendendesSystem")
    tree.text(system, "InstanzID", s.system_instance_id)
    tree.text(system, "Produktname", s.system_name)
    tree.text(system, "Version", s.system_version)
    # booleans as the schema's documentation writes them: 1 / 0
    tree.sub(head, "Empfangsbestaetigung", "1" if s.receipt_requested else "0")
    tree.sub(head, "Importbestaetigung", "1")  # fixed="1": a 0605 always asks for a 0630
    tree.required(head, "Erstellerkennung", s.creator_id, "ikz-hub")
    tree.sub(head, "Stapel", "0")  # one case per message: single, not batch processing


def _render_message(
    request: DeliveryRequested,
    antrag: Sequence[_File],
    attachments: Sequence[_File],
    settings: FilingSettings,
) -> bytes:
    """The XML of the filing message for already placed primary documents."""
    app = request.application
    if not (app is not None):
        raise RuntimeError("invariant broken: app is not None")
    tree = Tree(settings.version, settings.max_text_length)
    root = tree.root(message_name(FILING))
    _header(tree, root, request, settings)
    received = app.submitted_at.date().isoformat()
    case_id = request.envelope.case_id
    filing = tree.sub(root, "SchriftgutobjektZumAblegen")
    tree.required(filing, "FachverfahrenObjektID", case_id, request.delivery_id)
    record = tree.sub(tree.sub(filing, "Schriftgutobjekt"), "Akte")
    akte_id = _id("akte", settings.recipient.authority_code, app.service.leika_id)
    tree.sub(tree.sub(record, "Identifikation"), "ID", akte_id)
    meta = tree.sub(record, "AllgemeineMetadaten")
    tree.required(meta, "Betreff", app.service.name, app.service.leika_id)
    plan = settings.file_plan_entry(app.service.leika_id)
    if plan is not None:
        tree.required(tree.sub(meta, "Aktenplaneinheit"), "Kennzeichen", plan, "0")
    case = tree.sub(tree.sub(record, "Akteninhalt"), "Vorgang")
    tree.sub(tree.sub(case, "Identifikation"), "ID", case_id if is_uuid(case_id) else _id(case_id))
    meta = tree.sub(case, "AllgemeineMetadaten")
    tree.required(meta, "Betreff", f"{app.service.name} ({app.submission_id})", "Antrag")
    tree.text(meta, "Kennzeichen", app.submission_id)
    tree.sub(tree.sub(case, "Laufzeit"), "Beginn", received)
    _document(
        tree,
        case,
        doc_id=_id(request.delivery_id, "doc", "0"),
        title=f"Antrag: {app.service.name}",
        fallback_title="Antrag",
        kind="Antrag",
        files=antrag,
        antrag=True,
        received=received,
        settings=settings,
        app=app,
    )
    for i, f in enumerate(attachments, start=1):
        _document(
            tree,
            case,
            doc_id=_id(request.delivery_id, "doc", str(i)),
            title=f.doc.title,
            fallback_title=f"Anlage {i}",
            kind="Anlage",
            files=[f],
            antrag=False,
            received=received,
            settings=settings,
            app=app,
        )
    return serialize(root)


def _zip_time(request: DeliveryRequested) -> tuple[int, int, int, int, int, int]:
    at = request.envelope.occurred_at
    at = max(at if at.tzinfo else at.replace(tzinfo=UTC), _ZIP_EPOCH).astimezone(UTC)
    return (at.year, at.month, at.day, at.hour, at.minute, at.second)


def render_filing(
    request: DeliveryRequested,
    documents: Sequence[PrimaryDocument],
    settings: FilingSettings,
) -> FilingPackage:
    """The 0605 package of a delivery.

    ``documents[0]`` is the clerk-readable Antrag, the rest are the attachments in
    submission order; the form data is added to the Antrag as a JSON format.
    Raises :class:`MappingError` for a case that cannot be represented.
    """
    app = request.application
    if app is None:
        raise MappingError("application", "the delivery request carries no application")
    if not is_uuid(request.delivery_id):
        raise MappingError("delivery_id", "the ProzessID must be a UUID")
    if not documents:
        raise MappingError("documents", "the Antrag document is missing")
    if settings.max_text_length < 2:
        raise MappingError("settings.max_text_length", "must be at least 2")
    pid = request.delivery_id
    form = PrimaryDocument("antrag.json", FORM_MEDIA_TYPE, form_json(app), "Antrag (Formulardaten)")
    antrag = [_place(pid, 0, "view", documents[0]), _place(pid, 0, "data", form)]
    attachments = [_place(pid, i, "file", d) for i, d in enumerate(documents[1:], start=1)]
    message = _render_message(request, antrag, attachments, settings)
    stem = package_stem(pid)
    stamp = _zip_time(request)
    entries = [PackageEntry(f"{stem}.xml", "application/xml", hashlib.sha256(message).hexdigest())]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo(f"{stem}.xml", stamp), message, zipfile.ZIP_DEFLATED)
        for f in [*antrag, *attachments]:
            method = (
                zipfile.ZIP_STORED if f.media_type in STORED_MEDIA_TYPES else zipfile.ZIP_DEFLATED
            )
            z.writestr(zipfile.ZipInfo(f.entry, stamp), f.doc.content, method)
            entries.append(
                PackageEntry(f.entry, f.media_type, hashlib.sha256(f.doc.content).hexdigest())
            )
    return FilingPackage(f"{stem}.zip", buf.getvalue(), pid, message, tuple(entries))
