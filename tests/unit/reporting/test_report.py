"""hub.reporting.report: first final outcome per case, in any order, with duplicates and replays."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.events.models import CaseStatus, CaseStatusChanged, Envelope
from hub.reporting.period import Bucket, Period
from hub.reporting.report import ALL, build_report, case_outcomes, percentile

from .synthetic import END, generate

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PERIOD = Period(T0, T0 + timedelta(days=30))


def status(
    case: str,
    st_: CaseStatus,
    at: datetime,
    *,
    tenant: str = "bensheim",
    service: str = "99050012104000",
    reasons: tuple[str, ...] = (),
    event_id: str | None = None,
) -> CaseStatusChanged:
    env = Envelope(case_id=case, tenant=tenant, occurred_at=at, correlation_id=case)
    if event_id:
        env = env.model_copy(update={"event_id": event_id})
    return CaseStatusChanged(envelope=env, status=st_, service=service, reasons=reasons)


def brute_percentile(values: list[float], p: int) -> float | None:
    """The smallest value such that at least p % of the values are not greater."""
    if not values:
        return None
    return min(v for v in values if 100 * sum(x <= v for x in values) >= p * len(values))


@given(st.lists(st.floats(0, 1e6, allow_nan=False), max_size=60), st.integers(1, 100))
def test_percentile_matches_the_brute_force_definition(values: list[float], p: int) -> None:
    assert brute_percentile(values, p) == percentile(values, p)


def test_percentile_rejects_a_rank_outside_1_to_100() -> None:
    with pytest.raises(ValueError, match="outside"):
        percentile([1.0], 0)


@dataclass(frozen=True)
class Spec:
    """One generated case: what really happened to it, from which the expected KPI follows."""

    tenant: str
    service: str
    received: float | None  # hours after T0, None when the received event is gone
    first: CaseStatus
    first_after: float  # hours from received (or from T0 + 1 h) to the first final status
    recovered_after: float | None  # hours after the first outcome to a completion by replay
    duplicates: tuple[tuple[int, float], ...]  # (index of the event to repeat, hours later)

    def first_at(self) -> datetime:
        return T0 + timedelta(hours=(self.received or 1.0) + self.first_after)

    def events(self, case: str) -> list[CaseStatusChanged]:
        out: list[CaseStatusChanged] = []
        kw = {"tenant": self.tenant, "service": self.service}
        if self.received is not None:
            out.append(status(case, CaseStatus.received, T0 + timedelta(hours=self.received), **kw))
        reasons = () if self.first is CaseStatus.completed else ("manual_route",)
        out.append(status(case, self.first, self.first_at(), reasons=reasons, **kw))
        if self.recovered_after is not None:
            later = self.first_at() + timedelta(hours=self.recovered_after)
            out.append(status(case, CaseStatus.completed, later, **kw))
        for n, (index, hours) in enumerate(self.duplicates):
            original = out[index % len(out)]
            env = original.envelope.model_copy(
                update={
                    "event_id": f"{case}-dup-{n}",
                    "occurred_at": original.envelope.occurred_at + timedelta(hours=hours),
                }
            )
            out.append(original.model_copy(update={"envelope": env}))
        return out


specs = st.builds(
    Spec,
    tenant=st.sampled_from(["bensheim", "viernheim", "mrn"]),
    service=st.sampled_from(["99050012104000", "99115005104000", "xrechnung"]),
    received=st.one_of(st.none(), st.floats(-48, 800, allow_nan=False)),
    first=st.sampled_from(list(CaseStatus.__members__.values())[3:]),  # the final ones
    first_after=st.floats(0.001, 30, allow_nan=False),
    recovered_after=st.one_of(st.none(), st.floats(0.01, 100, allow_nan=False)),
    duplicates=st.lists(
        st.tuples(st.integers(0, 5), st.floats(0, 5, allow_nan=False)), max_size=3
    ).map(tuple),
).filter(lambda s: s.first is not CaseStatus.completed or s.recovered_after is None)


@settings(max_examples=150, deadline=None)
@given(st.lists(specs, max_size=25), st.randoms(use_true_random=False))
def test_kpi_counts_each_case_once_by_its_first_final_outcome(
    cases: list[Spec], rnd: random.Random
) -> None:
    events = [e for i, spec in enumerate(cases) for e in spec.events(f"case-{i}")]
    rnd.shuffle(events)

    report = build_report(events, PERIOD)

    counted = [s for s in cases if PERIOD.contains(s.first_at())]
    assert len(counted) == report.total.volume
    assert sum(s.first is CaseStatus.completed for s in counted) == report.total.media_break_free
    assert (
        sum(s.recovered_after is not None and s.first is not CaseStatus.completed for s in counted)
        == report.total.recovered
    )
    assert report.total.volume == sum(t.volume for t in report.tenants)
    assert report.total.volume == sum(s.volume for s in report.services)
    assert report.total.volume == sum(p.volume for p in report.trend if p.tenant == ALL)
    times = [
        max(0.0, (s.first_at() - (T0 + timedelta(hours=s.received))).total_seconds())
        for s in counted
        if s.received is not None
    ]
    assert brute_percentile(times, 50) == pytest.approx(report.total.p50_seconds)
    assert brute_percentile(times, 95) == pytest.approx(report.total.p95_seconds)
    assert len(times) == report.total.timed


@settings(max_examples=60, deadline=None)
@given(st.lists(specs, min_size=1, max_size=15), st.randoms(use_true_random=False))
def test_report_does_not_depend_on_the_order_of_events(
    cases: list[Spec], rnd: random.Random
) -> None:
    events = [e for i, spec in enumerate(cases) for e in spec.events(f"case-{i}")]
    shuffled = list(events)
    rnd.shuffle(shuffled)
    now = T0 + timedelta(days=40)

    a = build_report(events, PERIOD, generated_at=now)
    b = build_report(shuffled, PERIOD, generated_at=now)

    assert (a.total, a.tenants, a.services, a.trend) == (b.total, b.tenants, b.services, b.trend)


def test_replay_from_media_break_to_completed_is_recovered_not_media_break_free() -> None:
    at = T0 + timedelta(days=1)
    events = [
        status("c1", CaseStatus.received, at),
        status(
            "c1", CaseStatus.media_break, at + timedelta(seconds=5), reasons=("gave_up:timeout",)
        ),
        status("c1", CaseStatus.completed, at + timedelta(hours=30)),
        status("c1", CaseStatus.completed, at + timedelta(hours=30, seconds=1), event_id="again"),
    ]

    report = build_report(events, PERIOD)

    assert (1, 0, 1) == (report.total.volume, report.total.media_break_free, report.total.recovered)
    assert (("gave_up:timeout", 1),) == report.total.reasons
    assert 5.0 == report.total.p50_seconds


def test_quarantined_case_reasons_say_quarantined() -> None:
    at = T0 + timedelta(days=2)
    events = [status("q", CaseStatus.quarantined, at, reasons=("unknown_authority",))]

    (case,) = case_outcomes(events)

    assert ("quarantined:unknown_authority",) == case.reasons
    assert not case.media_break_free
    assert case.completion_seconds is None


def test_case_is_counted_in_the_period_of_its_first_final_outcome_only() -> None:
    before = PERIOD.since - timedelta(minutes=1)
    events = [
        status("old", CaseStatus.media_break, before, reasons=("manual_route",)),
        status("old", CaseStatus.completed, PERIOD.since + timedelta(days=1)),
        status("new", CaseStatus.completed, PERIOD.until - timedelta(seconds=1)),
        status("next", CaseStatus.completed, PERIOD.until),
    ]

    report = build_report(events, PERIOD)

    assert ["new"] == [c.case_id for c in report.cases]


def test_tenant_filter_keeps_only_that_tenants_cases() -> None:
    at = T0 + timedelta(days=3)
    events = [
        status("a", CaseStatus.completed, at, tenant="bensheim"),
        status("b", CaseStatus.media_break, at, tenant="mrn", reasons=("no_route",)),
    ]

    report = build_report(events, PERIOD, tenant="mrn")

    assert ("mrn",) == tuple(t.tenant for t in report.tenants)
    assert (1, 0) == (report.total.volume, report.total.media_break_free)


def test_weekly_buckets_start_on_monday_and_daily_ones_at_midnight() -> None:
    thursday = datetime(2026, 1, 8, 15, 30, tzinfo=UTC)

    assert datetime(2026, 1, 5, tzinfo=UTC) == Bucket.week.start(thursday)
    assert datetime(2026, 1, 8, tzinfo=UTC) == Bucket.day.start(thursday)
    assert Bucket.week is Bucket.for_period(PERIOD)
    assert Bucket.day is Bucket.for_period(Period(T0, T0 + timedelta(days=7)))


def test_synthetic_data_set_report_is_consistent() -> None:
    events = generate()
    report = build_report(events, Period(END - timedelta(days=60), END))

    assert 420 == report.total.volume  # every generated case ended within the 60 days
    assert 4 == len(report.tenants)
    assert 0 < report.total.recovered < report.total.media_breaks
    assert report.total.p50_seconds is not None
    assert report.total.p95_seconds is not None
    assert report.total.p50_seconds <= report.total.p95_seconds
