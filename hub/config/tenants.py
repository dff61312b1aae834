"""Tenants (IKZ partners): identifiers, connector instances, routes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hub.config.secrets import SecretRef

TENANT_ID = r"^[a-z][a-z0-9-]{1,40}$"
CONNECTOR_ID = r"^[a-z][a-z0-9_-]{0,40}$"
LEIKA = re.compile(r"^\d{14}$")


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DirectoryTransport(_Strict):
    """Drop files into a directory (a DMS or mailbox import folder)."""

    type: Literal["directory"]
    path: Path


class HttpAuth(_Strict):
    """How requests prove who sends them; the secret is a token, a password or an HMAC key."""

    scheme: Literal["bearer", "basic", "hmac"] = "bearer"
    secret_ref: SecretRef
    username: str | None = Field(None, min_length=1, description="basic: the user name")

    @model_validator(mode="after")
    def _username_for_basic(self) -> HttpAuth:
        if (self.scheme == "basic") != (self.username is not None):
            raise ValueError("username is required for scheme basic and only there")
        return self


class HttpTransport(_Strict):
    """POST to an HTTP endpoint of a back office."""

    type: Literal["http"]
    url: str = Field(pattern=r"^https?://")
    auth: HttpAuth | None = None
    timeout_seconds: float = 10.0


Transport = Annotated[DirectoryTransport | HttpTransport, Field(discriminator="type")]


class ConnectorConfig(_Strict):
    """One connector instance of a tenant: a kind (the product) plus where it delivers."""

    kind: str = Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$")
    transport: Transport
    options: dict[str, object] = Field(default_factory=dict)


class Route(_Strict):
    """One routing rule: a service (14-digit key or ``*``) to one or more connector ids."""

    name: str | None = None
    service: str
    to: list[Annotated[str, Field(pattern=CONNECTOR_ID)]] = Field(min_length=1)

    @field_validator("service")
    @classmethod
    def _service_key(cls, v: str) -> str:
        if v != "*" and not LEIKA.match(v):
            raise ValueError("must be a 14-digit Leistungsschluessel or '*'")
        return v

    @property
    def label(self) -> str:
        """The rule's name, or one derived from its service."""
        return self.name or f"service:{self.service}"


class InvoiceRoute(_Strict):
    """Where the tenant's e-invoices go."""

    name: str = "invoices"
    to: list[Annotated[str, Field(pattern=CONNECTOR_ID)]] = Field(min_length=1)


class Tenant(_Strict):
    """One partner of the cooperation."""

    id: str = Field(pattern=TENANT_ID)
    name: str
    ags: str | None = Field(None, pattern=r"^\d{8}$")
    ars: str | None = Field(None, pattern=r"^\d{12}$")
    leitweg_ids: list[Annotated[str, Field(pattern=r"^\d{2,12}$")]] = Field(default_factory=list)
    connectors: dict[Annotated[str, Field(pattern=CONNECTOR_ID)], ConnectorConfig]
    routes: list[Route] = Field(default_factory=list)
    invoices: InvoiceRoute | None = None
    fallback: str | None = Field(None, description="connector for cases no route matches")

    def reference_problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """(location, message) of every reference to something undefined or inconsistent."""
        problems: list[tuple[tuple[str | int, ...], str]] = []
        known = set(self.connectors)
        for i, route in enumerate(self.routes):
            for j, target in enumerate(route.to):
                if target not in known:
                    problems.append((("routes", i, "to", j), f"undefined connector {target!r}"))
        for j, target in enumerate(self.invoices.to if self.invoices else []):
            if target not in known:
                problems.append((("invoices", "to", j), f"undefined connector {target!r}"))
        if self.fallback is not None and self.fallback not in known:
            problems.append((("fallback",), f"undefined connector {self.fallback!r}"))
        if self.ars and self.ags and not self.ars.startswith(self.ags[:5]):
            problems.append((("ars",), f"{self.ars} does not lie in the Kreis of ags {self.ags}"))
        return problems

    @property
    def has_area(self) -> bool:
        """Municipalities and Kreise have an area key; the MRN does not."""
        return bool(self.ags or self.ars)

    def secret_refs(self) -> list[tuple[str, SecretRef]]:
        """(field path, reference) of every secret this tenant needs."""
        refs: list[tuple[str, SecretRef]] = []
        for cid, conn in self.connectors.items():
            if isinstance(conn.transport, HttpTransport) and conn.transport.auth:
                refs.append(
                    (f"connectors.{cid}.transport.auth.secret_ref", conn.transport.auth.secret_ref)
                )
        return refs
