"""Portal clients: who may submit, for which tenants, with which signing secret."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from hub.config.secrets import SecretRef
from hub.config.tenants import TENANT_ID


class PortalClient(BaseModel):
    """One portal (e.g. a civento instance) that signs its requests with its own secret."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    secret: SecretRef
    tenants: list[Annotated[str, Field(pattern=TENANT_ID)]] = Field(min_length=1)


class PortalsFile(BaseModel):
    """``portals.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    portals: dict[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,62}$")], PortalClient]
