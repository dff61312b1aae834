"""hub.metrics and the gauges of hub.runtime.observe: label sets, bounded services, one exposition."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from hub.config import HubConfig
from hub.config.portals import Callback
from hub.context import StageContext
from hub.events.codec import SingleObjectCodec
from hub.events.topics import Topics
from hub.kafka.lag import PartitionLag, TopicLag, by_topic
from hub.kafka.progress import ProgressMonitor
from hub.metrics import MEDIA_BREAK_REASONS, HubMetrics, tenant_services
from hub.runtime.health import stage_ready
from hub.runtime.observe import refresh_depth, refresh_lag
from hub.runtime.worker import intake_deps as worker_intake_deps
from hub.settings import HubSettings
from hub.storage.blobs import LocalBlobStore
from hub.tracking.agent import observe
from hub.tracking.step import Completed
from tests.unit.factories import body_of, intake_client, intake_deps, load_example, signed

GEWERBE = "99050012104000"
UNKNOWN_SERVICE = "99999999999999"  # 14 digits, named by no rule: Bensheim routes it by "*"


def fresh() -> HubMetrics:
    return HubMetrics(CollectorRegistry())


def value(m: HubMetrics, name: str, **labels: str) -> float | None:
    return m.registry.get_sample_value(name, labels)


def test_tracker_prepares_a_zero_series_per_tenant_and_service_and_media_break_reason(
    hub_config: HubConfig,
) -> None:
    m = fresh().prepare(hub_config, ["tracker"])
    expected = [(t.id, s) for t in hub_config.tenants.values() for s in tenant_services(t)]
    assert ("bensheim", GEWERBE) in expected and ("bensheim", "other") in expected
    assert ("bensheim", "xrechnung") in expected and ("mrn", "xrechnung") not in expected
    for tenant, service in expected:
        labels = {"tenant": tenant, "service": service}
        assert 0.0 == value(
            m, "hub_cases_completed_total", **labels, media_break="false", reason="none"
        )
        for reason in MEDIA_BREAK_REASONS:
            assert 0.0 == value(
                m, "hub_cases_completed_total", **labels, media_break="true", reason=reason
            )
        assert 0.0 == value(m, "hub_cases_recovered_total", **labels)
    # a tracker does not pretend to be intake or a connector
    assert (
        value(m, "hub_cases_received_total", kind="application", tenant="bensheim", service=GEWERBE)
        is None
    )
    assert 0.0 == value(m, "hub_role_ready", role="tracker")


def test_intake_prepares_received_cases_and_invoice_outcomes_per_leitweg_prefix(
    hub_config: HubConfig,
) -> None:
    m = fresh().prepare(hub_config, ["intake"])
    assert 0.0 == value(
        m, "hub_cases_received_total", kind="application", tenant="bensheim", service=GEWERBE
    )
    assert 0.0 == value(
        m, "hub_cases_received_total", kind="invoice", tenant="bensheim", service="xrechnung"
    )
    for t in hub_config.tenants.values():
        for prefix in t.leitweg_ids:
            for outcome in ("valid", "invalid"):
                assert 0.0 == value(
                    m,
                    "hub_invoices_validated_total",
                    tenant=t.id,
                    leitweg_prefix=prefix,
                    outcome=outcome,
                )
    assert any(t.leitweg_ids for t in hub_config.tenants.values())


def test_connector_process_prepares_only_its_own_instances(hub_config: HubConfig) -> None:
    m = fresh().prepare(hub_config, ["connector"], [("bensheim", "gewerbe")])
    kind = hub_config.tenants["bensheim"].connectors["gewerbe"].kind
    for outcome in ("delivered", "rejected", "gave_up"):
        assert 0.0 == value(
            m,
            "hub_deliveries_total",
            tenant="bensheim",
            connector="gewerbe",
            kind=kind,
            outcome=outcome,
        )
    assert 0.0 == value(m, "hub_connector_parked", tenant="bensheim", connector="gewerbe")
    assert value(m, "hub_connector_parked", tenant="bensheim", connector="dms") is None


def test_notifier_prepares_callbacks_of_portals_with_a_callback_only(hub_config: HubConfig) -> None:
    with_callback = hub_config.portals["civento-hessen"].model_copy(
        update={"callback": Callback(url="http://127.0.0.1:1/cb")}
    )
    config = replace(hub_config, portals={**hub_config.portals, "civento-hessen": with_callback})
    m = fresh().prepare(config, ["notifier"])
    for outcome in ("delivered", "gave_up"):
        assert 0.0 == value(m, "hub_callbacks_total", portal="civento-hessen", outcome=outcome)
    assert value(m, "hub_callbacks_total", portal="erechnung-gateway", outcome="delivered") is None


def test_service_label_is_other_for_services_no_rule_names(hub_config: HubConfig) -> None:
    m = fresh()
    assert "other" == m.service_label(GEWERBE)  # not bound to a configuration yet: nothing passes
    m.prepare(hub_config, [])
    assert (GEWERBE, "xrechnung", "other") == (
        m.service_label(GEWERBE),
        m.service_label("xrechnung"),
        m.service_label(UNKNOWN_SERVICE),
    )


async def test_star_routed_unknown_service_is_counted_as_other_at_intake(
    tmp_path: Path, hub_config: HubConfig, portal_env: dict[str, str]
) -> None:
    raw = load_example("gewerbe-anmelden-bensheim")
    raw["service"]["leikaId"] = UNKNOWN_SERVICE
    deps = intake_deps(tmp_path, hub_config)
    body = body_of(raw)
    async with intake_client(deps) as client:
        resp = await client.post(
            "/v1/applications", data=body, headers=signed(body, portal_env["civento-hessen"])
        )
        assert 202 == resp.status, await resp.text()
        text = (await (await client.get("/metrics")).read()).decode()
    labels = {"kind": "application", "tenant": "bensheim"}
    assert 1.0 == value(deps.metrics, "hub_cases_received_total", **labels, service="other")
    assert UNKNOWN_SERVICE not in text


def stage_context(tmp_path: Path, config: HubConfig, metrics: HubMetrics) -> StageContext:
    return StageContext(
        settings=HubSettings(),
        config=config,
        topics=Topics(),
        codec=SingleObjectCodec(),
        blobs=LocalBlobStore(tmp_path),
        metrics=metrics,
        progress=ProgressMonitor(stall_seconds=300),
    )


def test_star_routed_unknown_service_is_counted_as_other_by_the_tracker(
    tmp_path: Path, hub_config: HubConfig
) -> None:
    m = fresh().prepare(hub_config, ["tracker"])
    ctx = stage_context(tmp_path, hub_config, m)
    observe(ctx, Completed("bensheim", UNKNOWN_SERVICE, False, "none"))
    labels = {"tenant": "bensheim", "media_break": "false", "reason": "none"}
    assert 1.0 == value(m, "hub_cases_completed_total", **labels, service="other")
    assert UNKNOWN_SERVICE not in generate_latest(m.registry).decode()


def test_intake_in_a_process_with_stage_roles_serves_no_metrics_of_its_own(
    tmp_path: Path, hub_config: HubConfig
) -> None:
    """``hub run``: one registry, exposed once, on the stage roles' web port."""
    settings = HubSettings(blob_dir=tmp_path / "b", data_dir=tmp_path / "d")
    deps = worker_intake_deps(settings, hub_config, fresh(), serve_metrics=False)

    async def get(path: str) -> int:
        async with intake_client(deps) as client:
            return (await client.get(path)).status

    try:
        assert (404, 200) == (asyncio.run(get("/metrics")), asyncio.run(get("/healthz")))
    finally:
        deps.producer.close()


def test_topic_lag_sums_messages_and_takes_the_oldest_age() -> None:
    now = 1_000.0
    partitions = {
        ("t.a", 0): PartitionLag(3, 940.0),
        ("t.a", 1): PartitionLag(2, 990.0),
        ("t.a", 2): PartitionLag(0, None),
        ("t.b", 0): PartitionLag(0, 100.0),  # no backlog: its message's age does not count
        ("t.c", 0): PartitionLag(4, None),  # no timestamp on the message
    }
    assert {
        "t.a": TopicLag(5, 60.0),
        "t.b": TopicLag(0, 0.0),
        "t.c": TopicLag(4, 0.0),
    } == by_topic(partitions, now)


def test_lag_and_depth_refresh_set_their_gauges() -> None:
    m, topics = fresh(), Topics("p")
    refresh_lag(m, "hub", {"p.deliveries.x": TopicLag(7, 42.5)})
    refresh_depth(m, topics, {topics.deadletter: 2, topics.quarantine: 1})
    labels = {"group": "hub", "topic": "p.deliveries.x"}
    assert (7.0, 42.5, 2.0, 1.0) == (
        value(m, "hub_consumer_lag_messages", **labels),
        value(m, "hub_consumer_lag_seconds", **labels),
        value(m, "hub_dead_letter_depth"),
        value(m, "hub_quarantine_depth"),
    )


class FakeConsumer:
    def __init__(self, assigned: int, fail: bool = False) -> None:
        self.assigned, self.fail = assigned, fail

    def assignment(self) -> set[Any]:
        if self.fail:
            raise RuntimeError("consumer not started")
        return set(range(self.assigned))


class FakeApp:
    def __init__(self, consumer: FakeConsumer, rebalancing: bool = False) -> None:
        self.consumer, self.rebalancing = consumer, rebalancing


@pytest.mark.parametrize(
    ("app", "expected"),
    [
        (FakeApp(FakeConsumer(2)), (True, 2)),
        (FakeApp(FakeConsumer(2), rebalancing=True), (False, 2)),
        (FakeApp(FakeConsumer(0)), (False, 0)),
        (FakeApp(FakeConsumer(3, fail=True)), (False, 0)),
    ],
)
def test_stage_readiness_needs_an_assignment_outside_a_rebalance(
    app: FakeApp, expected: tuple[bool, int]
) -> None:
    assert expected == stage_ready(app)  # type: ignore[arg-type]
