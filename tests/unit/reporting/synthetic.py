"""A realistic, reproducible stream of status events: 4 tenants, 8 services, 60 days.

Each case goes received -> routed -> (delivered) -> a final status, the way the
tracker writes them; some media breaks are replayed to completion later, and a
few status changes are written twice (at-least-once).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hub.events.models import CaseStatus, CaseStatusChanged, Envelope

END = datetime(2026, 3, 2, tzinfo=UTC)
DAYS = 60

# tenant -> services (Leistungsschlüssel) it receives, with weights
TENANT_SERVICES: dict[str, dict[str, int]] = {
    "viernheim": {"99027002012000": 5, "99101004012000": 2, "99102013104000": 4, "xrechnung": 3},
    "bensheim": {"99050012104000": 6, "99115005104000": 4, "99108001001000": 2, "xrechnung": 3},
    "kreis-bergstrasse": {"99012070006000": 5, "99108014042000": 2, "xrechnung": 2},
    "mrn": {"99000000000001": 4},
}

# how often each tenant's cases end in a media break at the start and at the end of the period
BREAK_RATE = {
    "viernheim": (0.30, 0.10),
    "bensheim": (0.25, 0.15),
    "kreis-bergstrasse": (0.45, 0.35),
    "mrn": (0.10, 0.05),
}

REASONS = (
    (("manual_route",), 8),
    (("no_route",), 3),
    (("rejected:http_422",), 2),
    (("gave_up:timeout",), 2),
    (("rejected:mapping",), 1),
)


def _status(
    case: str, tenant: str, service: str, status: CaseStatus, at: datetime, **kw: object
) -> CaseStatusChanged:
    return CaseStatusChanged(
        envelope=Envelope(case_id=case, tenant=tenant, occurred_at=at, correlation_id=case),
        status=status,
        service=service,
        **kw,  # type: ignore[arg-type]
    )


def generate(cases: int = 420, seed: int = 7) -> list[CaseStatusChanged]:
    """``cases`` cases' status events, in the order the topic would hold them."""
    rnd = random.Random(seed)
    tenants = list(TENANT_SERVICES)
    weights = [len(TENANT_SERVICES[t]) * 3 + 2 for t in tenants]
    events: list[CaseStatusChanged] = []
    start = END - timedelta(days=DAYS)
    for n in range(cases):
        tenant = rnd.choices(tenants, weights)[0]
        services = TENANT_SERVICES[tenant]
        service = rnd.choices(list(services), list(services.values()))[0]
        received = start + timedelta(seconds=rnd.uniform(0, DAYS * 86400 - 7200))
        progress = (received - start) / timedelta(days=DAYS)
        early, late = BREAK_RATE[tenant]
        broken = rnd.random() < early + (late - early) * progress
        case = f"case-{n:05d}"
        routed = received + timedelta(seconds=rnd.uniform(0.05, 0.4))
        done = routed + timedelta(seconds=rnd.lognormvariate(1.2, 1.0))
        if rnd.random() < 0.04:  # a back office that was down for hours
            done += timedelta(hours=rnd.uniform(1, 30))
        evs = [
            _status(case, tenant, service, CaseStatus.received, received),
            _status(case, tenant, service, CaseStatus.routed, routed, previous=CaseStatus.received),
        ]
        if broken:
            reasons = rnd.choices([r for r, _ in REASONS], [w for _, w in REASONS])[0]
            status = CaseStatus.media_break
            if reasons == ("no_route",) and rnd.random() < 0.3:
                status = CaseStatus.quarantined
            evs.append(
                _status(
                    case, tenant, service, status, done, previous=CaseStatus.routed, reasons=reasons
                )
            )
            if reasons[0].startswith(("gave_up", "rejected")) and rnd.random() < 0.5:
                evs.append(
                    _status(
                        case,
                        tenant,
                        service,
                        CaseStatus.completed,
                        done + timedelta(hours=rnd.uniform(2, 48)),
                        previous=status,
                    )
                )
        else:
            evs.append(
                _status(
                    case, tenant, service, CaseStatus.completed, done, previous=CaseStatus.routed
                )
            )
        if rnd.random() < 0.05:  # the tracker wrote a change twice
            last = evs[-1]
            again = last.envelope.model_copy(
                update={
                    "event_id": f"{case}-again",
                    "occurred_at": last.envelope.occurred_at + timedelta(seconds=2),
                }
            )
            evs.append(last.model_copy(update={"envelope": again}))
        events.extend(evs)
    events.sort(key=lambda e: e.envelope.occurred_at)
    return events
