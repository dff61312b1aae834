"""The router's faust agent: decode, :func:`~hub.routing.step.route_case`, write."""

from __future__ import annotations

from typing import Any

import faust
import structlog

from hub.context import StageContext
from hub.events.codec import CodecError
from hub.events.models import ApplicationSubmitted, InvoiceReceived, quarantine_record
from hub.kafka.streams import progressing, raw_topic, send_event
from hub.routing.step import Routed, route_case, service_of

log = structlog.get_logger("hub.routing")


def add_router(app: faust.App, ctx: StageContext) -> None:
    """Register the router agent on ``app``."""
    topics, m = ctx.topics, ctx.metrics

    async def quarantine(
        topic: str, key: bytes | None, value: bytes, reason: str, detail: str, **ids: str
    ) -> None:
        record = quarantine_record(
            "router", reason, detail, source_topic=topic, key=key, value=value, **ids
        )
        await send_event(app, ctx.codec, topics.quarantine, record)
        m.quarantined.labels("router", reason).inc()
        log.warning("router.quarantined", reason=reason, detail=detail)

    async def route_one(
        topic: str, key: bytes | None, value: bytes, partition: int, offset: int
    ) -> None:
        try:
            case = ctx.codec.decode(value, topic=topic)
        except CodecError as exc:
            case_id = (key or b"").decode(errors="replace")
            await quarantine(topic, key, value, "undecodable", str(exc), case_id=case_id)
            return
        if not isinstance(case, ApplicationSubmitted | InvoiceReceived):
            detail = f"{type(case).__name__} on a submission topic"
            await quarantine(
                topic, key, value, "undecodable", detail, case_id=case.envelope.case_id
            )
            return
        env = case.envelope
        with structlog.contextvars.bound_contextvars(
            case_id=env.case_id, correlation_id=env.correlation_id
        ):
            result = route_case(case, ctx.config.tenants, (topic, partition, offset))
            if not isinstance(result, Routed):
                await quarantine(
                    topic,
                    key,
                    value,
                    result.reason,
                    result.detail,
                    case_id=env.case_id,
                    tenant=result.tenant,
                )
                return
            for request in result.requests:
                await send_event(
                    app, ctx.codec, topics.delivery(result.tenant, request.connector), request
                )
            await send_event(app, ctx.codec, topics.routed, result.routed)
            m.cases_routed.labels(result.tenant, ctx.service_label(service_of(case))).inc()
            log.debug("router.routed", rule=result.routed.rule, targets=len(result.requests))

    async def router(stream: Any) -> None:
        async for event in progressing(ctx.progress, m, "router", stream):
            msg = event.message
            await route_one(msg.topic, event.key, event.value, msg.partition, msg.offset)

    ctx.progress.register("router", [topics.submitted, topics.invoices])
    app.agent(raw_topic(app, topics.submitted, topics.invoices), name="router")(router)
