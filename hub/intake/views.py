"""What intake answers, as pydantic models: the source of the OpenAPI document's responses."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.tracking.view import JourneyView


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ApplicationReceipt(_View):
    """``202``/``200`` answer to ``POST /v1/applications``."""

    applicationId: str = Field(description="UUIDv5 of portal and submissionId")  # noqa: N815
    status: Literal["received"] = "received"
    tenant: str
    service: str = Field(description="Leistungsschlüssel")
    receivedAt: str = Field(description="ISO 8601")  # noqa: N815
    statusUrl: str = Field(description="where to read the status (signed GET)")  # noqa: N815


class FieldError(_View):
    """One offending field (a JSON pointer for submissions, a business term for invoices) or
    one finding of the official XRechnung rules (``rule_id``, ``severity``, ``location``)."""

    pointer: str | None = None
    field: str | None = Field(None, description="EN 16931 business term, e.g. BT-10")
    rule_id: str | None = Field(
        None,
        description="the failed rule: BR-CO-15, BR-DE-15, PEPPOL-EN16931-R054, or XSD for the "
        "XML Schema",
    )
    severity: Literal["fatal", "warning"] | None = Field(
        None, description="fatal refuses the invoice (422); a warning never does"
    )
    location: str | None = Field(
        None, description="XPath of the offending node (schema errors: line N, path)"
    )
    detail: str = Field(description="what is wrong: for a rule, the rule's own text")


class InvoiceReceipt(_View):
    """``202``/``200`` answer to ``POST /v1/invoices``."""

    invoiceId: str = Field(description="UUIDv5 of seller, invoice number and issue date")  # noqa: N815
    status: Literal["received"] = "received"
    tenant: str
    service: Literal["xrechnung"] = "xrechnung"
    receivedAt: str  # noqa: N815
    statusUrl: str  # noqa: N815
    warnings: list[FieldError] | None = Field(
        None,
        description="the official rules' warnings (should-rules) and, when BT-10 is not a valid "
        "Leitweg-ID but was routed by its leading digits, a note on BT-10; never a refusal",
    )


class _Status(JourneyView):
    receivedAt: str  # noqa: N815
    tracking: Literal["unavailable"] | None = Field(
        None, description="set when the tracker could not be asked: the status is intake's own"
    )


class ApplicationStatus(_Status):
    """``GET /v1/applications/{id}``: the journey of an application."""

    applicationId: str  # noqa: N815


class InvoiceStatus(_Status):
    """``GET /v1/invoices/{id}``: the journey of an e-invoice."""

    invoiceId: str  # noqa: N815


class ProblemDocument(BaseModel):
    """RFC 9457 problem details, as every error answer carries them."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="https://ikz-hub.example/problems/<kind>")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errorId: str | None = Field(  # noqa: N815
        None, description="500 only: quote it to the operator, it is in the hub's log"
    )
    errors: list[FieldError] | None = None


class Health(_View):
    """``/healthz``."""

    status: Literal["ok", "failing"]


class Readiness(_View):
    """``/readyz`` of intake."""

    broker: bool
