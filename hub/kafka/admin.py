"""Create the hub's topics before any role starts (faust would create them with defaults)."""

from __future__ import annotations

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from hub.config import HubConfig
from hub.events.topics import Topics
from hub.kafka.config import KafkaConnection


def all_topics(topics: Topics, config: HubConfig) -> list[str]:
    """Fixed topics plus one delivery topic per connector instance of every tenant."""
    names = list(topics.value_types())
    for tenant in config.tenants.values():
        names.extend(topics.delivery(tenant.id, cid) for cid in tenant.connectors)
    return names


def ensure_topics(
    connection: KafkaConnection | str,
    names: list[str],
    *,
    partitions: int,
    replication_factor: int,
    timeout: float = 30,
) -> list[str]:
    """Create the missing topics; return the names created. Existing topics are left alone."""
    conn = KafkaConnection.of(connection)
    admin = AdminClient(conn.admin(), logger=conn.logger)
    existing = set(admin.list_topics(timeout=timeout).topics)
    missing = [n for n in names if n not in existing]
    if not missing:
        return []
    futures = admin.create_topics(
        [
            NewTopic(n, num_partitions=partitions, replication_factor=replication_factor)
            for n in missing
        ],
        operation_timeout=timeout,
    )
    for name, fut in futures.items():
        try:
            fut.result()
        except KafkaException as exc:
            if exc.args[0].name() != "TOPIC_ALREADY_EXISTS":
                raise
        _ = name
    return missing
