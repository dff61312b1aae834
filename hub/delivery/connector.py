"""What a connector is, and how the hub finds one by its kind.

A connector is written for a product (a DMS, a Fachverfahren); a tenant's YAML
makes an instance of it. It renders a case into a :class:`Document` (a pure
function of the request and the attachment bytes) and delivers the document
through its transport, passing ``delivery_id`` on as the idempotency key.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from functools import cache
from importlib.metadata import entry_points
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from hub.config.tenants import ConnectorConfig, Tenant
from hub.delivery.documents import Document, HandoverReceipt
from hub.delivery.errors import ConnectorConfigError
from hub.delivery.transports import Transport, build_transport
from hub.events.models import DeliveryRequested

CaseType = Literal["application", "invoice"]

__all__ = [
    "CaseType",
    "Connector",
    "Document",
    "HandoverReceipt",
    "NoOptions",
    "build_connector",
    "connector_kinds",
    "connector_problems",
    "is_digital",
]

ENTRY_POINT_GROUP = "hub.connectors"


class NoOptions(BaseModel):
    """Settings of a connector kind that takes no ``options``."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Connector(ABC):
    """Base of every connector kind.

    ``Settings`` validates the instance's ``options`` from the tenant YAML;
    ``handles`` says which cases it can render, so routes to it can be checked.
    """

    kind: ClassVar[str]
    media_break: ClassVar[bool] = False  # True for manual.* kinds (clerk mailbox, print)
    handles: ClassVar[frozenset[CaseType]] = frozenset({"application"})
    Settings: ClassVar[type[BaseModel]] = NoOptions

    def __init__(
        self,
        tenant: Tenant,
        connector_id: str,
        config: ConnectorConfig,
        *,
        transport: Transport | None = None,
    ) -> None:
        """Validate ``options`` and the transport; ``transport`` replaces the configured one
        (tests pass a fake)."""
        self.tenant = tenant
        self.connector_id = connector_id
        self.config = config
        try:
            self.settings = self.Settings.model_validate(config.options)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(["options", *(str(p) for p in first["loc"])])
            raise ConnectorConfigError(first["msg"], field=field) from None
        self.check_transport()
        self.transport = transport if transport is not None else build_transport(config.transport)

    def check_transport(self) -> None:  # noqa: B027 - optional hook, most kinds take any transport
        """Raise :class:`ConnectorConfigError` when the transport does not suit this kind."""

    @abstractmethod
    def render(self, request: DeliveryRequested, attachments: Mapping[str, bytes]) -> Document:
        """Render the case; ``attachments`` maps each attachment's sha256 to its bytes."""

    def deliver(self, document: Document, delivery_id: str) -> HandoverReceipt:
        """Hand the document over through the transport; idempotent per ``delivery_id``."""
        return self.transport.send(document, delivery_id)


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


def is_digital(kind: str) -> bool:
    """True when an installed connector kind hands cases to a digital back office; manual kinds
    (a clerk's mailbox, print) and unknown ones are media breaks."""
    cls = connector_kinds().get(kind)
    return cls is not None and not cls.media_break


def connector_problems(tenants: Mapping[str, Tenant]) -> list[tuple[str, str, str]]:
    """(tenant id, field, message) for every connector that cannot be built or cannot render
    what its routes send it."""
    problems: list[tuple[str, str, str]] = []
    for tenant in tenants.values():
        built: dict[str, Connector] = {}
        for cid in tenant.connectors:
            try:
                # no real transport (HTTP clients): checking needs none, secrets are checked apart
                built[cid] = build_connector(tenant, cid, transport=_NOT_SENDING)
            except ConnectorConfigError as exc:
                field = ".".join(filter(None, ("connectors", cid, exc.field)))
                problems.append((tenant.id, field, exc.message))
        for i, route in enumerate(tenant.routes):
            for target in route.to:
                if target in built and "application" not in built[target].handles:
                    kind = built[target].kind
                    problems.append(
                        (tenant.id, f"routes.{i}.to", f"{target} ({kind}) cannot take applications")
                    )
        for target in tenant.invoices.to if tenant.invoices else []:
            if target in built and "invoice" not in built[target].handles:
                kind = built[target].kind
                problems.append(
                    (tenant.id, "invoices.to", f"{target} ({kind}) cannot take invoices")
                )
        if tenant.fallback in built and "application" not in built[tenant.fallback].handles:
            problems.append((tenant.id, "fallback", f"{tenant.fallback} cannot take applications"))
    return problems


class _NotSending:
    """Stands in for a transport where an instance is built only to be checked."""

    def send(self, document: Document, delivery_id: str) -> HandoverReceipt:
        raise NotImplementedError("built for a configuration check only")


_NOT_SENDING = _NotSending()


def build_connector(
    tenant: Tenant, connector_id: str, *, transport: Transport | None = None
) -> Connector:
    """The connector instance ``connector_id`` of ``tenant`` (``transport`` replaces the
    configured one)."""
    config = tenant.connectors[connector_id]
    cls = connector_kinds().get(config.kind)
    if cls is None:
        known = ", ".join(sorted(connector_kinds())) or "none"
        raise ConnectorConfigError(
            f"unknown kind {config.kind!r} (installed: {known})", field="kind"
        )
    return cls(tenant, connector_id, config, transport=transport)
