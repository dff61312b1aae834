"""hub.reporting.status: the operators' overview from fake inputs, no broker."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest

from hub.events.models import DeliveryOutcome, DeliveryResult, Envelope, Quarantined
from hub.metrics import HubMetrics
from hub.recovery.deadletters import Entry
from hub.reporting.status import (
    ConnectorInstance,
    GroupLag,
    RoleProbe,
    build_status,
    choose_lag,
    instances_from_topics,
    parked_from_metrics,
)
from hub.reporting.status_render import status_json, status_table

T = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DMS = ConnectorInstance("bensheim", "dms", "dms.xdomea", "hub.deliveries.bensheim.dms")
REST = ConnectorInstance("bensheim", "gewerbe", "procedure.rest", "hub.deliveries.bensheim.gewerbe")


def metrics_text(parked: dict[tuple[str, str], int]) -> str:
    """What a stage role's /metrics really serves (prometheus_client's own exposition)."""
    m = HubMetrics(CollectorRegistry())
    for (tenant, connector), value in parked.items():
        m.connector_parked.labels(tenant, connector).set(value)
    m.cases_received.labels("application", "bensheim", "99050012104000").inc()
    return generate_latest(m.registry).decode()


def outcome(
    connector: str, at: datetime, result: DeliveryResult, reason: str | None = None
) -> DeliveryOutcome:
    return DeliveryOutcome(
        envelope=Envelope(case_id="c", tenant="bensheim", occurred_at=at, correlation_id="c"),
        delivery_id=f"d-{connector}-{at.timestamp()}",
        connector=connector,
        connector_kind="dms.xdomea",
        outcome=result,
        media_break=result is not DeliveryResult.delivered,
        reason=reason,
    )


def entry(topic: str, connector: str | None, replayed: int) -> Entry:
    record = Quarantined(
        envelope=Envelope(case_id="c", tenant="bensheim", correlation_id="c"),
        stage="connector" if connector else "router",
        reason="gave_up",
        detail="",
        connector=connector,
        source_topic="hub.deliveries.bensheim.gewerbe",
        original_value=b"x",
    )
    return Entry(topic, record, replayed)


def test_parked_gauge_is_read_from_the_prometheus_exposition() -> None:
    text = metrics_text({("bensheim", "gewerbe"): 1, ("bensheim", "dms"): 0})

    assert {("bensheim", "gewerbe"): True, ("bensheim", "dms"): False} == parked_from_metrics(text)


def test_group_with_commits_answers_and_the_smaller_lag_wins_between_two() -> None:
    assert (3, "hub") == choose_lag([GroupLag("hub", 3, True), GroupLag("hub-connector", 9, False)])
    assert (1, "hub-connector") == choose_lag(
        [GroupLag("hub", 40, True), GroupLag("hub-connector", 1, True)]
    )
    assert (7, None) == choose_lag([GroupLag("hub", 7, False), GroupLag("hub-connector", 7, False)])
    assert (None, None) == choose_lag([])


def test_status_combines_parked_lag_dead_letters_and_last_delivery() -> None:
    probes = [
        RoleProbe("intake", "http://127.0.0.1:8080", None, "connection refused", None),
        RoleProbe(
            "stages",
            "http://127.0.0.1:6066",
            True,
            '{"assigned_partitions": 8}',
            metrics_text({("bensheim", "gewerbe"): 1}),
        ),
    ]
    entries = [
        entry("hub.deadletter", "gewerbe", 0),
        entry("hub.deadletter", "gewerbe", 0),
        entry("hub.deadletter", "gewerbe", 2),  # replayed: no longer counted
        entry("hub.quarantine", None, 0),
    ]
    outcomes = [
        outcome("gewerbe", T, DeliveryResult.delivered),
        outcome("gewerbe", T + timedelta(minutes=5), DeliveryResult.gave_up, "timeout"),
        outcome("dms", T - timedelta(hours=1), DeliveryResult.delivered),
    ]
    lags = {
        DMS.topic: [GroupLag("hub", 0, True), GroupLag("hub-connector", 12, False)],
        REST.topic: [GroupLag("hub", 5, True), GroupLag("hub-connector", 5, False)],
    }

    status = build_status([REST, DMS], lags, entries, outcomes, probes, generated_at=T)

    dms, rest = status.connectors
    assert ("dms", "flowing", 0, "hub", 0) == (
        dms.connector,
        dms.state,
        dms.lag,
        dms.group,
        dms.dead_letters,
    )
    assert ("gewerbe", "parked", 5, 2) == (rest.connector, rest.state, rest.lag, rest.dead_letters)
    assert (T + timedelta(minutes=5), "gave_up", "timeout") == (
        rest.last_delivery_at,
        rest.last_outcome,
        rest.last_reason,
    )
    assert ["unreachable", "ready"] == [r.state for r in status.roles]
    assert 1 == status.quarantine_pending
    assert not status.healthy


def test_state_is_unknown_when_no_stage_role_answered() -> None:
    probes = [RoleProbe("stages", "http://127.0.0.1:6066", None, "connection refused", None)]

    status = build_status([DMS], {}, [], [], probes)

    assert "unknown" == status.connectors[0].state
    assert status.connectors[0].lag is None


def test_intake_metrics_never_decide_parked() -> None:
    probes = [RoleProbe("intake", "http://x", True, "", metrics_text({("bensheim", "dms"): 1}))]

    assert "unknown" == build_status([DMS], {}, [], [], probes).connectors[0].state


def test_instances_come_from_delivery_topics_and_the_configuration() -> None:
    topics = [
        "hub.deliveries.bensheim.dms",
        "hub.deliveries.outcomes",
        "hub.applications.status",
        "other.deliveries.mrn.dms",
    ]
    kinds = {("bensheim", "dms"): "dms.xdomea", ("mrn", "dms"): "dms.xdomea"}

    found = sorted(instances_from_topics(topics, "hub", kinds), key=lambda i: i.tenant)

    assert [DMS, ConnectorInstance("mrn", "dms", "dms.xdomea", "hub.deliveries.mrn.dms")] == found


def test_table_and_json_show_every_instance_and_role() -> None:
    probes = [RoleProbe("stages", "http://127.0.0.1:6066", False, '{"assigned_partitions": 0}', "")]
    status = build_status([DMS, REST], {DMS.topic: [GroupLag("hub", 4, True)]}, [], [], probes)

    text = status_table(status)
    doc = json.loads(status_json(status))

    header = text.splitlines()[0].split()
    assert ["tenant", "connector", "kind", "state", "lag"] == header[:5]
    assert "not ready" in text
    assert "quarantine: 0 entries not replayed" in text
    assert [4, None] == [c["lag"] for c in doc["connectors"]]
    assert {"format_version": 1, "healthy": False} == {
        k: doc[k] for k in ("format_version", "healthy")
    }
