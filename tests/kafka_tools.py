"""Read topics of the real broker from tests."""

from __future__ import annotations

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient


def read_topic(
    bootstrap: str, topic: str, timeout: float = 10.0
) -> list[tuple[bytes | None, bytes]]:
    """Every message currently in ``topic`` (all partitions, from the start), as (key, value)."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    meta = admin.list_topics(topic, timeout=timeout).topics.get(topic)
    if meta is None or meta.error is not None:
        return []
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "tests-reader", "enable.auto.commit": False}
    )
    try:
        wanted: dict[int, int] = {}
        assignment = []
        for p in meta.partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)
            if high > low:
                wanted[p] = high
                assignment.append(TopicPartition(topic, p, low))
        if not assignment:
            return []
        consumer.assign(assignment)
        out: list[tuple[bytes | None, bytes]] = []
        remaining = dict(wanted)
        while remaining:
            msg = consumer.poll(timeout)
            if msg is None:
                raise TimeoutError(f"{topic}: still waiting for partitions {sorted(remaining)}")
            if msg.error():
                continue
            out.append((msg.key(), msg.value()))
            if msg.offset() + 1 >= remaining.get(msg.partition(), 0):
                remaining.pop(msg.partition(), None)
        return out
    finally:
        consumer.close()
