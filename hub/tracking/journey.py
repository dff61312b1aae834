"""A case's journey as a pure fold over its events.

Events of one case arrive from several topics, so in no guaranteed order across
them; the status is therefore *derived* from everything seen so far, never
stepped:

* ``quarantined``  the router (or a later stage) put the case into quarantine
* ``completed``    every expected delivery was accepted by a digital back office
* ``media_break``  every expected delivery ended, and at least one did not
                   reach a digital back office (manual connector, rejected,
                   gave up, or no route and the fallback was used)
* ``delivered``    some deliveries accepted, others still running
* ``routed``       the router decided, nothing ended yet
* ``received``     intake accepted it
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from hub.events.models import (
    INVOICE_SERVICE,
    ApplicationSubmitted,
    CaseRouted,
    CaseStatus,
    DeliveryOutcome,
    DeliveryResult,
    Event,
    InvoiceReceived,
    Quarantined,
    utc_now,
)


class DeliveryState(BaseModel):
    """One expected delivery and how it ended (if it did)."""

    model_config = ConfigDict(extra="forbid")

    connector: str
    kind: str
    outcome: DeliveryResult | None = None
    media_break: bool = False
    reason: str | None = None
    receipt: str | None = None
    attempts: int = 0
    ended_at: datetime | None = None


class Step(BaseModel):
    """One status the case passed through."""

    model_config = ConfigDict(extra="forbid")

    status: CaseStatus
    at: datetime
    reasons: list[str] = []


class Journey(BaseModel):
    """Everything the hub knows about a case, without personal data."""

    model_config = ConfigDict(extra="forbid")

    case_id: str
    tenant: str = ""
    service: str = ""
    received_at: datetime | None = None
    routed: bool = False
    rule: str | None = None
    route_reason: str | None = None
    deliveries: dict[str, DeliveryState] = {}
    quarantine_reason: str | None = None
    history: list[Step] = []
    measured: bool = False  # completion latency already observed
    updated_at: datetime | None = None  # last event folded in
    # where the case's submission event lies, so that it can be sent again (reconciliation)
    source_topic: str | None = None
    source_partition: int = -1
    source_offset: int = -1

    def remember_source(self, topic: str, partition: int, offset: int) -> None:
        """Record where the case's submission event lies."""
        self.source_topic, self.source_partition, self.source_offset = topic, partition, offset

    @property
    def status(self) -> CaseStatus | None:
        """The current status (None before anything was seen)."""
        return self.history[-1].status if self.history else None

    def reasons(self) -> list[str]:
        """Why the case is (or would be) a media break, deduplicated and sorted."""
        found: set[str] = set()
        if self.quarantine_reason:
            found.add(self.quarantine_reason)
        if self.route_reason:
            found.add(self.route_reason)
        for d in self.deliveries.values():
            if d.outcome is DeliveryResult.delivered and d.media_break:
                found.add("manual_route")
            elif d.outcome is not None and d.outcome is not DeliveryResult.delivered:
                found.add(d.outcome.value if d.reason is None else f"{d.outcome.value}:{d.reason}")
        return sorted(found)

    def derive_status(self) -> CaseStatus | None:
        """The status implied by what was seen (see module docstring)."""
        if self.quarantine_reason:
            return CaseStatus.quarantined
        if not self.routed:
            return CaseStatus.received if self.received_at is not None else None
        ended = [d for d in self.deliveries.values() if d.outcome is not None]
        if self.deliveries and len(ended) == len(self.deliveries):
            return CaseStatus.media_break if self.reasons() else CaseStatus.completed
        if any(d.outcome is DeliveryResult.delivered for d in ended):
            return CaseStatus.delivered
        return CaseStatus.routed


def fold(journey: Journey | None, event: Event) -> tuple[Journey, CaseStatus | None]:
    """Apply one event; return the new journey and the previous status if it changed, else None.

    The returned previous status is ``None`` both for "no change" and for the
    first status; callers compare ``journey.status`` to tell them apart.
    """
    j = journey.model_copy(deep=True) if journey else Journey(case_id=event.envelope.case_id)
    if event.envelope.tenant:
        j.tenant = event.envelope.tenant
    if isinstance(event, ApplicationSubmitted):
        j.received_at = event.envelope.occurred_at
        j.service = event.application.service.leika_id
    elif isinstance(event, InvoiceReceived):
        j.received_at = event.envelope.occurred_at
        j.service = INVOICE_SERVICE
    elif isinstance(event, CaseRouted):
        j.routed, j.rule, j.route_reason, j.service = True, event.rule, event.reason, event.service
        if event.source_topic and j.source_topic is None:
            j.remember_source(event.source_topic, event.source_partition, event.source_offset)
        for planned in event.deliveries:
            j.deliveries.setdefault(
                planned.delivery_id,
                DeliveryState(connector=planned.connector, kind=planned.connector_kind),
            )
    elif isinstance(event, DeliveryOutcome):
        state = j.deliveries.setdefault(
            event.delivery_id, DeliveryState(connector=event.connector, kind=event.connector_kind)
        )
        # a delivered outcome is final; a later replayed failure must not undo it
        if state.outcome is not DeliveryResult.delivered:
            state.outcome = event.outcome
            state.media_break = event.media_break
            state.reason = event.reason
            state.receipt = event.receipt
            state.ended_at = event.envelope.occurred_at
        state.attempts += event.attempts
    elif isinstance(event, Quarantined) and event.stage in ("intake", "router"):
        j.quarantine_reason = event.reason
    j.updated_at = utc_now()
    new = j.derive_status()
    previous = j.status
    if new is not None and new != previous:
        j.history.append(
            Step(status=new, at=utc_now(), reasons=j.reasons() if new.is_final else [])
        )
        return j, previous
    return j, None
