"""The ``manual.mailbox`` connector kind: a folder a clerk works through by hand.

Every hand-over here is a media break (the case leaves the digital path), which
is exactly what the hub counts: replacing a mailbox route with a real connector
is how a service becomes end-to-end digital.

An application becomes a case folder named by the delivery id: a cover sheet saying
what to do and in which system, the application as PDF/A, the form data as JSON and
every attachment byte for byte. An e-invoice stays the XML document as received.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from hub.config.tenants import DirectoryTransport
from hub.delivery.connector import CaseType, Connector, Document
from hub.delivery.documents import folder_document
from hub.delivery.errors import ConnectorConfigError, PermanentError
from hub.delivery.rendering import attachment_entries, form_document, invoice_filename
from hub.events.models import DeliveryRequested
from hub.formats.pdf import MissingFontError, render_application_pdf, render_cover_sheet
from hub.formats.pdf.fonts import check_installed

COVER_SHEET = "00_Deckblatt.pdf"
APPLICATION_PDF = "01_Antrag.pdf"
APPLICATION_JSON = "01_Antrag.json"
ATTACHMENT_PREFIX = "Anlage_"
DEFAULT_TARGET = "das zuständige Fachverfahren"
DEFAULT_INSTRUCTIONS = (
    "Bitte den Antrag in {target} erfassen und die Anlagen beifügen. Die Vorgangs-ID als "
    "Referenz vermerken: unter ihr sieht das Portal den Stand des Antrags."
)


class ManualMailboxSettings(BaseModel):
    """``options`` of a ``manual.mailbox`` instance: what the cover sheet tells the clerk."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target_system: str = Field(DEFAULT_TARGET, min_length=1, max_length=200)
    instructions: str | None = Field(None, min_length=1, max_length=2000)

    def instruction_text(self) -> str:
        """The instructions, or the default naming the target system."""
        return self.instructions or DEFAULT_INSTRUCTIONS.format(target=self.target_system)


class ManualMailboxConnector(Connector):
    """Writes a case folder per application and the original XML per invoice into a folder."""

    kind = "manual.mailbox"
    media_break = True
    handles: ClassVar[frozenset[CaseType]] = frozenset({"application", "invoice"})
    Settings: ClassVar[type[BaseModel]] = ManualMailboxSettings

    def check_transport(self) -> None:
        """A mailbox is a directory; the PDFs need the renderer's fonts."""
        if not isinstance(self.config.transport, DirectoryTransport):
            raise ConnectorConfigError(
                "manual.mailbox needs type: directory", field="transport.type"
            )
        try:
            check_installed()
        except MissingFontError as exc:
            raise ConnectorConfigError(str(exc), field="kind") from None

    @property
    def options(self) -> ManualMailboxSettings:
        """The validated options."""
        if not (isinstance(self.settings, ManualMailboxSettings)):
            raise TypeError("invariant broken: isinstance(self.settings, ManualMailboxSettings)")
        return self.settings

    def render(self, request: DeliveryRequested, attachments: Mapping[str, bytes]) -> Document:
        """A case folder for an application, the original XML for an invoice."""
        if request.invoice is not None:
            doc = attachments.get(request.invoice.document.sha256)
            if doc is None:
                raise PermanentError("invoice document missing", reason="attachment_missing")
            return Document(
                invoice_filename(request.delivery_id, request.invoice), doc, "application/xml"
            )
        app = request.application
        if app is None:
            raise PermanentError("delivery request carries no case", reason="mapping_failed")
        files: list[tuple[str, bytes]] = []
        for i, (entry, sha) in enumerate(attachment_entries(app)):
            if sha not in attachments:
                raise PermanentError(
                    f"attachment {i + 1} missing", detail=sha, reason="attachment_missing"
                )
            files.append((f"{ATTACHMENT_PREFIX}{entry}", attachments[sha]))
        cover = render_cover_sheet(
            request,
            target_system=self.options.target_system,
            instructions=self.options.instruction_text(),
        )
        return folder_document(
            request.delivery_id,
            [
                (COVER_SHEET, cover),
                (APPLICATION_PDF, render_application_pdf(request)),
                (APPLICATION_JSON, form_document(app)),
                *files,
            ],
        )
