"""faust plumbing the stage agents share: raw-bytes topics, sending events, progress.

Agents consume and produce raw bytes and decode with the hub's own codec (faust's
codecs cannot carry pydantic models), so every topic is declared here the same way.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import AsyncIterator
from typing import Any

import faust
import structlog

from hub.events.codec import EventCodec
from hub.events.models import Event
from hub.kafka.progress import ProgressMonitor
from hub.metrics import HubMetrics

log = structlog.get_logger("hub.streams")

_TOPICS: weakref.WeakKeyDictionary[faust.App, dict[tuple[str, ...], Any]] = (
    weakref.WeakKeyDictionary()
)


def raw_topic(app: faust.App, *names: str) -> Any:
    """A raw-bytes faust topic, built once per app and names (sending is on the hot path)."""
    topics = _TOPICS.setdefault(app, {})
    if names not in topics:
        topics[names] = app.topic(
            *names, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
        )
    return topics[names]


async def send_event(app: faust.App, codec: EventCodec, topic: str, event: Event) -> None:
    """Encode ``event`` for ``topic`` and send it keyed by its case id."""
    value = codec.encode(event, topic=topic)
    await raw_topic(app, topic).send(key=event.envelope.case_id.encode(), value=value)


async def progressing(
    progress: ProgressMonitor, metrics: HubMetrics, agent: str, stream: Any
) -> AsyncIterator[Any]:
    """Events of ``stream``, with progress recorded for liveness and metrics."""
    async for event in stream.events():
        msg = event.message
        log.debug(
            "agent.event", agent=agent, topic=msg.topic, partition=msg.partition, offset=msg.offset
        )
        progress.started(agent)
        try:
            yield event
        finally:
            progress.finished(agent, (event.message.topic, event.message.partition))
            metrics.last_progress.labels(agent).set(time.time())
