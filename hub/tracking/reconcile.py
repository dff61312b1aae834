"""Reconciliation: a case that stopped moving is sent through the hub again.

At-least-once consumption can still lose a message: faust skips an event whose
hand-off to an agent raced with a rebalance and commits past it as a "gap"
(upstream #216, #221). The tracker knows, per case, which deliveries are still
open. A case that has not changed for ``after_seconds`` without being final is
therefore sent again: its submission event is read back at the position the
tracker recorded and written to its topic once more. It then goes through
routing and delivery again; deliveries already handed over are skipped by the
delivery states, so the back office still sees each case once. Repeats are
spaced exponentially (``after_seconds`` doubling up to ``max_interval_seconds``),
so a case waiting on a back office that is down costs a few messages, no more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from confluent_kafka import Consumer, TopicPartition

from hub.kafka.config import KafkaConnection
from hub.tracking.journey import Journey


@dataclass(frozen=True)
class RedeliveryPolicy:
    """When an unfinished case is due to be sent again."""

    after_seconds: float = 600.0
    max_interval_seconds: float = 6 * 3600.0

    def due(self, journey: Journey, now: datetime, previous: tuple[int, datetime] | None) -> bool:
        """True when ``journey`` has stalled long enough; ``previous`` = (times sent, last time)."""
        status = journey.status
        if status is None or status.is_final or journey.source_topic is None:
            return False
        if (
            journey.updated_at is None
            or (now - journey.updated_at).total_seconds() < self.after_seconds
        ):
            return False
        if previous is None:
            return True
        count, last = previous
        wait = min(self.max_interval_seconds, self.after_seconds * 2.0**count)
        return (now - last).total_seconds() >= wait


class SourceReader:
    """Reads single messages back by position (blocking; run it in a thread)."""

    def __init__(self, connection: KafkaConnection | str) -> None:
        self.connection = KafkaConnection.of(connection)
        self._consumer: Consumer | None = None

    def read(
        self, topic: str, partition: int, offset: int, timeout: float = 10.0
    ) -> tuple[bytes | None, bytes] | None:
        """Key and value of the message at that position, or None when it is gone."""
        if self._consumer is None:
            self._consumer = Consumer(
                self.connection.consumer(), logger=self.connection.logger
            )  # never commits
        self._consumer.assign([TopicPartition(topic, partition, offset)])
        msg = self._consumer.poll(timeout)
        if msg is None or msg.error() or msg.offset() != offset or msg.value() is None:
            return None
        value = msg.value()
        if not (value is not None):
            raise RuntimeError("invariant broken: value is not None")
        return msg.key(), value
