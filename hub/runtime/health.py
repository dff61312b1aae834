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
has joined its group and holds an assignment.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from confluent_kafka import Consumer, TopicPartition

from hub.kafka.config import KafkaConnection

TP = tuple[str, int]


@dataclass
class ProgressMonitor:
    """Per-agent and per-partition bookkeeping of work in hand and last activity."""

    stall_seconds: float = 180.0
    clock: Callable[[], float] = time.monotonic
    busy_since: dict[str, float] = field(default_factory=dict)
    last_activity: dict[str, float] = field(default_factory=dict)
    topics: dict[str, tuple[str, ...]] = field(default_factory=dict)
    processed_at: dict[TP, float] = field(default_factory=dict)
    lag_since: dict[TP, float] = field(default_factory=dict)

    def register(self, agent: str, topics: Iterable[str]) -> None:
        """Declare an agent and the topics it consumes."""
        self.topics[agent] = tuple(topics)
        self.last_activity.setdefault(agent, self.clock())

    def started(self, agent: str) -> None:
        """An agent began a message."""
        now = self.clock()
        self.busy_since[agent] = now
        self.last_activity[agent] = now

    def touch(self, agent: str) -> None:
        """An agent is still working on its message (e.g. a new attempt)."""
        now = self.clock()
        if agent in self.busy_since:
            self.busy_since[agent] = now
        self.last_activity[agent] = now

    def finished(self, agent: str, tp: TP | None = None) -> None:
        """An agent finished a message (of partition ``tp``)."""
        now = self.clock()
        self.busy_since.pop(agent, None)
        self.last_activity[agent] = now
        if tp is not None:
            self.processed_at[tp] = now

    def _agent_of(self, topic: str) -> str | None:
        return next((a for a, topics in self.topics.items() if topic in topics), None)

    def stalled(self, lag: dict[TP, int] | None = None) -> list[str]:
        """Agents (``name``) or partitions (``name[partition]``) that look stalled."""
        now = self.clock()
        found = {a for a, t in self.busy_since.items() if now - t > self.stall_seconds}
        for tp, waiting in (lag or {}).items():
            agent = self._agent_of(tp[0])
            if waiting <= 0 or agent is None or agent in self.busy_since:
                self.lag_since.pop(tp, None)
                continue
            since = self.lag_since.setdefault(tp, now)
            if self.processed_at.get(tp, -1.0) >= since:  # progress since: start a new window
                self.lag_since[tp] = since = now
            if now - since > self.stall_seconds:
                found.add(f"{agent}[{tp[1]}]")
        return sorted(found)


class BrokerLag:
    """Messages waiting per partition, from the broker (not from faust's fetcher, which does
    not know about partitions it never fetched). Read-only: it never joins the group."""

    def __init__(
        self, connection: KafkaConnection | str, group: str, *, cache_seconds: float = 5.0
    ) -> None:
        self.connection = KafkaConnection.of(connection)
        self.group, self.cache_seconds = group, cache_seconds
        self._consumer: Consumer | None = None
        self._cached: tuple[float, dict[TP, int]] | None = None

    def _client(self) -> Consumer:
        if self._consumer is None:
            self._consumer = Consumer(
                self.connection.consumer(
                    self.group,  # only to read its committed offsets
                    **{"client.id": f"hub-lag-{uuid.uuid4().hex[:6]}"},
                ),
                logger=self.connection.logger,
            )
        return self._consumer

    def lag(self, tps: Iterable[TP], timeout: float = 5.0) -> dict[TP, int]:
        """High watermark minus committed offset for each partition (blocking)."""
        now = time.monotonic()
        if self._cached and now - self._cached[0] < self.cache_seconds:
            return self._cached[1]
        consumer = self._client()
        wanted = [TopicPartition(t, p) for t, p in tps]
        result: dict[TP, int] = {}
        if wanted:
            for committed in consumer.committed(wanted, timeout=timeout):
                low, high = consumer.get_watermark_offsets(committed, timeout=timeout)
                position = committed.offset if committed.offset >= 0 else low
                result[(committed.topic, committed.partition)] = max(0, high - position)
        self._cached = (now, result)
        return result
