"""The ``dms.xdomea`` connector kind: xdomea 0605 packages filed into a DMS.

A package is dropped into the DMS's import directory (or POSTed to its import endpoint);
with ``options.confirmations`` (directory) or over HTTP it counts as delivered only once
the DMS confirmed the import (see :mod:`hub.connectors.dms_xdomea.confirm`).
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Mapping
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.config.tenants import HttpTransport
from hub.connectors.dms_xdomea.confirm import (
    ConfirmationOptions,
    http_answer,
    outcome,
    read_answer,
    wait_for_import,
)
from hub.connectors.dms_xdomea.render import HUB_AUTHORITY, render_package
from hub.delivery.connector import Connector, Document, HandoverReceipt
from hub.delivery.errors import ConnectorConfigError, PermanentError
from hub.delivery.transports import HttpPost
from hub.events.models import DeliveryRequested
from hub.formats.pdf import MissingFontError, render_application_pdf
from hub.formats.pdf.fonts import check_installed
from hub.formats.xdomea import FilingSettings, MappingError, Party

_SERVICE_KEY = re.compile(r"^(\d{14}|\*)$")
_Text = Field(None, min_length=1, max_length=200)


class PartyOptions(BaseModel):
    """``options.sender`` / ``options.recipient``: the Behördenkennung and names."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    authority_code: str | None = _Text
    authority_prefix: str | None = _Text
    name: str | None = _Text
    org_unit: str | None = _Text
    code_list_uri: str | None = _Text
    code_list_version: str | None = Field(None, min_length=1, max_length=20)


class DmsXdomeaSettings(BaseModel):
    """``options`` of a ``dms.xdomea`` instance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal["3.1.0", "3.0.0"] = "3.1.0"
    sender: PartyOptions = PartyOptions()
    recipient: PartyOptions = PartyOptions()
    file_plan: dict[str, str] = Field(default_factory=dict)
    creator_id: str = Field("ikz-hub", min_length=1, max_length=100)
    receipt_requested: bool = True
    format_codes: dict[str, str] = Field(default_factory=dict)
    format_list_version: str = Field("1.0", min_length=1, max_length=20)
    max_text_length: int = Field(255, ge=16, le=100_000)
    antrag: Literal["pdf", "text"] = "pdf"
    confirmations: ConfirmationOptions | None = None

    @field_validator("file_plan")
    @classmethod
    def _service_keys(cls, plan: dict[str, str]) -> dict[str, str]:
        for key, unit in plan.items():
            if not _SERVICE_KEY.match(key):
                raise ValueError(
                    f"file_plan key {key!r} must be a 14-digit Leistungsschluessel or *"
                )
            if not unit.strip():
                raise ValueError(f"file_plan entry for {key!r} is empty")
        return plan

    @field_validator("format_codes")
    @classmethod
    def _format_codes(cls, codes: dict[str, str]) -> dict[str, str]:
        for media_type, code in codes.items():
            if "/" not in media_type or not re.fullmatch(r"\d{3}", code):
                raise ValueError(
                    f"format_codes {media_type!r}: {code!r} must map type/subtype to 3 digits"
                )
        return codes


def _party(default: Party, given: PartyOptions) -> Party:
    return dataclasses.replace(default, **given.model_dump(exclude_none=True))


class DmsXdomeaConnector(Connector):
    """Files each case into a DMS as ``{delivery id}_FVDaten.SGOAblegen.0605.zip``."""

    kind = "dms.xdomea"
    Settings: ClassVar[type[BaseModel]] = DmsXdomeaSettings

    def check_transport(self) -> None:
        """An HTTP import endpoint answers with the confirmations itself, so ``confirmations``
        (an outbox to watch) is for directory drops; a PDF Antrag needs the fonts."""
        if isinstance(self.config.transport, HttpTransport) and self.options.confirmations:
            raise ConnectorConfigError(
                "over HTTP the DMS's answer carries the confirmations; "
                "confirmations (an outbox) is for type: directory",
                field="options.confirmations",
            )
        if self.options.antrag == "pdf":
            try:
                check_installed()
            except MissingFontError as exc:
                raise ConnectorConfigError(str(exc), field="options.antrag") from None

    @property
    def options(self) -> DmsXdomeaSettings:
        """The validated options."""
        if not (isinstance(self.settings, DmsXdomeaSettings)):
            raise TypeError("invariant broken: isinstance(self.settings, DmsXdomeaSettings)")
        return self.settings

    @property
    def filing(self) -> FilingSettings:
        """The renderer's settings: the options, the tenant (ARS, else AGS, else id) as
        default recipient and the hub as default sender."""
        o, t = self.options, self.tenant
        recipient = Party(authority_code=t.ars or t.ags or t.id, name=t.name)
        return FilingSettings(
            sender=_party(HUB_AUTHORITY, o.sender),
            recipient=_party(recipient, o.recipient),
            version=o.version,
            file_plan=dict(o.file_plan),
            creator_id=o.creator_id,
            receipt_requested=o.receipt_requested,
            format_codes=dict(o.format_codes),
            format_list_version=o.format_list_version,
            max_text_length=o.max_text_length,
        )

    def render(self, request: DeliveryRequested, attachments: Mapping[str, bytes]) -> Document:
        """The xdomea 0605 ZIP of one delivery, the Antrag as PDF/A (or text) and JSON."""
        try:
            pdf = None
            if self.options.antrag == "pdf" and request.application is not None:
                pdf = render_application_pdf(request)
            package = render_package(request, attachments, self.filing, antrag_pdf=pdf)
        except MappingError as exc:
            raise PermanentError(
                f"case cannot be rendered as xdomea: {exc.field}: {exc.message}",
                detail=str(exc),
                reason="mapping_failed",
            ) from exc
        return Document(package.filename, package.content, "application/zip")

    def deliver(self, document: Document, delivery_id: str) -> HandoverReceipt:
        """Hand the package over; with a confirmation loop, return only once the DMS imported
        it (the ProzessID is the delivery id): a refusal is permanent (``dms_rejected``), no
        answer in time transient (``no_confirmation``)."""
        if isinstance(self.transport, HttpPost):
            started = time.monotonic()
            response = self.transport.exchange(document, delivery_id)
            try:
                body = response.json()
            except ValueError:
                body = None
            confirmed = http_answer(body, delivery_id, time.monotonic() - started)
            duplicate = isinstance(body, dict) and body.get("duplicate") is True
            return outcome(confirmed, document.filename, duplicate=duplicate)
        confirm = self.options.confirmations
        if confirm is None:  # no confirmation loop: delivered once the file is in the folder
            return self.transport.send(document, delivery_id)
        # answered already (a retry after a crash or a timeout): no second drop
        answered = read_answer(confirm.outbox, delivery_id, "imported") is not None
        duplicate = answered or self.transport.send(document, delivery_id).duplicate
        confirmed = wait_for_import(confirm.outbox, delivery_id, confirm)
        return outcome(confirmed, document.filename, duplicate=duplicate)
