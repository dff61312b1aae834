"""Read a whole topic as it is now (all partitions, from the start, up to the high watermark)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from hub.kafka.config import KafkaConnection


@dataclass(frozen=True)
class Record:
    """One message with its position."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes
    timestamp: float = 0.0  # unix seconds the broker (or producer) stamped it with


def read_topic(
    connection: KafkaConnection | str,
    topic: str,
    timeout: float = 10.0,
    *,
    partitions: Collection[int] | None = None,
    last: int | None = None,
) -> list[Record]:
    """Every message currently in ``topic``; empty when the topic does not exist.

    ``partitions`` limits the read to those, ``last`` to each partition's newest messages.
    """
    conn = KafkaConnection.of(connection)
    admin = AdminClient(conn.admin(), logger=conn.logger)
    meta = admin.list_topics(topic, timeout=timeout).topics.get(topic)
    if meta is None or meta.error is not None:
        return []
    consumer = Consumer(conn.consumer(), logger=conn.logger)
    try:
        end: dict[int, int] = {}
        assignment = []
        for p in meta.partitions:
            if partitions is not None and p not in partitions:
                continue
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)
            if last is not None:
                low = max(low, high - last)
            if high > low:
                end[p] = high
                assignment.append(TopicPartition(topic, p, low))
        if not assignment:
            return []
        consumer.assign(assignment)
        out: list[Record] = []
        while end:
            msg = consumer.poll(timeout)
            if msg is None:
                raise TimeoutError(f"{topic}: no message within {timeout}s from {sorted(end)}")
            partition, offset = msg.partition(), msg.offset()
            if msg.error() or partition is None or offset is None:
                continue
            value = msg.value()
            if value is not None:
                stamp = msg.timestamp()[1] / 1000 if msg.timestamp()[1] > 0 else 0.0
                out.append(Record(partition, offset, msg.key(), value, stamp))
            if offset + 1 >= end.get(partition, 0):
                end.pop(partition, None)
        return sorted(out, key=lambda r: (r.partition, r.offset))
    finally:
        consumer.close()
