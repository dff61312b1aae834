"""The KPI report as a pure computation over the status topic's events.

The tracker writes one :class:`~hub.events.models.CaseStatusChanged` per status
change of a case. At-least-once processing may write a change twice, and a
replay from the dead-letter topic can move a case from ``media_break`` (or
``quarantined``) to ``completed`` later. The report therefore reduces each case
to its **first final outcome** (the earliest final status event by event time):

* a case counts in a period when its first final outcome lies in the period;
* it is media-break-free when that first outcome is ``completed``; a later
  completion after a replay does not change the KPI, it counts as *recovered*;
* its completion time runs from its earliest ``received`` event to that first
  final event (unknown when the ``received`` event is no longer in the topic).

Percentiles are nearest-rank: the smallest value such that at least p % of the
values are not greater.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hub.events.models import CaseStatus, CaseStatusChanged
from hub.reporting.period import Bucket, Period

ALL = "*"  # the service (or tenant) of a row that sums up all of them


@dataclass(frozen=True)
class CaseOutcome:
    """One case reduced to what the KPI needs."""

    case_id: str
    tenant: str
    service: str
    status: CaseStatus  # the first final status
    final_at: datetime
    received_at: datetime | None
    reasons: tuple[str, ...]
    recovered: bool  # first outcome was not completed, a later one was

    @property
    def media_break_free(self) -> bool:
        """True when the first final outcome was ``completed``."""
        return self.status is CaseStatus.completed

    @property
    def completion_seconds(self) -> float | None:
        """Seconds from received to the first final status; None when received is unknown."""
        if self.received_at is None:
            return None
        return max(0.0, (self.final_at - self.received_at).total_seconds())


@dataclass(frozen=True)
class Figures:
    """The KPI of one group of cases (a tenant's service, a tenant, or everything)."""

    tenant: str
    service: str
    volume: int
    media_break_free: int
    recovered: int
    reasons: tuple[tuple[str, int], ...]  # (reason, cases), most frequent first
    p50_seconds: float | None
    p95_seconds: float | None
    timed: int  # cases whose completion time is known

    @property
    def ratio(self) -> float | None:
        """Media-break-free share, 0..1; None without cases."""
        return self.media_break_free / self.volume if self.volume else None

    @property
    def media_breaks(self) -> int:
        """Cases whose first final outcome was a media break or quarantine."""
        return self.volume - self.media_break_free


@dataclass(frozen=True)
class TrendPoint:
    """Cases of one tenant (or ``*``) whose first final outcome fell into one bucket."""

    tenant: str
    start: datetime
    volume: int
    media_break_free: int

    @property
    def ratio(self) -> float | None:
        """Media-break-free share, 0..1; None without cases."""
        return self.media_break_free / self.volume if self.volume else None


@dataclass(frozen=True)
class Report:
    """Everything ``hub report`` shows, in every format."""

    period: Period
    generated_at: datetime
    bucket: Bucket
    total: Figures
    tenants: tuple[Figures, ...]  # service == ALL, sorted by tenant
    services: tuple[Figures, ...]  # per tenant and service, sorted
    trend: tuple[TrendPoint, ...]  # per tenant and for ALL, by bucket
    cases: tuple[CaseOutcome, ...] = field(repr=False)

    def services_of(self, tenant: str) -> tuple[Figures, ...]:
        """The per-service rows of one tenant."""
        return tuple(f for f in self.services if f.tenant == tenant)


def percentile(values: Sequence[float], p: int) -> float | None:
    """Nearest-rank ``p``-th percentile (0 < p <= 100); None for no values."""
    if not 0 < p <= 100:
        raise ValueError(f"percentile {p} outside 1..100")
    if not values:
        return None
    ordered = sorted(values)
    rank = -(-p * len(ordered) // 100)  # ceil(p * n / 100) in integers: no float rounding
    return ordered[rank - 1]


def _normalised_reasons(event: CaseStatusChanged) -> tuple[str, ...]:
    """Reasons of a first final outcome; a quarantined case's reasons say so."""
    if event.status is CaseStatus.quarantined:
        return tuple(f"quarantined:{r}" for r in event.reasons) or ("quarantined",)
    if event.status is CaseStatus.media_break:
        return tuple(event.reasons) or ("unknown",)
    return ()


def case_outcomes(events: Iterable[CaseStatusChanged]) -> list[CaseOutcome]:
    """Each case that reached a final status, reduced to its first final outcome.

    Order of the input does not matter: the event time decides, and among events
    of equal time a completed one is taken as later (a recovery, never a break).
    """
    received: dict[str, datetime] = {}
    finals: dict[str, list[CaseStatusChanged]] = {}
    tenants: dict[str, str] = {}
    for ev in events:
        case = ev.envelope.case_id
        if not case:
            continue
        if ev.envelope.tenant:
            tenants.setdefault(case, ev.envelope.tenant)
        at = ev.envelope.occurred_at
        if ev.status is CaseStatus.received:
            if case not in received or at < received[case]:
                received[case] = at
        elif ev.status.is_final:
            finals.setdefault(case, []).append(ev)
    out: list[CaseOutcome] = []
    for case, evs in finals.items():
        evs.sort(key=lambda e: (e.envelope.occurred_at, e.status is CaseStatus.completed))
        first = evs[0]
        later_completed = any(e.status is CaseStatus.completed for e in evs[1:])
        out.append(
            CaseOutcome(
                case_id=case,
                tenant=first.envelope.tenant or tenants.get(case, "") or "unknown",
                service=first.service or "unknown",
                status=first.status,
                final_at=first.envelope.occurred_at,
                received_at=received.get(case),
                reasons=_normalised_reasons(first),
                recovered=first.status is not CaseStatus.completed and later_completed,
            )
        )
    return sorted(out, key=lambda c: (c.final_at, c.case_id))


def figures(tenant: str, service: str, cases: Sequence[CaseOutcome]) -> Figures:
    """The KPI of ``cases``, labelled ``tenant`` / ``service``."""
    reasons: Counter[str] = Counter()
    for c in cases:
        reasons.update(set(c.reasons))
    times = [s for c in cases if (s := c.completion_seconds) is not None]
    return Figures(
        tenant=tenant,
        service=service,
        volume=len(cases),
        media_break_free=sum(c.media_break_free for c in cases),
        recovered=sum(c.recovered for c in cases),
        reasons=tuple(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        p50_seconds=percentile(times, 50),
        p95_seconds=percentile(times, 95),
        timed=len(times),
    )


def trend(cases: Sequence[CaseOutcome], bucket: Bucket) -> tuple[TrendPoint, ...]:
    """Volume and media-break-free cases per bucket, per tenant and for all tenants."""
    volume: Counter[tuple[str, datetime]] = Counter()
    free: Counter[tuple[str, datetime]] = Counter()
    for c in cases:
        start = bucket.start(c.final_at)
        for tenant in (c.tenant, ALL):
            volume[(tenant, start)] += 1
            free[(tenant, start)] += c.media_break_free
    return tuple(
        TrendPoint(tenant, start, n, free[(tenant, start)])
        for (tenant, start), n in sorted(volume.items())
    )


def build_report(
    events: Iterable[CaseStatusChanged],
    period: Period,
    *,
    tenant: str | None = None,
    bucket: Bucket | None = None,
    generated_at: datetime | None = None,
) -> Report:
    """The report of ``period`` (optionally one ``tenant`` only) from status events."""
    cases = [
        c
        for c in case_outcomes(events)
        if period.contains(c.final_at) and (tenant is None or c.tenant == tenant)
    ]
    by_tenant: dict[str, list[CaseOutcome]] = {}
    by_service: dict[tuple[str, str], list[CaseOutcome]] = {}
    for c in cases:
        by_tenant.setdefault(c.tenant, []).append(c)
        by_service.setdefault((c.tenant, c.service), []).append(c)
    chosen = bucket or Bucket.for_period(period)
    return Report(
        period=period,
        generated_at=generated_at or datetime.now(UTC),
        bucket=chosen,
        total=figures(tenant or ALL, ALL, cases),
        tenants=tuple(figures(t, ALL, cs) for t, cs in sorted(by_tenant.items())),
        services=tuple(figures(t, s, cs) for (t, s), cs in sorted(by_service.items())),
        trend=trend(cases, chosen),
        cases=tuple(cases),
    )
