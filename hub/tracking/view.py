"""The public journey document: what a portal may read about a case, and nothing personal.

One model, used by the tracker's read page (``/v1/cases/{id}``) and by intake's
status reads (``GET /v1/applications/{id}``, ``GET /v1/invoices/{id}``), which
also documents it in the OpenAPI contract.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.events.models import CaseStatus
from hub.tracking.journey import Journey

Outcome = Literal["pending", "delivered", "rejected", "gave_up"]


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StepView(_View):
    """One status the case passed through."""

    status: CaseStatus
    at: str = Field(description="when the hub recorded it (ISO 8601, UTC)")
    reasons: list[str] = Field(default_factory=list, description="media-break reasons, if final")


class DeliveryView(_View):
    """One back office the case must reach, and how far it got."""

    deliveryId: str = Field(description="idempotency key the back office sees")  # noqa: N815
    connector: str
    kind: str = Field(description="connector kind, e.g. dms.xdomea")
    outcome: Outcome
    reason: str | None = None
    detail: str | None = Field(
        None, description="when not delivered: what the back office said (e.g. the DMS's refusal)"
    )
    reference: str | None = Field(
        None, description="the back office's own reference (Aktenzeichen, record id, file name)"
    )
    attempts: int = 0


class JourneyView(_View):
    """Where a case stands: status, history, deliveries. No personal data."""

    tenant: str = Field(description="the responsible partner")
    service: str = Field(description="Leistungsschlüssel, or xrechnung for e-invoices")
    status: CaseStatus
    final: bool = Field(description="nothing more will happen by itself")
    mediaBreak: bool | None = Field(  # noqa: N815
        None, description="final cases: true when any step left the digital path"
    )
    reasons: list[str] = Field(default_factory=list, description="why it is a media break")
    rule: str | None = Field(None, description="the routing rule that matched")
    history: list[StepView] = Field(default_factory=list)
    deliveries: list[DeliveryView] = Field(default_factory=list)


class TrackedCase(JourneyView):
    """The tracker's read page: the journey with its case id."""

    caseId: str  # noqa: N815


def public_view(j: Journey) -> TrackedCase:
    """The journey as portals see it."""
    status = j.status or CaseStatus.received
    final = status.is_final
    return TrackedCase(
        caseId=j.case_id,
        tenant=j.tenant,
        service=j.service,
        status=status,
        final=final,
        mediaBreak=status is CaseStatus.media_break if final else None,
        reasons=j.reasons(),
        rule=j.rule,
        history=[
            StepView(status=s.status, at=s.at.isoformat(), reasons=s.reasons) for s in j.history
        ],
        deliveries=[
            DeliveryView(
                deliveryId=did,
                connector=d.connector,
                kind=d.kind,
                outcome="pending" if not d.status.ended else d.status.value,
                reason=d.reason,
                detail=d.detail,
                reference=d.receipt,
                attempts=d.attempts,
            )
            for did, d in sorted(j.deliveries.items(), key=lambda kv: kv[1].connector)
        ],
    )
