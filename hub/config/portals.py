"""Portal clients: who may submit, for which tenants, with which signing secret."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from hub.config.secrets import SecretRef
from hub.config.tenants import TENANT_ID


class Callback(BaseModel):
    """Where the hub POSTs status changes of the portal's cases, signed with its secret."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(pattern=r"^https?://")
    timeout_seconds: float = Field(10.0, gt=0)
    deadline_seconds: float = Field(
        24 * 3600.0, gt=0, description="give a notification up this long after its first failure"
    )


class PortalClient(BaseModel):
    """One portal (e.g. a civento instance) that signs its requests with its own secret.

    During a secret rotation ``next_secret`` holds the new secret: requests signed
    with either verify; callbacks are signed with ``secret`` until it is replaced.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    secret: SecretRef
    next_secret: SecretRef | None = None
    tenants: list[Annotated[str, Field(pattern=TENANT_ID)]] = Field(min_length=1)
    callback: Callback | None = None


class PortalsFile(BaseModel):
    """``portals.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    portals: dict[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,62}$")], PortalClient]
