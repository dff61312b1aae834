"""The ``procedure.rest`` connector kind: a case as JSON, POSTed to a Fachverfahren's import.

With ``mappings`` each service's case is mapped into the procedure's own JSON
(see ``docs/mappings.md``); without, the payload is the hub's generic case JSON
(metadata, applicant, form data as the portal sent them). Attachments travel
inline (base64) or as metadata. The delivery id is the ``Idempotency-Key``;
the procedure's reference (Aktenzeichen, order number) is read from its answer.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from hub.config.tenants import HttpTransport
from hub.connectors.procedure_rest.mappings import MappedOptions, deliver_with_reference, mapped
from hub.delivery.connector import Connector, Document
from hub.delivery.documents import HandoverReceipt
from hub.delivery.errors import ConnectorConfigError, PermanentError
from hub.delivery.rendering import form_payload
from hub.events.models import Application, DeliveryRequested
from hub.formats.mapping import parse_pointer
from hub.formats.mapping.pointer import parse_target, set_at


class ProcedureRestSettings(MappedOptions):
    """``options`` of a ``procedure.rest`` instance."""

    attachments: Literal["inline", "metadata"] = "inline"
    attachments_at: str = Field(
        "/attachments", description="JSON pointer in the mapped body where the attachments go"
    )

    @field_validator("attachments_at")
    @classmethod
    def _at(cls, v: str) -> str:
        if not parse_pointer(v):
            raise ValueError("must point below the document root, e.g. /attachments")
        return v

    @model_validator(mode="after")
    def _attachments_not_mapped(self) -> ProcedureRestSettings:
        at = parse_target(self.attachments_at)
        for service, spec in self.table.items():
            for rule in spec.mapping:
                tokens = parse_target(rule.target)
                if tokens[: len(at)] == at or at[: len(tokens)] == tokens:
                    raise ValueError(
                        f"mappings.{service}: target {rule.target!r} overlaps attachments_at"
                    )
        return self


def attachment_list(
    app: Application, attachments: Mapping[str, bytes], inline: bool
) -> list[dict[str, Any]]:
    """The attachments as JSON objects, with ``contentBase64`` when ``inline``."""
    docs = []
    for att in app.attachments:
        doc: dict[str, Any] = {
            "attachmentId": att.attachment_id,
            "filename": att.filename,
            "mediaType": att.media_type,
            "size": att.size,
            "sha256": att.sha256,
        }
        if inline:
            doc["contentBase64"] = base64.b64encode(attachments[att.sha256]).decode()
        docs.append(doc)
    return docs


def render_payload(
    request: DeliveryRequested, attachments: Mapping[str, bytes], inline: bool
) -> dict[str, Any]:
    """The generic JSON document of one delivery, used when no mappings are configured."""
    app = request.application
    if app is None:
        raise PermanentError("procedure.rest takes applications only", reason="mapping_failed")
    return {
        "caseId": request.envelope.case_id,
        "deliveryId": request.delivery_id,
        "tenant": request.envelope.tenant,
        **form_payload(app),
        "attachments": attachment_list(app, attachments, inline),
    }


def render_mapped(
    settings: ProcedureRestSettings, request: DeliveryRequested, attachments: Mapping[str, bytes]
) -> dict[str, Any]:
    """The mapped JSON document of one delivery, attachments at ``attachments_at``."""
    body = mapped(settings, request)
    if not (request.application is not None):  # mapped() refuses anything else
        raise RuntimeError("invariant broken: request.application is not None")
    inline = settings.attachments == "inline"
    set_at(
        body,
        parse_target(settings.attachments_at),
        attachment_list(request.application, attachments, inline),
    )
    return body


class ProcedureRestConnector(Connector):
    """POSTs each case as JSON to a Fachverfahren's import endpoint."""

    kind = "procedure.rest"
    Settings: ClassVar[type[BaseModel]] = ProcedureRestSettings

    @property
    def options(self) -> ProcedureRestSettings:
        """The validated options."""
        if not (isinstance(self.settings, ProcedureRestSettings)):
            raise TypeError("invariant broken: isinstance(self.settings, ProcedureRestSettings)")
        return self.settings

    def check_transport(self) -> None:
        """A REST import needs an HTTP transport."""
        if not isinstance(self.config.transport, HttpTransport):
            raise ConnectorConfigError("procedure.rest needs type: http", field="transport.type")

    def render(self, request: DeliveryRequested, attachments: Mapping[str, bytes]) -> Document:
        """The case as JSON (mapped when the options carry mappings)."""
        options = self.options
        try:
            if options.mappings:
                payload = render_mapped(options, request, attachments)
            else:
                payload = render_payload(request, attachments, options.attachments == "inline")
        except KeyError as exc:
            raise PermanentError(
                "attachment bytes missing", detail=str(exc), reason="mapping_failed"
            ) from exc
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        return Document(f"{request.delivery_id}.json", body, "application/json")

    def deliver(self, document: Document, delivery_id: str) -> HandoverReceipt:
        """POST; the receipt is the answer's value at ``options.reference``."""
        return deliver_with_reference(self.transport, document, delivery_id, self.options.reference)
