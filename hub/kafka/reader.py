"""Read a whole topic as it is now (all partitions, from the start, up to the high watermark)."""

from __future__ import annotations

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


def read_topic(
    connection: KafkaConnection | str, topic: str, timeout: float = 10.0
) -> list[Record]:
    """Every message currently in ``topic``; empty when the topic does not exist."""
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
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)
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
                out.append(Record(partition, offset, msg.key(), value))
            if offset + 1 >= end.get(partition, 0):
                end.pop(partition, None)
        return sorted(out, key=lambda r: (r.partition, r.offset))
    finally:
        consumer.close()
