"""Gauges refreshed by timers, off the hot path: consumer lag, backlog depth, readiness.

* Every stage process measures its own consumer group's lag on the topics its agents
  consume (messages, and age of the oldest unprocessed message), at the broker.
* The tracker process counts dead-letter and quarantine entries not replayed yet: the
  entries the topics hold (watermarks) minus the distinct entries the ``replays`` topic
  names, read incrementally.
* ``hub_role_ready`` follows the same condition as each role's ``/readyz``.

A failed refresh keeps the last values and logs one warning until it works again.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Any

import faust
import structlog
from confluent_kafka import Consumer, KafkaException, TopicPartition

from hub.context import StageContext
from hub.events.codec import CodecError, EventCodec
from hub.events.models import Replayed
from hub.events.topics import Topics
from hub.kafka.config import KafkaConnection
from hub.kafka.producer import EventProducer
from hub.metrics import HubMetrics
from hub.runtime.health import lag_probe, stage_ready

log = structlog.get_logger("hub.observe")


class BacklogDepth:
    """Entries of the quarantine and dead-letter topics that were not replayed yet."""

    def __init__(self, connection: KafkaConnection | str, topics: Topics, codec: EventCodec):
        self.connection, self.topics, self.codec = KafkaConnection.of(connection), topics, codec
        self._consumer: Consumer | None = None
        self._next: dict[int, int] = {}  # replays partition -> next offset to read
        self._replayed: dict[str, set[str]] = {}  # entry topic -> ids of replayed entries
        self._lock = threading.Lock()

    def _client(self) -> Consumer:
        if self._consumer is None:
            self._consumer = Consumer(self.connection.consumer(), logger=self.connection.logger)
        return self._consumer

    def close(self) -> None:
        """Close the consumer."""
        with self._lock:
            if self._consumer is not None:
                self._consumer.close()
                self._consumer = None

    def depth(self, timeout: float = 5.0) -> dict[str, int]:
        """Entry topic (quarantine, dead letters) -> entries not replayed yet (blocking)."""
        with self._lock:
            self._read_replays(timeout)
            return {
                topic: max(0, self._entries(topic, timeout) - len(self._replayed.get(topic, ())))
                for topic in (self.topics.quarantine, self.topics.deadletter)
            }

    def _watermarks(self, topic: str, timeout: float) -> dict[int, tuple[int, int]]:
        consumer = self._client()
        meta = consumer.list_topics(topic, timeout=timeout).topics.get(topic)
        if meta is None or meta.error is not None:
            return {}
        return {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)
            for p in sorted(meta.partitions)
        }

    def _entries(self, topic: str, timeout: float) -> int:
        return sum(high - low for low, high in self._watermarks(topic, timeout).values())

    def _read_replays(self, timeout: float) -> None:
        topic = self.topics.replays
        start: dict[int, int] = {}
        end: dict[int, int] = {}
        for p, (low, high) in self._watermarks(topic, timeout).items():
            if max(low, self._next.get(p, 0)) < high:
                start[p], end[p] = max(low, self._next.get(p, 0)), high
        if not end:
            return
        consumer = self._client()
        consumer.assign([TopicPartition(topic, p, o) for p, o in sorted(start.items())])
        deadline = time.monotonic() + timeout
        try:
            while end and time.monotonic() < deadline:
                msg = consumer.poll(0.2)
                if msg is None or msg.error():
                    continue
                partition, offset = msg.partition(), msg.offset()
                if partition is None or offset is None:
                    continue
                self._next[partition] = offset + 1
                self._note(msg.value())
                if offset + 1 >= end.get(partition, 0):
                    end.pop(partition, None)
        finally:
            consumer.unassign()

    def _note(self, value: bytes | None) -> None:
        if value is None:
            return
        try:
            marker = self.codec.decode(value, topic=self.topics.replays)
        except CodecError:
            return
        if isinstance(marker, Replayed):
            self._replayed.setdefault(marker.entry_topic, set()).add(marker.entry_id)


class _Refresher:
    """Runs a blocking refresh in a thread; one warning per run of failures."""

    def __init__(self, name: str, refresh: Callable[[], None]) -> None:
        self.name, self.refresh, self.failing = name, refresh, False

    async def run(self) -> None:
        """Refresh once."""
        try:
            await asyncio.to_thread(self.refresh)
        except (KafkaException, OSError, RuntimeError, ValueError) as exc:
            if not self.failing:
                log.warning("metrics.refresh_failed", gauge=self.name, error=str(exc))
            self.failing = True
            return
        if self.failing:
            log.info("metrics.refresh_recovered", gauge=self.name)
        self.failing = False


def consumed_topics(ctx: StageContext) -> list[str]:
    """The topics this process's agents consume."""
    return sorted({t for topics in ctx.progress.topics.values() for t in topics})


def refresh_lag(metrics: HubMetrics, group: str, lags: dict[str, Any]) -> None:
    """Set the lag gauges of ``group`` from :meth:`BrokerLag.topic_lag`'s answer."""
    for topic, lag in lags.items():
        metrics.consumer_lag_messages.labels(group, topic).set(lag.messages)
        metrics.consumer_lag_seconds.labels(group, topic).set(lag.seconds)


def refresh_depth(metrics: HubMetrics, topics: Topics, depth: dict[str, int]) -> None:
    """Set the depth gauges from :meth:`BacklogDepth.depth`'s answer."""
    metrics.dead_letter_depth.set(depth.get(topics.deadletter, 0))
    metrics.quarantine_depth.set(depth.get(topics.quarantine, 0))


def add_observers(
    app: faust.App,
    ctx: StageContext,
    roles: Collection[str],
    *,
    intake: EventProducer | None = None,
) -> None:
    """Timers on ``app`` for lag, depth (with the tracker role) and readiness of ``roles``.

    ``intake`` is the intake producer when this process also serves intake: its role is
    ready while the broker answers it, as on intake's ``/readyz``.
    """
    interval = ctx.settings.metrics_interval_seconds
    probe, group, m = lag_probe(app, ctx), app.conf.id, ctx.metrics
    topics = consumed_topics(ctx)
    stage_roles = [r for r in roles if r != "intake"]

    lag = _Refresher("consumer_lag", lambda: refresh_lag(m, group, probe.topic_lag(topics)))
    app.timer(interval=interval, name="metrics-lag")(lag.run)

    if "tracker" in roles:
        backlog = BacklogDepth(ctx.kafka, ctx.topics, ctx.codec)
        depth = _Refresher("depth", lambda: refresh_depth(m, ctx.topics, backlog.depth()))
        app.timer(interval=interval, name="metrics-depth")(depth.run)

    async def readiness() -> None:
        ready, _ = stage_ready(app)
        for role in stage_roles:
            m.role_ready.labels(role).set(1 if ready else 0)

    app.timer(interval=min(interval, 5.0), name="metrics-ready")(readiness)
    if intake is not None:
        app.timer(interval=interval, name="metrics-ready-intake")(intake_readiness(m, intake))


def intake_readiness(metrics: HubMetrics, producer: EventProducer) -> Callable[[], Awaitable[None]]:
    """A refresh of ``hub_role_ready{role="intake"}``: 1 while the broker answers."""

    async def refresh() -> None:
        ok = await asyncio.to_thread(producer.broker_reachable)
        metrics.role_ready.labels("intake").set(1 if ok else 0)

    return refresh


async def every(seconds: float, refresh: Callable[[], Awaitable[None]]) -> None:
    """Run ``refresh`` now and then every ``seconds`` until cancelled."""
    while True:
        await refresh()
        await asyncio.sleep(seconds)
