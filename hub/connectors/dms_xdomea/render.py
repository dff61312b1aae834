"""The ``dms.xdomea`` connector's side of rendering: tenant options in, 0605 package out.

The format itself lives in :mod:`hub.formats.xdomea`; this module looks up the
attachment bytes and supplies the Antrag rendering.
"""

from __future__ import annotations

from collections.abc import Mapping

from hub.events.models import Application, DeliveryRequested
from hub.formats.xdomea import (
    FilingPackage,
    FilingSettings,
    MappingError,
    Party,
    PrimaryDocument,
    render_filing,
)
from hub.formats.xdomea.filing import form_json

__all__ = ["HUB_AUTHORITY", "antrag_text", "primary_documents", "render_package"]

HUB_AUTHORITY = Party(authority_code="ikz-hub", name="IKZ Hub")


def antrag_text(app: Application) -> PrimaryDocument:
    """A plain-text Antrag for clerks: heading lines and the form data.

    Used when the caller has no PDF rendering of the application to file.
    """
    lines = [
        f"Antrag: {app.service.name} ({app.service.leika_id})",
        f"Eingang: {app.submitted_at.isoformat()} über {app.portal}",
        f"Vorgangsnummer des Portals: {app.submission_id}",
        "",
    ]
    head = "\n".join(lines).encode("utf-8", errors="backslashreplace")
    return PrimaryDocument("antrag.txt", "text/plain", head + form_json(app) + b"\n", "Antrag")


def primary_documents(
    app: Application, attachments: Mapping[str, bytes], antrag: PrimaryDocument
) -> list[PrimaryDocument]:
    """The Antrag first, then every attachment byte for byte, in submission order."""
    documents = [antrag]
    for i, att in enumerate(app.attachments):
        content = attachments.get(att.sha256)
        if content is None:
            raise MappingError(f"attachments[{i}]", "the attachment's bytes are not available")
        documents.append(PrimaryDocument(att.filename, att.media_type, content, att.filename))
    return documents


def render_package(
    request: DeliveryRequested,
    attachments: Mapping[str, bytes],
    settings: FilingSettings,
    antrag_pdf: bytes | None = None,
) -> FilingPackage:
    """The 0605 package; ``antrag_pdf`` is the clerk-readable PDF, else a text Antrag."""
    app = request.application
    if app is None:
        raise MappingError("application", "the delivery request carries no application")
    if antrag_pdf is not None:
        antrag = PrimaryDocument("antrag.pdf", "application/pdf", antrag_pdf, "Antrag")
    else:
        antrag = antrag_text(app)
    return render_filing(request, primary_documents(app, attachments, antrag), settings)
