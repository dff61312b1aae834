"""The tracker's step as a pure function: an event in, the journey, status events and KPI
observations out.

KPI semantics (what ``hub_cases_completed_total`` counts): **exactly one outcome per
case, its first final status**. A case that first ends as a media break (or in
quarantine) and is completed digitally later, after a replay, keeps its first
outcome (a person had to step in) and is counted once more as *recovered*
(``hub_cases_recovered_total``). Repeats of events, and any order of events
across topics, change nothing: the journey is a fold, and the KPI outcome is
recorded in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.delivery.state import DeliveryStatus
from hub.events.models import BackOfficeReference, CaseStatus, CaseStatusChanged, Envelope, Event
from hub.tracking.journey import Journey, Position, fold


@dataclass(frozen=True)
class Completed:
    """A case reached its first final status (the KPI outcome)."""

    tenant: str
    service: str
    media_break: bool
    reason: str  # the first reason, "none" when media-break-free: one label per case


@dataclass(frozen=True)
class Recovered:
    """A case first counted otherwise was completed digitally later (after a replay)."""

    tenant: str
    service: str


@dataclass(frozen=True)
class Latency:
    """Seconds from intake acceptance to the first final status."""

    tenant: str
    service: str
    seconds: float


Observation = Completed | Recovered | Latency


@dataclass(frozen=True)
class Tracked:
    """What one event did to a case."""

    journey: Journey
    status_events: tuple[CaseStatusChanged, ...] = ()
    observations: tuple[Observation, ...] = field(default=())


def references(journey: Journey) -> tuple[BackOfficeReference, ...]:
    """The back offices' references of the delivered deliveries, by connector."""
    return tuple(
        BackOfficeReference(connector=d.connector, reference=d.receipt)
        for d in sorted(journey.deliveries.values(), key=lambda d: d.connector)
        if d.status is DeliveryStatus.delivered and d.receipt
    )


def track(journey: Journey | None, event: Event, position: Position | None = None) -> Tracked:
    """Fold ``event`` into ``journey``; the status change it caused and what to measure."""
    j, previous = fold(journey, event, position)
    status = j.status
    before = journey.status if journey else None
    if status is None or status == before:
        return Tracked(j)
    changed = CaseStatusChanged(
        envelope=Envelope(
            case_id=j.case_id, tenant=j.tenant, correlation_id=event.envelope.correlation_id
        ),
        status=status,
        previous=previous,
        service=j.service,
        reasons=tuple(j.reasons()) if status.is_final else (),
        portal=j.portal,
        sequence=len(j.history),
        references=references(j),
    )
    observations: list[Observation] = []
    tenant, service = j.tenant or "unknown", j.service or "unknown"
    if status.is_final and j.first_final is None:
        j.first_final = status
        reasons = j.reasons()
        # one reason label per case keeps the series bounded; the journey keeps all of them
        reason = reasons[0].split(":", 1)[0] if reasons else "none"
        observations.append(Completed(tenant, service, bool(reasons), reason))
        if j.received_at is not None:
            seconds = (j.history[-1].at - j.received_at).total_seconds()
            observations.append(Latency(tenant, service, max(0.0, seconds)))
    elif (
        status is CaseStatus.completed
        and j.first_final not in (None, CaseStatus.completed)
        and not j.recovered
    ):
        j.recovered = True
        observations.append(Recovered(tenant, service))
    return Tracked(j, (changed,), tuple(observations))
