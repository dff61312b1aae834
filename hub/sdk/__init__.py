"""The public surface for connector authors: everything a back-office adapter imports.

A connector is a :class:`Connector` subclass with a ``kind``, an optional
``Settings`` model (its ``options``), a pure :meth:`~Connector.render` and,
usually, the inherited :meth:`~Connector.deliver`, which hands the document to
the configured :class:`Transport`. Raise :class:`TransientError`,
:class:`PermanentError` or :class:`ConnectorConfigError`; the runtime decides
what happens (retry and park, dead-letter, stop). Register the class under the
``hub.connectors`` entry-point group and test it with
:class:`hub.sdk.testing.ConnectorConformance`.
"""

from hub.config.tenants import ConnectorConfig, DirectoryTransport, HttpTransport, Tenant
from hub.delivery.connector import CaseType, Connector, NoOptions
from hub.delivery.documents import Document, HandoverReceipt
from hub.delivery.errors import ConnectorConfigError, DeliveryError, PermanentError, TransientError
from hub.delivery.rendering import (
    attachment_entries,
    form_document,
    form_payload,
    invoice_filename,
    safe_name,
)
from hub.delivery.transports import (
    IDEMPOTENCY_HEADER,
    DirectoryDrop,
    HttpPost,
    Transport,
    drop_file,
)
from hub.events.models import Application, AttachmentRef, DeliveryRequested, Invoice

__all__ = [
    "IDEMPOTENCY_HEADER",
    "Application",
    "AttachmentRef",
    "CaseType",
    "Connector",
    "ConnectorConfig",
    "ConnectorConfigError",
    "DeliveryError",
    "DeliveryRequested",
    "DirectoryDrop",
    "DirectoryTransport",
    "Document",
    "HandoverReceipt",
    "HttpPost",
    "HttpTransport",
    "Invoice",
    "NoOptions",
    "PermanentError",
    "Tenant",
    "TransientError",
    "Transport",
    "attachment_entries",
    "drop_file",
    "form_document",
    "form_payload",
    "invoice_filename",
    "safe_name",
]
