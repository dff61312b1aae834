"""The ``procedure.xoev`` connector kind: XÖV messages built from a mapping.

Shipped standard: XGewerbeanzeige 2.2 (Gewerbeanmeldung, message
``abh.gewerbemeldung.0500``). The mapping fills the message's elements by
their paths (``satz.anmeldung.gewerbe.anschrift.ort``); the builder puts them
in the standard's order, fills the message header's identification from the
delivery (message UUID derived from the delivery id, creation time from the
request) and refuses data that would not fit. Delivered as
``{deliveryId}_xgewerbeanzeige.xml`` into a directory or POSTed as
``application/xml``; the answer's reference (Aktenzeichen) is the receipt.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from hub import __version__
from hub.connectors.procedure_rest.mappings import (
    MAPPING_FAILED,
    MappedOptions,
    deliver_with_reference,
    mapped,
)
from hub.delivery.connector import Connector, Document
from hub.delivery.documents import HandoverReceipt
from hub.delivery.errors import PermanentError
from hub.events.models import DeliveryRequested
from hub.formats.mapping import MappingRef
from hub.formats.xgewerbeanzeige import MessageError, MessageHeader, build_message

# fixed namespace: the same delivery id always gives the same message UUID
_MESSAGE_NAMESPACE = uuid.UUID("0f6b7c1e-2d4a-5b8c-9e0f-1a2b3c4d5e6f")


class ProcedureXoevSettings(MappedOptions):
    """``options`` of a ``procedure.xoev`` instance."""

    standard: Literal["xgewerbeanzeige"] = "xgewerbeanzeige"
    mappings: dict[str, MappingRef] = Field(min_length=1)


def message_id(delivery_id: str) -> str:
    """The message UUID of a delivery (stable across re-deliveries)."""
    return str(uuid.uuid5(_MESSAGE_NAMESPACE, delivery_id))


def render_message(settings: ProcedureXoevSettings, request: DeliveryRequested) -> bytes:
    """The XML message of one delivery (pure); :class:`PermanentError` when impossible."""
    data = mapped(settings, request)
    header = MessageHeader(
        message_id=message_id(request.delivery_id),
        created_at=request.envelope.occurred_at,
        product_version=__version__,
    )
    try:
        return build_message(data, header)
    except MessageError as exc:
        raise PermanentError(
            f"case does not fit XGewerbeanzeige: {exc}", reason=MAPPING_FAILED
        ) from None


class ProcedureXoevConnector(Connector):
    """Hands each case to a Fachverfahren as an XÖV message (file drop or HTTP POST)."""

    kind = "procedure.xoev"
    Settings: ClassVar[type[BaseModel]] = ProcedureXoevSettings

    @property
    def options(self) -> ProcedureXoevSettings:
        """The validated options."""
        if not (isinstance(self.settings, ProcedureXoevSettings)):
            raise TypeError("invariant broken: isinstance(self.settings, ProcedureXoevSettings)")
        return self.settings

    def render(self, request: DeliveryRequested, attachments: Mapping[str, bytes]) -> Document:
        """The message as ``{deliveryId}_{standard}.xml``."""
        content = render_message(self.options, request)
        filename = f"{request.delivery_id}_{self.options.standard}.xml"
        return Document(filename, content, "application/xml")

    def deliver(self, document: Document, delivery_id: str) -> HandoverReceipt:
        """Drop the file or POST it; over HTTP the receipt is the answer at ``reference``."""
        return deliver_with_reference(self.transport, document, delivery_id, self.options.reference)
