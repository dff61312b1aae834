"""Liveness and readiness of a faust role.

faust agents are known to stall silently (upstream issues #175, #523, and #629:
after a restart some partitions are never fetched again), so ``/healthz`` fails
(and Kubernetes restarts the worker) when

* an agent has held one message without any activity for longer than the
  stall timeout (a retry attempt of a parked connector counts as activity), or
* a partition has had messages waiting (lag measured at the broker: high
  watermark minus the group's committed offset) for that long while none of
  them was processed, and its agent is not busy with a message (a parked
  connector pauses its partitions on purpose);

or when the app is stopping or crashed. ``/readyz`` succeeds once the consumer
has joined its group and holds an assignment (:func:`stage_ready`, which also
drives ``hub_role_ready``).
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import faust
import structlog
from prometheus_client import generate_latest

from hub.context import StageContext
from hub.kafka.lag import BrokerLag

log = structlog.get_logger("hub.runtime")

_PROBES: weakref.WeakKeyDictionary[faust.App, BrokerLag] = weakref.WeakKeyDictionary()


def lag_probe(app: faust.App, ctx: StageContext) -> BrokerLag:
    """The one broker lag probe of ``app``'s consumer group (shared by health and metrics)."""
    probe = _PROBES.get(app)
    if probe is None:
        probe = _PROBES[app] = BrokerLag(ctx.kafka, app.conf.id)
    return probe


def stage_ready(app: faust.App) -> tuple[bool, int]:
    """(ready, assigned partitions): joined the group, holds partitions, not rebalancing."""
    try:
        assigned = len(app.consumer.assignment())
    except Exception:
        assigned = 0
    return assigned > 0 and not app.rebalancing, assigned


def add_health_pages(app: faust.App, ctx: StageContext) -> None:
    """``/healthz``, ``/readyz`` and ``/metrics`` on the faust web server."""
    probe = lag_probe(app, ctx)
    consumed = {t for topics in ctx.progress.topics.values() for t in topics}

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
        stalled = ctx.progress.stalled(await asyncio.to_thread(lag_by_partition))
        ok = not stalled and not app.should_stop
        return web.json(
            {"status": "ok" if ok else "failing", "stalled": stalled}, status=200 if ok else 503
        )

    @app.page("/readyz")
    async def readyz(web: Any, request: Any) -> Any:
        ok, assigned = stage_ready(app)
        body = {"assigned_partitions": assigned, "rebalancing": bool(app.rebalancing)}
        return web.json(body, status=200 if ok else 503)

    @app.page("/metrics")
    async def metrics(web: Any, request: Any) -> Any:
        return web.bytes(
            generate_latest(ctx.metrics.registry),
            content_type="text/plain; version=0.0.4",  # aiohttp adds the charset itself
        )
