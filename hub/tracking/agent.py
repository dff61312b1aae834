"""The tracker's faust agent, its reconciliation timer and its read page.

The agent decodes each event, calls :func:`~hub.tracking.step.track`, stores the
journey, writes the status change (to the status topic, and to the portal's
callback topic when the portal wants callbacks) and applies the observations to
the metrics. Reconciliation sends cases that stopped moving through the hub
again (see :mod:`hub.tracking.reconcile`).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import faust
import structlog
from faust.exceptions import SameNode
from faust.web.exceptions import ServiceUnavailable

from hub.context import StageContext
from hub.events.codec import CodecError
from hub.events.models import FINAL_STATUSES, ApplicationSubmitted, InvoiceReceived, utc_now
from hub.kafka.streams import progressing, raw_topic, send_event
from hub.tracking.journey import Journey
from hub.tracking.reconcile import RedeliveryPolicy, SourceReader
from hub.tracking.step import Completed, Latency, Observation, Recovered, track
from hub.tracking.view import public_view

log = structlog.get_logger("hub.tracking")
FINAL = frozenset(s.value for s in FINAL_STATUSES)


def observe(ctx: StageContext, observation: Observation) -> None:
    """Apply one KPI observation to the metrics (service labels bounded by the config)."""
    m = ctx.metrics
    service = ctx.service_label(observation.service)
    if isinstance(observation, Completed):
        media_break = str(observation.media_break).lower()
        m.cases_completed.labels(observation.tenant, service, media_break, observation.reason).inc()
    elif isinstance(observation, Recovered):
        m.cases_recovered.labels(observation.tenant, service).inc()
    elif isinstance(observation, Latency):
        m.completion_seconds.labels(observation.tenant, service).observe(observation.seconds)


def add_tracker(app: faust.App, ctx: StageContext) -> Any:
    """Register the tracker agent, reconciliation and ``/v1/cases/{id}``; return the table."""
    topics = ctx.topics
    journeys = app.Table("journeys", default=None, partitions=ctx.settings.partitions)
    sources = (topics.submitted, topics.invoices, topics.routed, topics.outcomes, topics.quarantine)
    callbacks = {name for name, p in ctx.config.portals.items() if p.callback is not None}

    async def tracker(stream: Any) -> None:
        async for event in progressing(ctx.progress, ctx.metrics, "tracker", stream):
            msg = event.message
            try:
                ev = ctx.codec.decode(event.value, topic=msg.topic)
            except CodecError as exc:
                log.warning("tracker.undecodable", topic=msg.topic, error=str(exc))
                continue
            case_id = ev.envelope.case_id
            if not case_id:
                continue
            stored = journeys.get(case_id)
            current = Journey.model_validate(stored) if stored else None
            position = (msg.topic, msg.partition, msg.offset)
            tracked = track(current, ev, position)
            for changed in tracked.status_events:
                await send_event(app, ctx.codec, topics.status, changed)
                if changed.portal in callbacks:
                    await send_event(app, ctx.codec, topics.callbacks(changed.portal), changed)
                final = changed.status.is_final
                (log.info if final else log.debug)(
                    "tracker.status", case_id=case_id, status=changed.status.value
                )
            for observation in tracked.observations:
                observe(ctx, observation)
            journeys[case_id] = tracked.journey.model_dump(mode="json")

    ctx.progress.register("tracker", sources)
    app.agent(raw_topic(app, *sources), name="tracker")(tracker)
    _add_reconciliation(app, ctx, journeys)

    @app.page("/v1/cases/{case_id}")
    async def case_view(web: Any, request: Any, case_id: str) -> Any:
        stored = journeys.get(case_id)
        if stored:
            view = public_view(Journey.model_validate(stored))
            return web.json(view.model_dump(mode="json", exclude_none=True))
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


def _add_reconciliation(app: faust.App, ctx: StageContext, journeys: Any) -> None:
    """Every few seconds, send unfinished cases that stopped moving through the hub again."""
    policy = RedeliveryPolicy(after_seconds=ctx.settings.redeliver_after_seconds)
    reader = SourceReader(ctx.kafka)
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
            if journey.source_topic is None:
                continue
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
            await raw_topic(app, journey.source_topic).send(key=found[0], value=found[1])
            service = ctx.service_label(journey.service or "unknown")
            ctx.metrics.redeliveries.labels(journey.tenant or "unknown", service).inc()
            log.warning("tracker.redelivered", case_id=journey.case_id, times=count)

    app.timer(interval=ctx.settings.reconcile_interval_seconds, name="reconcile")(reconcile)


__all__ = ["ApplicationSubmitted", "InvoiceReceived", "add_tracker", "observe"]
