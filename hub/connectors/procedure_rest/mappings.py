"""What every mapping-driven connector kind shares: a mapping per service in its ``options``,
and the back office's reference read from the answer by a JSON pointer."""

from __future__ import annotations

import os
import re
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.delivery.documents import Document, HandoverReceipt
from hub.delivery.errors import PermanentError
from hub.delivery.transports import HttpPost, Transport, receipt_from
from hub.events.models import DeliveryRequested
from hub.formats.mapping import (
    MappingError,
    MappingRef,
    MappingSpec,
    MappingSpecError,
    apply_mapping,
    case_document,
    load_mapping,
    parse_pointer,
    resolve,
    select_mapping,
)
from hub.settings import HubSettings

MAPPINGS_DIR_ENV = "HUB_MAPPINGS_DIR"
_SERVICE_KEY = re.compile(r"^(\d{14}|\*)$")


def mappings_dir() -> Path:
    """Where mapping file names are looked up: ``$HUB_MAPPINGS_DIR``, else
    ``<HUB_CONFIG_DIR>/mappings``."""
    given = os.environ.get(MAPPINGS_DIR_ENV)
    return Path(given) if given else HubSettings().config_dir / "mappings"


def load_table(raw: dict[str, MappingRef]) -> dict[str, MappingSpec]:
    """Each service's mapping, loaded and validated (``ValueError`` naming service and file)."""
    table: dict[str, MappingSpec] = {}
    directory = mappings_dir()
    for service, ref in raw.items():
        if not _SERVICE_KEY.match(service):
            raise ValueError(f"{service!r}: a key is a 14-digit Leistungsschluessel or '*'")
        try:
            table[service] = load_mapping(ref, directory)
        except MappingSpecError as exc:
            raise ValueError(f"{service}: {exc}") from None
    return table


class MappedOptions(BaseModel):
    """``options`` of a connector kind that maps each case with a per-service mapping."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mappings: dict[str, MappingRef] = Field(default_factory=dict)
    reference: str = Field("/reference", description="JSON pointer to the reference in the answer")

    @field_validator("mappings")
    @classmethod
    def _loadable(cls, v: dict[str, MappingRef]) -> dict[str, MappingRef]:
        load_table(v)  # kept as written (so settings dump as configured); loaded once below
        return v

    @field_validator("reference")
    @classmethod
    def _pointer(cls, v: str) -> str:
        parse_pointer(v)
        return v

    @cached_property
    def table(self) -> dict[str, MappingSpec]:
        """The loaded mappings by service key."""
        return load_table(self.mappings)


MAPPING_FAILED = "mapping_failed"


def mapped(options: MappedOptions, request: DeliveryRequested) -> dict[str, Any]:
    """The mapped data of one case; :class:`PermanentError` (reason ``mapping_failed``, a
    media break ``rejected:mapping_failed``) when there is no mapping for its service or the
    mapping fails on it. The message names the target field and the pointer, never a value."""
    app = request.application
    if app is None:
        raise PermanentError("this connector takes applications only", reason=MAPPING_FAILED)
    spec = select_mapping(options.table, app.service.leika_id)
    if spec is None:
        raise PermanentError(
            f"no mapping for service {app.service.leika_id}", reason=MAPPING_FAILED
        )
    try:
        return apply_mapping(spec, case_document(request))
    except MappingError as exc:
        raise PermanentError(f"mapping failed: {exc}", reason=MAPPING_FAILED) from None


def deliver_with_reference(
    transport: Transport, document: Document, delivery_id: str, pointer: str
) -> HandoverReceipt:
    """Deliver; over HTTP the receipt is the answer's value at ``pointer``."""
    if isinstance(transport, HttpPost):
        tokens = parse_pointer(pointer)

        def found(body: Any) -> Any:
            value = resolve(body, tokens)
            return value if isinstance(value, str | int) and not isinstance(value, bool) else None

        return receipt_from(transport.exchange(document, delivery_id), delivery_id, found)
    return transport.send(document, delivery_id)
