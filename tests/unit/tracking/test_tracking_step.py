"""hub.tracking.step: the tracker's step, over any order of events, duplicates and replays.

The properties the KPI rests on: every case gets exactly one KPI outcome (its first final
status), a later digital completion after a replay counts once as recovered, status events
are numbered 1..n without a gap, and repeats of events change nothing.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.events.models import (
    CaseRouted,
    CaseStatus,
    DeliveryOutcome,
    DeliveryResult,
    Event,
    PlannedDelivery,
    Quarantined,
)
from hub.tracking.journey import Journey
from hub.tracking.step import Completed, Latency, Recovered, Tracked, track
from tests.unit.factories import load_example, submitted_event

SUBMITTED = submitted_event(load_example("gewerbe-anmelden-bensheim"), "bensheim")
CASE = SUBMITTED.envelope.case_id
T0 = SUBMITTED.envelope.occurred_at


def at(seconds: float) -> object:
    return SUBMITTED.envelope.model_copy(update={"occurred_at": T0 + timedelta(seconds=seconds)})


def routed(*connectors: str, seconds: float = 1.0) -> CaseRouted:
    return CaseRouted(
        envelope=at(seconds),  # type: ignore[arg-type]
        rule="gewerbe",
        service="99050012104000",
        deliveries=tuple(
            PlannedDelivery(delivery_id=f"d-{c}", connector=c, connector_kind="dms.xdomea")
            for c in connectors
        ),
        source_topic="hub.applications.submitted",
        source_partition=2,
        source_offset=7,
    )


def ended(connector: str, result: DeliveryResult, seconds: float = 2.0) -> DeliveryOutcome:
    delivered = result is DeliveryResult.delivered
    return DeliveryOutcome(
        envelope=at(seconds),  # type: ignore[arg-type]
        delivery_id=f"d-{connector}",
        connector=connector,
        connector_kind="dms.xdomea",
        outcome=result,
        media_break=not delivered,
        receipt=f"AZ-{connector}" if delivered else None,
        reason=None if delivered else "http_422",
    )


def quarantined(seconds: float = 1.0) -> Quarantined:
    return Quarantined(
        envelope=at(seconds),  # type: ignore[arg-type]
        stage="router",
        reason="no_route",
        detail="no rule",
        source_topic="hub.applications.submitted",
        original_value=b"\xc3\x01",
    )


def run(events: list[Event]) -> tuple[Journey, list[Tracked]]:
    journey: Journey | None = None
    steps = []
    for event in events:
        step = track(journey, event)
        steps.append(step)
        journey = step.journey
    assert journey is not None
    return journey, steps


def kpi(steps: list[Tracked]) -> list[object]:
    return [o for s in steps for o in s.observations if not isinstance(o, Latency)]


def sequences(steps: list[Tracked]) -> list[int]:
    return [e.sequence for s in steps for e in s.status_events]


def test_status_change_carries_portal_sequence_and_back_office_references() -> None:
    journey, steps = run(
        [SUBMITTED, routed("gewerbe", "dms"), ended("gewerbe", DeliveryResult.delivered)]
    )

    last = steps[-1].status_events[0]
    assert (CaseStatus.delivered, 3, "civento-hessen") == (last.status, last.sequence, last.portal)
    assert [("gewerbe", "AZ-gewerbe")] == [(r.connector, r.reference) for r in last.references]
    assert ("hub.applications.submitted", 2, 7) == (
        journey.source_topic, journey.source_partition, journey.source_offset,
    )  # fmt: skip


def test_a_case_is_counted_once_with_its_first_final_outcome_and_latency() -> None:
    _, steps = run([SUBMITTED, routed("dms"), ended("dms", DeliveryResult.delivered)])

    observed = [o for s in steps for o in s.observations]
    assert [Completed("bensheim", "99050012104000", False, "none")] == kpi(steps)
    assert 1 == sum(isinstance(o, Latency) for o in observed)


def test_media_break_then_replayed_delivery_counts_once_and_recovers_once() -> None:
    first = [SUBMITTED, routed("dms"), ended("dms", DeliveryResult.rejected)]
    replay = [ended("dms", DeliveryResult.delivered, seconds=50)]

    journey, steps = run([*first, *replay, *replay])

    assert CaseStatus.completed == journey.status
    assert [
        Completed("bensheim", "99050012104000", True, "rejected"),
        Recovered("bensheim", "99050012104000"),
    ] == kpi(steps)


def test_replayed_quarantined_case_moves_on_and_is_recovered() -> None:
    journey, steps = run(
        [
            SUBMITTED,
            quarantined(seconds=1),
            routed("dms", seconds=60),
            ended("dms", DeliveryResult.delivered, 61),
        ]
    )

    assert [
        CaseStatus.received,
        CaseStatus.quarantined,
        CaseStatus.routed,
        CaseStatus.completed,
    ] == [s.status for s in journey.history]
    assert [
        Completed("bensheim", "99050012104000", True, "no_route"),
        Recovered("bensheim", "99050012104000"),
    ] == kpi(steps)


def test_a_quarantine_older_than_the_routing_decision_does_not_pull_the_case_back() -> None:
    journey, _ = run([SUBMITTED, routed("dms", seconds=60), quarantined(seconds=1)])

    assert CaseStatus.routed == journey.status


EVENTS = [
    SUBMITTED,
    routed("gewerbe", "dms"),
    ended("gewerbe", DeliveryResult.delivered),
    ended("dms", DeliveryResult.delivered),
]


@settings(max_examples=300, deadline=None)
@given(st.permutations(EVENTS), st.lists(st.sampled_from(EVENTS), max_size=6))
def test_any_order_and_any_duplicates_end_completed_with_one_kpi_outcome(
    order: list[Event], repeats: list[Event]
) -> None:
    journey, steps = run([*order, *repeats])

    assert CaseStatus.completed == journey.status
    assert [Completed("bensheim", "99050012104000", False, "none")] == kpi(steps)
    numbers = sequences(steps)
    assert list(range(1, len(numbers) + 1)) == numbers  # 1..n, no gap, no repeat


@settings(max_examples=200, deadline=None)
@given(
    st.permutations([SUBMITTED, routed("dms"), ended("dms", DeliveryResult.gave_up)]),
    st.integers(min_value=0, max_value=3),
)
def test_replays_after_a_give_up_recover_once_whatever_came_first(
    order: list[Event], replays: int
) -> None:
    later = ended("dms", DeliveryResult.delivered, seconds=100)

    journey, steps = run([*order, *[later] * replays])

    outcomes = kpi(steps)
    assert Completed("bensheim", "99050012104000", True, "gave_up") == outcomes[0]
    assert (1 if replays else 0) == sum(isinstance(o, Recovered) for o in outcomes)
    assert (CaseStatus.completed if replays else CaseStatus.media_break) == journey.status


def test_a_completed_case_is_never_counted_as_recovered() -> None:
    # a late failure of a delivery nobody planned, then its successful replay
    late = [
        ended("extra", DeliveryResult.rejected, 90),
        ended("extra", DeliveryResult.delivered, 95),
    ]

    _, steps = run([SUBMITTED, routed("dms"), ended("dms", DeliveryResult.delivered), *late])

    assert not any(isinstance(o, Recovered) for o in kpi(steps))


def test_the_portal_is_known_from_the_routing_decision_when_it_comes_first() -> None:
    first = routed("dms").model_copy(update={"portal": "civento-hessen"})

    _, steps = run([first, ended("dms", DeliveryResult.delivered)])

    assert {"civento-hessen"} == {e.portal for s in steps for e in s.status_events}
