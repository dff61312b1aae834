"""Reconciliation: which unfinished cases are sent through the hub again, and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.events.models import (
    CaseRouted,
    CaseStatus,
    DeliveryOutcome,
    DeliveryResult,
    Envelope,
    PlannedDelivery,
)
from hub.tracking.journey import Journey, fold
from hub.tracking.reconcile import RedeliveryPolicy

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
POLICY = RedeliveryPolicy(after_seconds=60, max_interval_seconds=600)


def routed_journey(*, source: bool = True) -> Journey:
    env = Envelope(case_id="c1", tenant="bensheim", correlation_id="c1")
    routed = CaseRouted(
        envelope=env,
        rule="r",
        service="99050012104000",
        deliveries=(
            PlannedDelivery(delivery_id="d1", connector="dms", connector_kind="dms.xdomea"),
        ),
        source_topic="hub.applications.submitted" if source else None,
        source_partition=2,
        source_offset=41,
    )
    journey, _ = fold(None, routed)
    journey.updated_at = T0
    return journey


def test_the_router_s_record_of_the_submission_is_kept_in_the_journey() -> None:
    journey = routed_journey()

    assert ("hub.applications.submitted", 2, 41) == (
        journey.source_topic,
        journey.source_partition,
        journey.source_offset,
    )


@pytest.mark.parametrize(
    ("seconds", "previous", "due"),
    [
        (59, None, False),  # not stalled yet
        (61, None, True),
        (200, (1, T0 + timedelta(seconds=100)), False),  # second time: waits 120 s after the first
        (221, (1, T0 + timedelta(seconds=100)), True),
        (5000, (6, T0 + timedelta(seconds=4400)), True),  # capped at 600 s between times
        (5000, (6, T0 + timedelta(seconds=4500)), False),
    ],
)
def test_an_unfinished_case_is_due_after_its_quiet_time_then_exponentially_less_often(
    seconds: int, previous: tuple[int, datetime] | None, due: bool
) -> None:
    assert due == POLICY.due(routed_journey(), T0 + timedelta(seconds=seconds), previous)


def test_a_final_case_is_never_sent_again() -> None:
    journey = routed_journey()
    outcome = DeliveryOutcome(
        envelope=Envelope(case_id="c1", tenant="bensheim", correlation_id="c1"),
        delivery_id="d1",
        connector="dms",
        connector_kind="dms.xdomea",
        outcome=DeliveryResult.delivered,
        media_break=False,
    )
    journey, _ = fold(journey, outcome)
    journey.updated_at = T0

    assert CaseStatus.completed == journey.status
    assert not POLICY.due(journey, T0 + timedelta(days=1), None)


def test_a_case_whose_submission_position_is_unknown_cannot_be_sent_again() -> None:
    assert not POLICY.due(routed_journey(source=False), T0 + timedelta(days=1), None)
