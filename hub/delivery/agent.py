"""The faust agent of one connector instance: decode, :class:`DeliveryRunner`, write.

It owns what the runner needs from faust: the delivery states in a table
(changelog-backed, so they survive restarts), parking (pausing only this
instance's partitions while its back office is away) and writing the outcome and,
for a delivery that did not end delivered, its dead-letter record.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import faust
import structlog

from hub.context import StageContext
from hub.delivery.connector import Connector
from hub.delivery.runner import DeliveryRunner, RetryPolicy
from hub.delivery.state import DeliveryState
from hub.events.codec import CodecError
from hub.events.models import DeliveryRequested, Quarantined, quarantine_record
from hub.kafka.streams import progressing, raw_topic, send_event

log = structlog.get_logger("hub.delivery")


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


def dead_letter(
    connector: Connector,
    state: DeliveryState,
    *,
    case_id: str,
    request_topic: str,
    key: bytes | None,
    value: bytes,
) -> Quarantined:
    """The dead-letter record of a delivery that was rejected or given up."""
    now = time.time()
    return quarantine_record(
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


def add_connector(app: faust.App, ctx: StageContext, connector: Connector, states: Any) -> None:
    """Register the agent of ``connector`` on ``app``; ``states`` is the delivery-state table."""
    topics, m, s = ctx.topics, ctx.metrics, ctx.settings
    tenant, cid, kind = connector.tenant.id, connector.connector_id, connector.kind
    topic = topics.delivery(tenant, cid)
    name = f"connector.{tenant}.{cid}"
    ctx.progress.register(name, [topic])

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
        ctx.blobs,
        TableStates(states),
        RetryPolicy(s.retry_base_seconds, s.retry_max_seconds, s.delivery_deadline_seconds),
        park=park,
        resume=resume,
        on_attempt=lambda: ctx.progress.touch(name),
        on_retry=lambda _e: m.delivery_retries.labels(tenant, cid, kind).inc(),
    )

    async def undecodable(event: Any, detail: str) -> None:
        record = quarantine_record(
            "connector",
            "undecodable",
            detail,
            source_topic=topic,
            key=event.key,
            value=event.value,
            tenant=tenant,
            connector=cid,
        )
        await send_event(app, ctx.codec, topics.deadletter, record)
        m.dead_letters.labels(tenant, cid, kind, "undecodable").inc()

    async def agent(stream: Any) -> None:
        async for event in progressing(ctx.progress, m, name, stream):
            try:
                request = ctx.codec.decode(event.value, topic=topic)
            except CodecError as exc:
                await undecodable(event, str(exc))
                continue
            if not isinstance(request, DeliveryRequested):
                await undecodable(event, f"{type(request).__name__} on a delivery topic")
                continue
            env = request.envelope
            with structlog.contextvars.bound_contextvars(
                case_id=env.case_id, correlation_id=env.correlation_id, tenant=tenant, connector=cid
            ):
                ended = await runner.run(request)
                await send_event(app, ctx.codec, topics.outcomes, ended.outcome)
                if ended.skipped:
                    m.deliveries_skipped.labels(tenant, cid, kind).inc()
                    continue
                outcome = ended.outcome
                m.deliveries.labels(tenant, cid, kind, outcome.outcome.value).inc()
                m.delivery_seconds.labels(tenant, cid, kind).observe(outcome.duration_seconds)
                if ended.confirmation_seconds is not None:
                    m.confirmation_seconds.labels(tenant, cid, kind).observe(
                        ended.confirmation_seconds
                    )
                    if request.application is not None:
                        service = ctx.service_label(request.application.service.leika_id)
                        m.filed_confirmed.labels(tenant, service).inc()
                if ended.dead_letter:
                    record = dead_letter(
                        connector,
                        ended.state,
                        case_id=env.case_id,
                        request_topic=topic,
                        key=event.key,
                        value=event.value,
                    )
                    await send_event(app, ctx.codec, topics.deadletter, record)
                    m.dead_letters.labels(tenant, cid, kind, record.reason).inc()

    app.agent(raw_topic(app, topic), name=name)(agent)
