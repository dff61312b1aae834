"""The ``procedure.rest`` connector kind: a case as JSON, POSTed to a Fachverfahren's import.

Many modern Fachverfahren take applications over REST. The payload carries the
case metadata, the applicant and the form data as the portal sent them, and the
attachments inline (base64) or as metadata only. The delivery id is the
``Idempotency-Key``, so the procedure can recognise a repeat.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from hub.config.tenants import HttpTransport
from hub.delivery.connector import Connector, Document
from hub.delivery.errors import ConnectorConfigError, PermanentError
from hub.delivery.rendering import form_payload
from hub.events.models import DeliveryRequested


class ProcedureRestSettings(BaseModel):
    """``options`` of a ``procedure.rest`` instance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    attachments: Literal["inline", "metadata"] = "inline"


def render_payload(
    request: DeliveryRequested, attachments: Mapping[str, bytes], inline: bool
) -> dict[str, Any]:
    """The JSON document of one delivery (pure)."""
    app = request.application
    if app is None:
        raise PermanentError("procedure.rest takes applications only", reason="mapping")
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
    return {
        "caseId": request.envelope.case_id,
        "deliveryId": request.delivery_id,
        "tenant": request.envelope.tenant,
        **form_payload(app),
        "attachments": docs,
    }


class ProcedureRestConnector(Connector):
    """POSTs each case as JSON to a Fachverfahren's import endpoint."""

    kind = "procedure.rest"
    Settings: ClassVar[type[BaseModel]] = ProcedureRestSettings

    def check_transport(self) -> None:
        """A REST import needs an HTTP transport."""
        if not isinstance(self.config.transport, HttpTransport):
            raise ConnectorConfigError("procedure.rest needs type: http", field="transport.type")

    def render(self, request: DeliveryRequested, attachments: Mapping[str, bytes]) -> Document:
        """The case as JSON."""
        assert isinstance(self.settings, ProcedureRestSettings)
        try:
            payload = render_payload(request, attachments, self.settings.attachments == "inline")
        except KeyError as exc:
            raise PermanentError(
                "attachment bytes missing", detail=str(exc), reason="mapping"
            ) from exc
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        return Document(f"{request.delivery_id}.json", body, "application/json")
