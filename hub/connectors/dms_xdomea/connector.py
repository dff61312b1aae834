"""The ``dms.xdomea`` connector kind: xdomea 0605 packages dropped into a DMS import directory."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.config.tenants import DirectoryTransport
from hub.connectors.dms_xdomea.render import HUB_AUTHORITY, render_package
from hub.delivery.connector import Connector, Document
from hub.delivery.errors import ConnectorConfigError, PermanentError
from hub.events.models import DeliveryRequested
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
    """Files each case into a DMS import folder as ``{delivery id}_FVDaten.SGOAblegen.0605.zip``."""

    kind = "dms.xdomea"
    Settings: ClassVar[type[BaseModel]] = DmsXdomeaSettings

    def check_transport(self) -> None:
        """Only a directory drop makes sense for an import folder."""
        if not isinstance(self.config.transport, DirectoryTransport):
            raise ConnectorConfigError("dms.xdomea needs type: directory", field="transport.type")

    @property
    def options(self) -> DmsXdomeaSettings:
        """The validated options."""
        assert isinstance(self.settings, DmsXdomeaSettings)
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
        """The xdomea 0605 ZIP of one delivery."""
        try:
            package = render_package(request, attachments, self.filing)
        except MappingError as exc:
            raise PermanentError(
                "case cannot be rendered as xdomea", detail=str(exc), reason="mapping"
            ) from exc
        return Document(package.filename, package.content, "application/zip")
