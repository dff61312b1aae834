"""Consumer lag measured at the broker: high watermark minus a group's committed offset.

Not from faust's fetcher, which does not know about partitions it never fetched
(upstream #629). Read-only: it never joins the group.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable

from confluent_kafka import Consumer, TopicPartition

from hub.kafka.config import KafkaConnection

TP = tuple[str, int]


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
