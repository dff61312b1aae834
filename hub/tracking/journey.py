"""A case's journey as a pure fold over its events.

Events of one case arrive from several topics, so in no guaranteed order across
them; the status is therefore *derived* from everything seen so far, never
stepped:

* ``quarantined``  the router put the case into quarantine (and no later routing
                   decision took it out again: a replayed case moves on)
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

from hub.delivery.state import DeliveryState, DeliveryStatus
from hub.events.models import (
    INVOICE_SERVICE,
    ApplicationSubmitted,
    CaseRouted,
    CaseStatus,
    DeliveryOutcome,
    Event,
    InvoiceReceived,
    Quarantined,
    utc_now,
)

#: where a consumed message lies: (topic, partition, offset)
Position = tuple[str, int, int]


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
    portal: str = ""
    received_at: datetime | None = None
    routed: bool = False
    routed_at: datetime | None = None
    rule: str | None = None
    route_reason: str | None = None
    deliveries: dict[str, DeliveryState] = {}
    quarantine_reason: str | None = None
    quarantined_at: datetime | None = None
    history: list[Step] = []
    first_final: CaseStatus | None = None  # the KPI outcome: the first final status, kept
    recovered: bool = False  # completed digitally after first ending otherwise
    updated_at: datetime | None = None  # last event folded in
    # where the case's submission event lies, so that it can be sent again (reconciliation)
    source_topic: str | None = None
    source_partition: int = -1
    source_offset: int = -1

    @property
    def status(self) -> CaseStatus | None:
        """The current status (None before anything was seen)."""
        return self.history[-1].status if self.history else None

    @property
    def quarantined(self) -> bool:
        """In quarantine, unless a routing decision came after it (a replay that worked)."""
        if not self.quarantine_reason:
            return False
        return not (
            self.routed
            and self.routed_at is not None
            and self.quarantined_at is not None
            and self.routed_at > self.quarantined_at
        )

    def reasons(self) -> list[str]:
        """Why the case is (or would be) a media break, deduplicated and sorted."""
        found: set[str] = set()
        if self.quarantined and self.quarantine_reason:
            found.add(self.quarantine_reason)
        if self.route_reason:
            found.add(self.route_reason)
        for d in self.deliveries.values():
            if d.status is DeliveryStatus.delivered and d.media_break:
                found.add("manual_route")
            elif d.status in (DeliveryStatus.rejected, DeliveryStatus.gave_up):
                found.add(d.status.value if d.reason is None else f"{d.status.value}:{d.reason}")
        return sorted(found)

    def derive_status(self) -> CaseStatus | None:
        """The status implied by what was seen (see module docstring)."""
        if self.quarantined:
            return CaseStatus.quarantined
        if not self.routed:
            return CaseStatus.received if self.received_at is not None else None
        ended = [d for d in self.deliveries.values() if d.status.ended]
        if self.deliveries and len(ended) == len(self.deliveries):
            return CaseStatus.media_break if self.reasons() else CaseStatus.completed
        if any(d.status is DeliveryStatus.delivered for d in ended):
            return CaseStatus.delivered
        return CaseStatus.routed

    def remember_source(self, position: Position) -> None:
        """Record where the case's submission event lies (the first position seen is kept)."""
        if self.source_topic is None:
            self.source_topic, self.source_partition, self.source_offset = position


def fold(
    journey: Journey | None, event: Event, position: Position | None = None
) -> tuple[Journey, CaseStatus | None]:
    """Apply one event; return the new journey and the previous status if it changed, else None.

    ``position`` is where ``event`` was read; for a submission it is remembered as
    the case's source, as is the position a routing decision reports (whichever the
    tracker sees first: either may be the one faust skipped).

    The returned previous status is ``None`` both for "no change" and for the
    first status; callers compare ``journey.status`` to tell them apart.
    """
    j = journey.model_copy(deep=True) if journey else Journey(case_id=event.envelope.case_id)
    if event.envelope.tenant:
        j.tenant = event.envelope.tenant
    if isinstance(event, ApplicationSubmitted | InvoiceReceived):
        _received(j, event, position)
    elif isinstance(event, CaseRouted):
        _routed(j, event)
    elif isinstance(event, DeliveryOutcome):
        _ended(j, event)
    elif isinstance(event, Quarantined) and event.stage in ("intake", "router"):
        at = event.envelope.occurred_at
        if j.quarantined_at is None or at >= j.quarantined_at:
            j.quarantine_reason, j.quarantined_at = event.reason, at
    j.updated_at = utc_now()
    new = j.derive_status()
    previous = j.status
    if new is not None and new != previous:
        j.history.append(
            Step(status=new, at=utc_now(), reasons=j.reasons() if new.is_final else [])
        )
        return j, previous
    return j, None


def _received(
    j: Journey, event: ApplicationSubmitted | InvoiceReceived, position: Position | None
) -> None:
    j.received_at = event.envelope.occurred_at
    if isinstance(event, ApplicationSubmitted):
        j.service, j.portal = event.application.service.leika_id, event.application.portal
    else:
        j.service, j.portal = INVOICE_SERVICE, event.portal
    if position is not None:
        j.remember_source(position)


def _routed(j: Journey, event: CaseRouted) -> None:
    j.routed, j.rule, j.route_reason, j.service = True, event.rule, event.reason, event.service
    j.portal = j.portal or event.portal  # known even when the submission itself was not seen
    at = event.envelope.occurred_at
    j.routed_at = at if j.routed_at is None else max(j.routed_at, at)
    if event.source_topic:
        j.remember_source((event.source_topic, event.source_partition, event.source_offset))
    for planned in event.deliveries:
        j.deliveries.setdefault(
            planned.delivery_id,
            DeliveryState(connector=planned.connector, kind=planned.connector_kind),
        )


def _ended(j: Journey, event: DeliveryOutcome) -> None:
    state = j.deliveries.setdefault(
        event.delivery_id, DeliveryState(connector=event.connector, kind=event.connector_kind)
    )
    # a delivered outcome is final; a later replayed failure must not undo it
    if state.status is not DeliveryStatus.delivered:
        state.status = DeliveryStatus.of(event.outcome)
        state.media_break = event.media_break
        state.reason = event.reason
        state.detail = event.detail
        state.receipt = event.receipt
        state.ended_at = event.envelope.occurred_at
    state.attempts += event.attempts
