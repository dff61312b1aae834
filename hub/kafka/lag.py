"""Consumer lag measured at the broker: high watermark minus a group's committed offset.

Not from faust's fetcher, which does not know about partitions it never fetched
(upstream #629). Read-only: it never joins the group and never commits. The age of
a partition's backlog is the timestamp of the message at the committed offset (the
oldest one the group has not processed); it is fetched once per committed offset
and remembered, so a steady probe costs two broker round trips per refresh.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from confluent_kafka import TIMESTAMP_NOT_AVAILABLE, Consumer, TopicPartition

from hub.kafka.config import KafkaConnection

TP = tuple[str, int]


@dataclass(frozen=True)
class PartitionLag:
    """What a group has not processed of one partition."""

    messages: int
    #: unix seconds of the oldest unprocessed message (None: no backlog, or no timestamp)
    oldest_timestamp: float | None = None


@dataclass(frozen=True)
class TopicLag:
    """A group's lag on one topic: messages over all partitions, age of the oldest one."""

    messages: int
    seconds: float


def by_topic(partitions: dict[TP, PartitionLag], now: float) -> dict[str, TopicLag]:
    """Per topic: the sum of the partitions' backlogs and the age of the oldest message."""
    out: dict[str, TopicLag] = {}
    for (topic, _p), lag in sorted(partitions.items()):
        age = now - lag.oldest_timestamp if lag.messages and lag.oldest_timestamp else 0.0
        before = out.get(topic, TopicLag(0, 0.0))
        out[topic] = TopicLag(before.messages + lag.messages, max(before.seconds, 0.0, age))
    return out


class BrokerLag:
    """A group's lag per partition, from the broker, with one consumer and a short cache.

    Thread-safe (one lock around the consumer): the health page and the metrics timer
    both call it from worker threads.
    """

    def __init__(
        self,
        connection: KafkaConnection | str,
        group: str,
        *,
        cache_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.connection = KafkaConnection.of(connection)
        self.group, self.cache_seconds, self._clock = group, cache_seconds, clock
        self._consumer: Consumer | None = None
        self._lock = threading.Lock()
        self._cached: dict[frozenset[TP], tuple[float, dict[TP, PartitionLag]]] = {}
        self._partitions: dict[str, tuple[float, list[int]]] = {}
        self._timestamps: dict[tuple[str, int, int], float | None] = {}

    def _client(self) -> Consumer:
        if self._consumer is None:
            self._consumer = Consumer(
                self.connection.consumer(
                    self.group,  # only to read its committed offsets
                    **{
                        "client.id": f"hub-lag-{uuid.uuid4().hex[:6]}",
                        # it reads one message per lagging partition: no prefetching of backlogs
                        "queued.min.messages": 1,
                        "queued.max.messages.kbytes": 1024,
                        "fetch.message.max.bytes": 65536,
                    },
                ),
                logger=self.connection.logger,
            )
        return self._consumer

    def close(self) -> None:
        """Close the consumer (without committing: it never consumed for the group)."""
        with self._lock:
            if self._consumer is not None:
                self._consumer.close()
                self._consumer = None

    def lag(self, tps: Iterable[TP], timeout: float = 5.0) -> dict[TP, int]:
        """High watermark minus committed offset for each partition (blocking)."""
        return {tp: p.messages for tp, p in self.partition_lag(tps, timeout=timeout).items()}

    def topic_lag(self, topics: Iterable[str], timeout: float = 5.0) -> dict[str, TopicLag]:
        """The group's lag on every partition of ``topics``, summed per topic (blocking)."""
        wanted = sorted(set(topics))
        tps = [(t, p) for t in wanted for p in self._partitions_of(t, timeout)]
        return by_topic(self.partition_lag(tps, timeout=timeout, ages=True), time.time())

    def partition_lag(
        self, tps: Iterable[TP], *, timeout: float = 5.0, ages: bool = False
    ) -> dict[TP, PartitionLag]:
        """Backlog of each partition; with ``ages`` also its oldest message's timestamp."""
        key = frozenset(tps)
        now = self._clock()
        with self._lock:
            cached = self._cached.get(key)
            if cached and now - cached[0] < self.cache_seconds:
                return cached[1]
            result = self._measure(sorted(key), timeout, ages)
            self._cached[key] = (now, result)
            return result

    def _measure(self, tps: list[TP], timeout: float, ages: bool) -> dict[TP, PartitionLag]:
        if not tps:
            return {}
        consumer = self._client()
        positions: dict[TP, int] = {}
        result: dict[TP, PartitionLag] = {}
        for committed in consumer.committed(
            [TopicPartition(t, p) for t, p in tps], timeout=timeout
        ):
            low, high = consumer.get_watermark_offsets(committed, timeout=timeout)
            # no commit yet, or the committed message is gone (retention): the oldest one left
            position = committed.offset if committed.offset >= low else low
            tp = (committed.topic, committed.partition)
            positions[tp] = position
            result[tp] = PartitionLag(max(0, high - position))
        if ages:
            waiting = {tp: positions[tp] for tp, lag in result.items() if lag.messages}
            stamps = self._oldest_timestamps(consumer, waiting, timeout)
            result = {tp: PartitionLag(lag.messages, stamps.get(tp)) for tp, lag in result.items()}
        return result

    def _oldest_timestamps(
        self, consumer: Consumer, positions: dict[TP, int], timeout: float
    ) -> dict[TP, float | None]:
        """Timestamp of the message at each position; fetched once per (partition, offset)."""
        self._timestamps = {
            k: v for k, v in self._timestamps.items() if positions.get((k[0], k[1])) == k[2]
        }
        missing = {tp: o for tp, o in positions.items() if (*tp, o) not in self._timestamps}
        if missing:
            consumer.assign([TopicPartition(t, p, o) for (t, p), o in missing.items()])
            deadline = time.monotonic() + timeout
            try:
                while missing and time.monotonic() < deadline:
                    msg = consumer.poll(0.2)
                    if msg is None or msg.error():
                        continue
                    tp = (msg.topic() or "", msg.partition() or 0)
                    if tp in missing:
                        kind, millis = msg.timestamp()
                        stamp = None if kind == TIMESTAMP_NOT_AVAILABLE else millis / 1000
                        self._timestamps[(*tp, missing.pop(tp))] = stamp
                        consumer.pause([TopicPartition(*tp)])
            finally:
                consumer.unassign()
        return {tp: self._timestamps.get((*tp, o)) for tp, o in positions.items()}

    def _partitions_of(self, topic: str, timeout: float) -> list[int]:
        """Partition numbers of ``topic`` (metadata cached for a minute; [] when missing)."""
        now = self._clock()
        known = self._partitions.get(topic)
        if known and now - known[0] < 60:
            return known[1]
        with self._lock:
            meta = self._client().list_topics(topic, timeout=timeout).topics.get(topic)
        parts = sorted(meta.partitions) if meta is not None and meta.error is None else []
        if parts:  # a topic not created yet is asked for again next time
            self._partitions[topic] = (now, parts)
        return parts
