"""The faust app of the stage roles: router, connectors, tracker.

Each role is a thin loop around a pure function (``routing.rules.route``,
``delivery.runner.DeliveryRunner``, ``tracking.journey.fold``): decode, call,
write. Agents run with concurrency 1 so an offset is committed only after its
message was handled and what it produced was flushed (faust flushes its
producer before every commit).
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import faust
import structlog
from faust.exceptions import SameNode
from faust.web.exceptions import ServiceUnavailable
from prometheus_client import generate_latest

from hub.config import HubConfig
from hub.config.tenants import Tenant
from hub.delivery.connector import Connector, build_connector
from hub.delivery.runner import DeliveryRunner, DeliveryState, RetryPolicy
from hub.events.codec import CodecError, EventCodec
from hub.events.models import (
    FINAL_STATUSES,
    INVOICE_SERVICE,
    ApplicationSubmitted,
    CaseRouted,
    CaseStatusChanged,
    DeliveryRequested,
    Envelope,
    Event,
    InvoiceReceived,
    Quarantined,
    utc_now,
)
from hub.events.topics import Topics
from hub.kafka.config import KafkaConnection
from hub.metrics import HubMetrics
from hub.routing.leitweg import LeitwegError, parse_leitweg_id
from hub.routing.rules import (
    ResponsibilityError,
    RoutingDecision,
    responsible_tenant,
    route,
    route_invoice,
    tenant_for_leitweg_id,
)
from hub.runtime.health import BrokerLag, ProgressMonitor
from hub.settings import HubSettings
from hub.storage.blobs import BlobStore
from hub.tracking.journey import Journey, fold
from hub.tracking.reconcile import RedeliveryPolicy, SourceReader
from hub.tracking.view import public_view

log = structlog.get_logger("hub.runtime")


class Role(StrEnum):
    """A stage that can run alone or together with the others."""

    intake = "intake"
    router = "router"
    connector = "connector"
    tracker = "tracker"


STAGE_ROLES = (Role.router, Role.connector, Role.tracker)


@dataclass
class Stages:
    """Collaborators shared by the agents of one process."""

    settings: HubSettings
    config: HubConfig
    topics: Topics
    codec: EventCodec
    blobs: BlobStore
    metrics: HubMetrics
    progress: ProgressMonitor

    @property
    def kafka(self) -> KafkaConnection:
        """How this process reaches the broker."""
        return KafkaConnection.from_settings(self.settings)


_TOPICS: weakref.WeakKeyDictionary[faust.App, dict[tuple[str, ...], Any]] = (
    weakref.WeakKeyDictionary()
)


def _raw_topic(app: faust.App, *names: str) -> Any:
    """A raw-bytes faust topic, built once per app and names (sending is on the hot path)."""
    topics = _TOPICS.setdefault(app, {})
    if names not in topics:
        topics[names] = _new_raw_topic(app, *names)
    return topics[names]


def _new_raw_topic(app: faust.App, *names: str) -> Any:
    return app.topic(
        *names, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
    )


async def _send(app: faust.App, stages: Stages, topic: str, event: Event) -> None:
    value = stages.codec.encode(event, topic=topic)
    await _raw_topic(app, topic).send(key=event.envelope.case_id.encode(), value=value)


def _quarantine(
    stage: str,
    reason: str,
    detail: str,
    *,
    source_topic: str,
    key: bytes | None,
    value: bytes,
    case_id: str = "",
    tenant: str = "",
    connector: str | None = None,
    **context: Any,
) -> Quarantined:
    """The original message with its error context (``context``: attempts, first error, times)."""
    return Quarantined(
        envelope=Envelope(case_id=case_id, tenant=tenant, correlation_id=case_id),
        stage=stage,
        reason=reason,
        detail=detail,
        connector=connector,
        source_topic=source_topic,
        original_key=key,
        original_value=value,
        **context,
    )


async def _progressing(stages: Stages, agent: str, stream: Any) -> AsyncIterator[Any]:
    """Events of ``stream``, with progress recorded for liveness and metrics."""
    async for event in stream.events():
        msg = event.message
        log.debug(
            "agent.event", agent=agent, topic=msg.topic, partition=msg.partition, offset=msg.offset
        )
        stages.progress.started(agent)
        try:
            yield event
        finally:
            stages.progress.finished(agent, (event.message.topic, event.message.partition))
            stages.metrics.last_progress.labels(agent).set(time.time())


def decide(event: Event, tenants: dict[str, Tenant]) -> RoutingDecision:
    """The routing decision for an accepted application or invoice (pure)."""
    case_id = event.envelope.case_id
    if isinstance(event, ApplicationSubmitted):
        application = event.application
        tenant = responsible_tenant(application.authority, application.service.leika_id, tenants)
        return route(case_id, application, tenant)
    if isinstance(event, InvoiceReceived):
        try:
            leitweg = parse_leitweg_id(event.invoice.leitweg_id)
        except LeitwegError as exc:
            raise ResponsibilityError("invalid_leitweg_id", str(exc)) from exc
        return route_invoice(case_id, tenant_for_leitweg_id(leitweg, tenants))
    raise TypeError(f"cannot route {type(event).__name__}")


def _service_of(event: ApplicationSubmitted | InvoiceReceived) -> str:
    if isinstance(event, ApplicationSubmitted):
        return event.application.service.leika_id
    return INVOICE_SERVICE


def _add_router(app: faust.App, stages: Stages) -> None:
    topics = stages.topics
    m = stages.metrics

    async def router(stream: Any) -> None:
        async for event in _progressing(stages, "router", stream):
            msg = event.message
            await route_one(msg.topic, event.key, event.value, (msg.partition, msg.offset))

    async def quarantine(
        topic: str,
        key: bytes | None,
        value: bytes,
        reason: str,
        detail: str,
        *,
        case_id: str,
        tenant: str = "",
    ) -> None:
        q = _quarantine(
            "router",
            reason,
            detail,
            source_topic=topic,
            key=key,
            value=value,
            case_id=case_id,
            tenant=tenant,
        )
        await _send(app, stages, topics.quarantine, q)
        m.quarantined.labels("router", reason).inc()
        log.warning("router.quarantined", reason=reason, detail=detail)

    async def route_one(
        topic: str, key: bytes | None, value: bytes, position: tuple[int, int]
    ) -> None:
        try:
            case = stages.codec.decode(value, topic=topic)
            assert isinstance(case, ApplicationSubmitted | InvoiceReceived)
        except (CodecError, AssertionError) as exc:
            case_id = (key or b"").decode(errors="replace")
            await quarantine(topic, key, value, "undecodable", str(exc), case_id=case_id)
            return
        env, service = case.envelope, _service_of(case)
        with structlog.contextvars.bound_contextvars(
            case_id=env.case_id, correlation_id=env.correlation_id
        ):
            try:
                decision = decide(case, stages.config.tenants)
            except ResponsibilityError as exc:
                await quarantine(
                    topic,
                    key,
                    value,
                    exc.reason,
                    exc.detail,
                    case_id=env.case_id,
                    tenant=env.tenant,
                )
                return
            tenant = decision.tenant
            if not decision.deliveries:
                detail = f"no rule of tenant {tenant} matches {service} and it has no fallback"
                await quarantine(
                    topic, key, value, "no_route", detail, case_id=env.case_id, tenant=tenant
                )
                return
            for planned in decision.deliveries:
                request = DeliveryRequested(
                    envelope=env.follow(tenant=tenant),
                    delivery_id=planned.delivery_id,
                    connector=planned.connector,
                    connector_kind=planned.connector_kind,
                    rule=decision.rule,
                    application=case.application
                    if isinstance(case, ApplicationSubmitted)
                    else None,
                    invoice=case.invoice if isinstance(case, InvoiceReceived) else None,
                )
                await _send(app, stages, topics.delivery(tenant, planned.connector), request)
            routed = CaseRouted(
                envelope=env.follow(tenant=tenant),
                rule=decision.rule,
                service=service,
                deliveries=decision.deliveries,
                reason=decision.reason,
                source_topic=topic,
                source_partition=position[0],
                source_offset=position[1],
            )
            await _send(app, stages, topics.routed, routed)
            m.cases_routed.labels(tenant, service).inc()
            log.debug(
                "router.routed", tenant=tenant, rule=decision.rule, targets=len(decision.deliveries)
            )

    stages.progress.register("router", [topics.submitted, topics.invoices])
    app.agent(_raw_topic(app, topics.submitted, topics.invoices), name="router")(router)


class TableStates:
    """Delivery states in a faust table (changelog-backed: survives restarts)."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def get(self, delivery_id: str) -> DeliveryState | None:
        """The remembered state, or None."""
        stored = self.table.get(delivery_id)
        return DeliveryState.model_validate(stored) if stored else None

    def put(self, delivery_id: str, state: DeliveryState) -> None:
        """Remember ``state`` (written to the changelog with the current message's partition)."""
        self.table[delivery_id] = state.model_dump(mode="json")


def _dead_letter(
    connector: Connector,
    state: DeliveryState,
    *,
    case_id: str,
    request_topic: str,
    key: bytes | None,
    value: bytes,
) -> Quarantined:
    now = time.time()
    return _quarantine(
        "connector",
        state.reason or state.status.value,
        state.last_error or "",
        source_topic=request_topic,
        key=key,
        value=value,
        case_id=case_id,
        tenant=connector.tenant.id,
        connector=connector.connector_id,
        first_error=state.first_error or "",
        attempts=state.attempts,
        first_error_at=datetime.fromtimestamp(state.first_error_at or now, UTC),
        last_error_at=datetime.fromtimestamp(state.last_error_at or now, UTC),
    )


def _add_connector(app: faust.App, stages: Stages, connector: Connector, states: Any) -> None:
    topics, m, s = stages.topics, stages.metrics, stages.settings
    tenant, cid, kind = connector.tenant.id, connector.connector_id, connector.kind
    topic = topics.delivery(tenant, cid)
    name = f"connector.{tenant}.{cid}"
    stages.progress.register(name, [topic])

    def own_partitions() -> list[Any]:
        return [tp for tp in app.consumer.assignment() if tp.topic == topic]

    def park() -> None:
        # stop fetching for this instance only; other connectors and tenants keep flowing
        app.consumer.pause_partitions(own_partitions())
        m.connector_parked.labels(tenant, cid).set(1)
        log.warning("connector.parked", tenant=tenant, connector=cid)

    def resume() -> None:
        app.consumer.resume_partitions(own_partitions())
        m.connector_parked.labels(tenant, cid).set(0)
        log.info("connector.resumed", tenant=tenant, connector=cid)

    runner = DeliveryRunner(
        connector,
        stages.blobs,
        TableStates(states),
        RetryPolicy(s.retry_base_seconds, s.retry_max_seconds, s.delivery_deadline_seconds),
        park=park,
        resume=resume,
        on_attempt=lambda: stages.progress.touch(name),
        on_retry=lambda _e: m.delivery_retries.labels(tenant, cid, kind).inc(),
    )

    async def agent(stream: Any) -> None:
        async for event in _progressing(stages, name, stream):
            try:
                request = stages.codec.decode(event.value, topic=topic)
                assert isinstance(request, DeliveryRequested)
            except (CodecError, AssertionError) as exc:
                q = _quarantine(
                    "connector",
                    "undecodable",
                    str(exc),
                    source_topic=topic,
                    key=event.key,
                    value=event.value,
                    tenant=tenant,
                    connector=cid,
                )
                await _send(app, stages, topics.deadletter, q)
                m.dead_letters.labels(tenant, cid, kind, "undecodable").inc()
                continue
            env = request.envelope
            with structlog.contextvars.bound_contextvars(
                case_id=env.case_id, correlation_id=env.correlation_id, tenant=tenant, connector=cid
            ):
                ended = await runner.run(request)
                await _send(app, stages, topics.outcomes, ended.outcome)
                if ended.skipped:
                    m.deliveries_skipped.labels(tenant, cid, kind).inc()
                    continue
                outcome = ended.outcome
                m.deliveries.labels(tenant, cid, kind, outcome.outcome.value).inc()
                m.delivery_seconds.labels(tenant, cid, kind).observe(outcome.duration_seconds)
                if ended.dead_letter:
                    dead = _dead_letter(
                        connector,
                        ended.state,
                        case_id=env.case_id,
                        request_topic=topic,
                        key=event.key,
                        value=event.value,
                    )
                    await _send(app, stages, topics.deadletter, dead)
                    m.dead_letters.labels(tenant, cid, kind, dead.reason).inc()

    app.agent(_raw_topic(app, topic), name=name)(agent)


FINAL = frozenset(s.value for s in FINAL_STATUSES)


def _add_reconciliation(app: faust.App, stages: Stages, journeys: Any) -> None:
    """Every few seconds, send unfinished cases that stopped moving through the hub again
    (see :mod:`hub.tracking.reconcile`)."""
    m = stages.metrics
    policy = RedeliveryPolicy(after_seconds=stages.settings.redeliver_after_seconds)
    reader = SourceReader(stages.kafka)
    sent: dict[str, tuple[int, datetime]] = {}  # case id -> (times sent again, last time)

    async def reconcile() -> None:
        now = utc_now()
        open_cases = [
            Journey.model_validate(v)
            for v in list(journeys.values())
            if v and v["history"] and v["history"][-1]["status"] not in FINAL
        ]  # final cases, the vast majority, are not parsed at all
        due = [j for j in open_cases if policy.due(j, now, sent.get(j.case_id))]
        for journey in due[:100]:  # a bounded batch per round
            assert journey.source_topic is not None
            found = await asyncio.to_thread(
                reader.read, journey.source_topic, journey.source_partition, journey.source_offset
            )
            count = sent.get(journey.case_id, (0, now))[0] + 1
            sent[journey.case_id] = (count, now)
            if found is None or found[0] != journey.case_id.encode():
                log.error(
                    "tracker.source_gone", case_id=journey.case_id, topic=journey.source_topic
                )
                continue
            await _raw_topic(app, journey.source_topic).send(key=found[0], value=found[1])
            m.redeliveries.labels(journey.tenant or "unknown", journey.service or "unknown").inc()
            log.warning("tracker.redelivered", case_id=journey.case_id, times=count)

    app.timer(interval=stages.settings.reconcile_interval_seconds, name="reconcile")(reconcile)


def _add_tracker(app: faust.App, stages: Stages) -> Any:
    topics = stages.topics
    journeys = app.Table("journeys", default=None, partitions=stages.settings.partitions)
    sources = (topics.submitted, topics.invoices, topics.routed, topics.outcomes, topics.quarantine)
    m = stages.metrics

    async def tracker(stream: Any) -> None:
        async for event in _progressing(stages, "tracker", stream):
            topic = event.message.topic
            try:
                ev = stages.codec.decode(event.value, topic=topic)
            except CodecError as exc:
                log.warning("tracker.undecodable", topic=topic, error=str(exc))
                continue
            case_id = ev.envelope.case_id
            if not case_id:
                continue
            stored = journeys.get(case_id)
            current = Journey.model_validate(stored) if stored else None
            journey, previous = fold(current, ev)
            if isinstance(ev, ApplicationSubmitted | InvoiceReceived):
                msg = event.message
                journey.remember_source(msg.topic, msg.partition, msg.offset)
            status = journey.status
            if status is not None and (current is None or current.status != status):
                await _send(
                    app,
                    stages,
                    topics.status,
                    CaseStatusChanged(
                        envelope=Envelope(
                            case_id=case_id,
                            tenant=journey.tenant,
                            correlation_id=ev.envelope.correlation_id,
                        ),
                        status=status,
                        previous=previous,
                        service=journey.service,
                        reasons=tuple(journey.reasons()) if status.is_final else (),
                    ),
                )
                level = log.info if status.is_final else log.debug
                level("tracker.status", case_id=case_id, status=status.value)
                if status.is_final:
                    _count_final(m, journey)
            if (
                status is not None
                and status.is_final
                and not journey.measured
                and journey.received_at
            ):
                _observe_latency(m, journey)
            journeys[case_id] = journey.model_dump(mode="json")

    stages.progress.register("tracker", sources)
    app.agent(_raw_topic(app, *sources), name="tracker")(tracker)

    _add_reconciliation(app, stages, journeys)

    @app.page("/v1/cases/{case_id}")
    async def case_view(web: Any, request: Any, case_id: str) -> Any:
        stored = journeys.get(case_id)
        if stored:
            return web.json(
                public_view(Journey.model_validate(stored)).model_dump(
                    mode="json", exclude_none=True
                )
            )
        # not in this replica's partitions: ask the replica that owns the key
        try:
            return await app.router.route_req(journeys.name, case_id, web, request)
        except SameNode:
            pass
        except (ServiceUnavailable, KeyError, TypeError) as exc:
            # faust's router needs the changelog's metadata, which a worker that has not
            # written to the table yet does not have; the case is then unknown here
            log.debug("tracker.route_failed", error=type(exc).__name__)
        return web.json({"title": "unknown case"}, status=404)

    return journeys


def _count_final(m: HubMetrics, journey: Journey) -> None:
    tenant, service = journey.tenant or "unknown", journey.service or "unknown"
    reasons = journey.reasons()
    # one reason label per case keeps the series bounded; the journey keeps all of them
    reason = reasons[0].split(":", 1)[0] if reasons else "none"
    m.cases_completed.labels(tenant, service, str(bool(reasons)).lower(), reason).inc()


def _observe_latency(m: HubMetrics, journey: Journey) -> None:
    """Intake acceptance to final status; once per case, whichever event came last."""
    assert journey.received_at is not None
    seconds = (journey.history[-1].at - journey.received_at).total_seconds()
    m.completion_seconds.labels(journey.tenant or "unknown", journey.service or "unknown").observe(
        max(0.0, seconds)
    )
    journey.measured = True


def _add_health(app: faust.App, stages: Stages) -> None:
    probe = BrokerLag(stages.kafka, app.conf.id)
    consumed = {t for topics in stages.progress.topics.values() for t in topics}

    def lag_by_partition() -> dict[tuple[str, int], int]:
        """Messages waiting in each assigned partition of the agents' topics (blocking)."""
        try:
            tps = [(tp.topic, tp.partition) for tp in app.consumer.assignment()]
        except Exception:
            return {}
        try:
            return probe.lag([tp for tp in tps if tp[0] in consumed])
        except Exception as exc:
            log.warning("health.lag_unavailable", error=str(exc))
            return {}

    @app.page("/healthz")
    async def healthz(web: Any, request: Any) -> Any:
        stalled = stages.progress.stalled(await asyncio.to_thread(lag_by_partition))
        ok = not stalled and not app.should_stop
        return web.json(
            {"status": "ok" if ok else "failing", "stalled": stalled}, status=200 if ok else 503
        )

    @app.page("/readyz")
    async def readyz(web: Any, request: Any) -> Any:
        try:
            assigned = len(app.consumer.assignment())
        except Exception:
            assigned = 0
        ok = assigned > 0 and not app.rebalancing
        body = {"assigned_partitions": assigned, "rebalancing": bool(app.rebalancing)}
        return web.json(body, status=200 if ok else 503)

    @app.page("/metrics")
    async def metrics(web: Any, request: Any) -> Any:
        return web.bytes(
            generate_latest(stages.metrics.registry),
            content_type="text/plain; version=0.0.4",  # aiohttp adds the charset itself
        )


def build_app(stages: Stages, roles: Iterable[Role], *, app_id: str | None = None) -> faust.App:
    """A faust app running ``roles`` (any of router, connector, tracker)."""
    s = stages.settings
    roles = set(roles)
    app = faust.App(
        app_id or s.app_id,
        **stages.kafka.faust(),
        store="memory://",
        autodiscover=False,
        topic_partitions=s.partitions,
        topic_replication_factor=s.replication_factor,
        topic_allow_declare=True,
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        web_enabled=True,
        web_bind=s.web_host,
        web_host=s.web_host,
        web_port=s.web_port,
        web_tables_enabled=False,
        datadir=str(s.data_dir / "faust"),
        table_cleanup_interval=60.0,
        broker_commit_every=100,
        broker_session_timeout=s.session_timeout_seconds,
        broker_heartbeat_interval=s.session_timeout_seconds / 10,
        broker_commit_interval=1.0,
    )
    if Role.router in roles:
        _add_router(app, stages)
    if Role.connector in roles:
        states = app.Table("delivery_states", default=None, partitions=s.partitions)
        for tenant in stages.config.tenants.values():
            for cid in tenant.connectors:
                _add_connector(app, stages, build_connector(tenant, cid), states)
    if Role.tracker in roles:
        _add_tracker(app, stages)
    _add_health(app, stages)
    return app
