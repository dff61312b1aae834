"""The ``dms.xdomea`` connector kind: xdomea ZIPs dropped into a DMS import directory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from hub.config.tenants import DirectoryTransport
from hub.connectors.dms_xdomea.render import (
    DEFAULT_MESSAGE_TYPE,
    Recipient,
    message_filename,
    render_package,
)
from hub.delivery.connector import Connector, Document
from hub.delivery.errors import ConnectorConfigError, PermanentError
from hub.events.models import DeliveryRequested


class DmsXdomeaSettings(BaseModel):
    """``options`` of a ``dms.xdomea`` instance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    message_type: str = Field(DEFAULT_MESSAGE_TYPE, pattern=r"^\d{4}$")
    org_unit: str | None = Field(None, min_length=1, max_length=200)


class DmsXdomeaConnector(Connector):
    """Files each case into a DMS import directory as ``{delivery id}_{type}.zip``."""

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
    def recipient(self) -> Recipient:
        """Who the messages are addressed to: the tenant's area key and name."""
        t = self.tenant
        return Recipient(t.ars or t.ags or t.id, t.name, self.options.org_unit)

    def render(self, request: DeliveryRequested, attachments: Mapping[str, bytes]) -> Document:
        """The xdomea ZIP of one delivery."""
        message_type = self.options.message_type
        try:
            content = render_package(request, attachments, self.recipient, message_type)
        except (ValueError, KeyError) as exc:
            raise PermanentError(
                "case cannot be rendered as xdomea", detail=str(exc), reason="mapping"
            ) from exc
        filename = message_filename(request.delivery_id, message_type)
        return Document(filename, content, "application/zip")
