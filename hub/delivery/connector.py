"""What a connector is, and how the hub finds one by its kind.

A connector is written for a product (a DMS, a Fachverfahren); a tenant's YAML
makes an instance of it. It renders a case into a :class:`Document` (a pure
function of the request and the attachment bytes) and delivers the document,
passing ``delivery_id`` on as the idempotency key.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from typing import ClassVar

from hub.config.tenants import ConnectorConfig, Tenant
from hub.delivery.errors import ConnectorConfigError
from hub.events.models import DeliveryRequested

ENTRY_POINT_GROUP = "hub.connectors"


@dataclass(frozen=True)
class Document:
    """A rendered delivery: one file or request body for the back office."""

    filename: str
    content: bytes
    media_type: str


@dataclass(frozen=True)
class HandoverReceipt:
    """What the back office acknowledged; ``duplicate`` when it already had this delivery."""

    reference: str
    duplicate: bool = False


class Connector(ABC):
    """Base of every connector kind."""

    kind: ClassVar[str]
    media_break: ClassVar[bool] = False  # True for manual.* kinds (clerk mailbox, print)

    def __init__(self, tenant: Tenant, connector_id: str, config: ConnectorConfig) -> None:
        self.tenant = tenant
        self.connector_id = connector_id
        self.config = config

    @abstractmethod
    def render(self, request: DeliveryRequested, attachments: Mapping[str, bytes]) -> Document:
        """Render the case; ``attachments`` maps each attachment's sha256 to its bytes."""

    @abstractmethod
    def deliver(self, document: Document, delivery_id: str) -> HandoverReceipt:
        """Hand the document over; idempotent per ``delivery_id``."""


@cache
def connector_kinds() -> dict[str, type[Connector]]:
    """Every installed connector kind, from the ``hub.connectors`` entry points."""
    kinds: dict[str, type[Connector]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, Connector)):
            raise ConnectorConfigError(f"entry point {ep.name!r} is not a Connector: {ep.value}")
        kinds[ep.name] = cls
    return kinds


def build_connector(tenant: Tenant, connector_id: str) -> Connector:
    """The connector instance ``connector_id`` of ``tenant``."""
    config = tenant.connectors[connector_id]
    cls = connector_kinds().get(config.kind)
    if cls is None:
        known = ", ".join(sorted(connector_kinds())) or "none"
        raise ConnectorConfigError(
            f"tenant {tenant.id}: connectors.{connector_id}.kind: unknown kind {config.kind!r} "
            f"(installed: {known})"
        )
    return cls(tenant, connector_id, config)
