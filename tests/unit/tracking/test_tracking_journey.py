"""hub.tracking.journey: a case's status as a fold over its events, in any order."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.delivery.state import DeliveryStatus
from hub.events.models import (
    CaseRouted,
    CaseStatus,
    DeliveryOutcome,
    DeliveryResult,
    Envelope,
    Event,
    PlannedDelivery,
    Quarantined,
)
from hub.tracking.journey import Journey, fold
from hub.tracking.view import public_view
from tests.unit.factories import (
    EXAMPLE_STEMS,
    EXPECTED_TENANT,
    load_example,
    personal_strings,
    submitted_event,
)

STEM = "gewerbe-anmelden-bensheim"
RAW = load_example(STEM)
SUBMITTED = submitted_event(RAW, "bensheim")
CASE = SUBMITTED.envelope.case_id


def _env() -> Envelope:
    return SUBMITTED.envelope.follow()


def routed(*connectors: str, reason: str | None = None, kind: str = "dms.xdomea") -> CaseRouted:
    return CaseRouted(
        envelope=_env(),
        rule="fallback" if reason else "everything-to-dms",
        service="99050012104000",
        deliveries=tuple(
            PlannedDelivery(delivery_id=f"d-{c}", connector=c, connector_kind=kind)
            for c in connectors
        ),
        reason=reason,
    )


def outcome(
    connector: str,
    result: DeliveryResult = DeliveryResult.delivered,
    *,
    media_break: bool | None = None,
    reason: str | None = None,
) -> DeliveryOutcome:
    delivered = result is DeliveryResult.delivered
    return DeliveryOutcome(
        envelope=_env(),
        delivery_id=f"d-{connector}",
        connector=connector,
        connector_kind="dms.xdomea",
        outcome=result,
        media_break=(not delivered) if media_break is None else media_break,
        receipt=f"{connector}.zip" if delivered else None,
        reason=reason,
    )


def quarantined(stage: str, reason: str = "no_target") -> Quarantined:
    return Quarantined(
        envelope=_env(),
        stage=stage,
        reason=reason,
        detail="no connector for the case",
        source_topic="hub.applications.submitted",
        original_value=b"\xc3\x01",
    )


def replay(events: Iterable[Event]) -> Journey:
    journey: Journey | None = None
    for event in events:
        journey, _previous = fold(journey, event)
    assert journey is not None
    return journey


def statuses(j: Journey) -> list[CaseStatus]:
    return [s.status for s in j.history]


def test_happy_path_passes_received_routed_delivered_completed() -> None:
    j = replay([SUBMITTED, routed("dms", "mail"), outcome("dms"), outcome("mail")])

    assert [
        CaseStatus.received,
        CaseStatus.routed,
        CaseStatus.delivered,
        CaseStatus.completed,
    ] == statuses(j)
    assert ([], False) == (j.reasons(), public_view(j).mediaBreak)


def test_fold_reports_previous_status_only_when_status_changes() -> None:
    j, first = fold(None, SUBMITTED)
    j, on_route = fold(j, routed("dms", "mail"))
    j, partial = fold(j, outcome("dms"))
    j, repeat = fold(j, outcome("dms"))

    assert (None, CaseStatus.received, CaseStatus.routed, None) == (
        first,
        on_route,
        partial,
        repeat,
    )
    assert CaseStatus.delivered == j.status


def test_partial_delivery_is_delivered_not_completed() -> None:
    j = replay([SUBMITTED, routed("dms", "mail"), outcome("mail")])

    assert CaseStatus.delivered == j.status
    assert {"d-dms": DeliveryStatus.pending, "d-mail": DeliveryStatus.delivered} == {
        k: d.status for k, d in j.deliveries.items()
    }


@pytest.mark.parametrize(
    ("events", "reasons"),
    [
        (
            [routed("dms"), outcome("dms", DeliveryResult.rejected, reason="mapping")],
            ["rejected:mapping"],
        ),
        (
            [routed("dms"), outcome("dms", DeliveryResult.gave_up, reason="unavailable")],
            ["gave_up:unavailable"],
        ),
        (
            [routed("mailbox", kind="manual.mailbox"), outcome("mailbox", media_break=True)],
            ["manual_route"],
        ),
        ([routed("dms", reason="no_route"), outcome("dms")], ["no_route"]),
        (
            [routed("dms", "mail"), outcome("dms"), outcome("mail", DeliveryResult.rejected)],
            ["rejected"],
        ),
    ],
    ids=["rejected", "gave-up", "manual-connector", "no-route-fallback", "one-of-two-rejected"],
)
def test_case_ends_in_media_break_with_reasons(events: list[Event], reasons: list[str]) -> None:
    j = replay([SUBMITTED, *events])

    assert CaseStatus.media_break == j.status
    assert reasons == j.reasons() == j.history[-1].reasons
    assert True is public_view(j).mediaBreak


def test_router_quarantine_makes_case_quarantined() -> None:
    j = replay([SUBMITTED, quarantined("router", "no_target")])

    assert [CaseStatus.received, CaseStatus.quarantined] == statuses(j)
    assert ["no_target"] == j.reasons()


@pytest.mark.parametrize("stage", ["connector", "tracker"])
def test_quarantine_of_later_stage_does_not_change_status(stage: str) -> None:
    j = replay([SUBMITTED, routed("dms"), quarantined(stage)])

    assert CaseStatus.routed == j.status


@pytest.mark.parametrize("late", [DeliveryResult.rejected, DeliveryResult.gave_up])
def test_delivered_outcome_is_not_undone_by_later_failure(late: DeliveryResult) -> None:
    j = replay([SUBMITTED, routed("dms"), outcome("dms"), outcome("dms", late, reason="replayed")])

    assert CaseStatus.completed == j.status
    assert (DeliveryStatus.delivered, "dms.zip") == (
        j.deliveries["d-dms"].status,
        j.deliveries["d-dms"].receipt,
    )


def test_outcome_before_routing_waits_for_the_routing_decision() -> None:
    j = replay([SUBMITTED, outcome("dms")])
    assert CaseStatus.received == j.status

    j = replay([SUBMITTED, outcome("dms"), routed("dms", "mail")])
    assert CaseStatus.delivered == j.status


def test_attempts_add_up_over_outcomes_of_one_delivery() -> None:
    retried = outcome("dms", DeliveryResult.gave_up).model_copy(update={"attempts": 3})

    j = replay([SUBMITTED, routed("dms"), retried, outcome("dms")])

    assert 4 == j.deliveries["d-dms"].attempts


# --- order independence -------------------------------------------------------------------

CONNECTORS = ["dms", "mail", "fv"]


@st.composite
def case_events(draw: st.DrawFn) -> list[Event]:
    """The events one case may produce: submission, routing, outcomes (repeats too), quarantine."""
    planned = draw(st.lists(st.sampled_from(CONNECTORS), min_size=1, max_size=3, unique=True))
    no_route = draw(st.booleans())
    events: list[Event] = [SUBMITTED, routed(*planned, reason="no_route" if no_route else None)]
    # whether a connector is manual is a property of its kind, the same for all its outcomes
    manual = {c: draw(st.booleans()) for c in planned}
    for connector in draw(st.lists(st.sampled_from(planned), max_size=5)):
        result = draw(st.sampled_from(DeliveryResult))
        delivered = result is DeliveryResult.delivered
        events.append(outcome(connector, result, media_break=manual[connector] or not delivered))
    if draw(st.booleans()):
        events.append(quarantined(draw(st.sampled_from(["router", "connector"]))))
    return events


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_order_of_the_same_events_gives_the_same_final_status(data: st.DataObject) -> None:
    events = data.draw(case_events())
    shuffled = data.draw(st.permutations(events))

    assert replay(events).status == replay(shuffled).status


# --- no personal data ---------------------------------------------------------------------


@pytest.mark.parametrize("stem", EXAMPLE_STEMS)
def test_journey_and_public_view_contain_no_applicant_data(stem: str) -> None:
    raw = load_example(stem)
    submitted = submitted_event(raw, EXPECTED_TENANT[stem])
    env = submitted.envelope.follow()
    events: list[Event] = [
        submitted,
        CaseRouted(
            envelope=env,
            rule="everything-to-dms",
            service=raw["service"]["leikaId"],
            deliveries=(
                PlannedDelivery(delivery_id="d-1", connector="dms", connector_kind="dms.xdomea"),
            ),
        ),
        DeliveryOutcome(
            envelope=env,
            delivery_id="d-1",
            connector="dms",
            connector_kind="dms.xdomea",
            outcome=DeliveryResult.delivered,
            media_break=False,
            receipt="d-1_0601.zip",
        ),
    ]
    j = replay(events)

    shown = public_view(j).model_dump_json() + j.model_dump_json()

    assert CaseStatus.completed == j.status
    assert [] == [s for s in personal_strings(raw) if s in shown]
