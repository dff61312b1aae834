"""The ``dms.xdomea`` connector kind: xdomea ZIPs dropped into a DMS import directory."""

from __future__ import annotations

from collections.abc import Mapping

from connectors.dms_xdomea.render import (
    DEFAULT_MESSAGE_TYPE,
    Recipient,
    message_filename,
    render_package,
)
from hub.config.tenants import ConnectorConfig, DirectoryTransport, Tenant
from hub.delivery.connector import Connector, Document, HandoverReceipt
from hub.delivery.errors import ConnectorConfigError, PermanentError
from hub.delivery.transports import drop_file
from hub.events.models import DeliveryRequested


class DmsXdomeaConnector(Connector):
    """Files each case into a DMS import directory as ``{delivery id}_{type}.zip``.

    Options (``connectors.<id>.options`` in the tenant YAML):
    ``message_type`` (default ``0601``), ``org_unit`` (recipient organisation unit).
    """

    kind = "dms.xdomea"

    def __init__(self, tenant: Tenant, connector_id: str, config: ConnectorConfig) -> None:
        super().__init__(tenant, connector_id, config)
        if not isinstance(self.config.transport, DirectoryTransport):
            raise ConnectorConfigError(
                f"tenant {self.tenant.id}: connectors.{self.connector_id}.transport: "
                "dms.xdomea needs type: directory"
            )
        self.directory = self.config.transport.path
        self.message_type = str(self.config.options.get("message_type", DEFAULT_MESSAGE_TYPE))
        org_unit = self.config.options.get("org_unit")
        self.recipient = Recipient(
            authority_id=self.tenant.ars or self.tenant.ags or self.tenant.id,
            authority_name=self.tenant.name,
            org_unit=str(org_unit) if org_unit else None,
        )

    def render(self, request: DeliveryRequested, attachments: Mapping[str, bytes]) -> Document:
        """The xdomea ZIP of one delivery."""
        try:
            content = render_package(request, attachments, self.recipient, self.message_type)
        except (ValueError, KeyError) as exc:
            raise PermanentError(
                "case cannot be rendered as xdomea", detail=str(exc), reason="mapping"
            ) from exc
        return Document(
            message_filename(request.delivery_id, self.message_type), content, "application/zip"
        )

    def deliver(self, document: Document, delivery_id: str) -> HandoverReceipt:
        """Drop the ZIP into the import directory (atomic, at most once)."""
        return drop_file(self.directory, document)
