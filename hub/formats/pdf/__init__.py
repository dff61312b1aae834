"""Clerk-readable PDF/A renderings of applications for archives (DMS / E-Akte).

``render_application_pdf`` lays out the whole submission (metadata, applicant, payment, reply
channel, form data as labelled sections, attachment list with hashes) and
``render_cover_sheet`` a one-page Deckblatt for a target system. Both return PDF/A-2u bytes.
"""

from __future__ import annotations

from hub.events.models import DeliveryRequested
from hub.formats.pdf.document import application_html, cover_sheet_html
from hub.formats.pdf.fonts import MissingFontError
from hub.formats.pdf.render import PDF_VARIANT, html_to_pdfa

__all__ = [
    "PDF_VARIANT",
    "MissingFontError",
    "render_application_pdf",
    "render_cover_sheet",
]


def render_application_pdf(request: DeliveryRequested) -> bytes:
    """The application of ``request`` as a PDF/A-2u document for a clerk and the archive."""
    return html_to_pdfa(application_html(request))


def render_cover_sheet(
    request: DeliveryRequested, *, target_system: str, instructions: str
) -> bytes:
    """A PDF/A-2u cover sheet for ``target_system`` with a clerk's ``instructions``."""
    return html_to_pdfa(
        cover_sheet_html(request, target_system=target_system, instructions=instructions)
    )
