"""Create the hub's topics, as declared in :mod:`hub.kafka.topics`, before any role starts.

faust would otherwise create them with its own defaults. Topics that exist are left
alone (an operator may have tuned them); ``HUB_CREATE_TOPICS=false`` skips this
where the cluster's topics are managed by an operator (Strimzi ``KafkaTopic``).
"""

from __future__ import annotations

from collections.abc import Sequence

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from hub.kafka.config import KafkaConnection
from hub.kafka.topics import TopicSpec


def ensure_topics(
    connection: KafkaConnection | str, specs: Sequence[TopicSpec], *, timeout: float = 30
) -> list[str]:
    """Create the missing topics with their declared settings; return the names created."""
    conn = KafkaConnection.of(connection)
    admin = AdminClient(conn.admin(), logger=conn.logger)
    existing = set(admin.list_topics(timeout=timeout).topics)
    missing = [s for s in specs if s.name not in existing]
    if not missing:
        return []
    futures = admin.create_topics(
        [
            NewTopic(
                s.name,
                num_partitions=s.partitions,
                replication_factor=s.replication,
                config=s.configs(),
            )
            for s in missing
        ],
        operation_timeout=timeout,
    )
    for fut in futures.values():
        try:
            fut.result()
        except KafkaException as exc:
            if exc.args[0].name() != "TOPIC_ALREADY_EXISTS":
                raise
    return [s.name for s in missing]
