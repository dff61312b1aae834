"""The one place that builds every Kafka client's configuration.

confluent-kafka producers, consumers and admin clients, and faust's broker
settings all come from a :class:`KafkaConnection`, built once from the
settings. Nothing else in the hub writes ``bootstrap.servers`` or any other
client property, so a connection setting (security, timeouts) added here
reaches every client at once.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub.settings import HubSettings

_RDKAFKA_LOG = logging.getLogger("hub.kafka.rdkafka")


@dataclass(frozen=True)
class KafkaConnection:
    """How to reach the cluster: bootstrap servers (and, later, security)."""

    bootstrap: str = "127.0.0.1:9092"

    @classmethod
    def from_settings(cls, settings: HubSettings) -> KafkaConnection:
        """The connection the settings describe."""
        return cls(bootstrap=settings.kafka_bootstrap)

    @classmethod
    def of(cls, target: KafkaConnection | str) -> KafkaConnection:
        """``target`` itself, or a plain connection to the bootstrap address ``target``."""
        return target if isinstance(target, KafkaConnection) else cls(bootstrap=target)

    def common(self) -> dict[str, Any]:
        """Properties every librdkafka client shares."""
        return {"bootstrap.servers": self.bootstrap}

    def producer(self, **extra: Any) -> dict[str, Any]:
        """An idempotent ``acks=all`` producer with the Java client's partitioner.

        ``murmur2_random`` puts a key on the same partition number as faust's
        producer does, so every event of a case stays on one partition in every topic.
        """
        return {
            **self.common(),
            "enable.idempotence": True,
            "acks": "all",
            "partitioner": "murmur2_random",
            **extra,
        }

    def consumer(self, group_id: str | None = None, **extra: Any) -> dict[str, Any]:
        """A consumer that never commits unless told to (tools, readers, probes).

        Without ``group_id`` a throw-away group name is made up (librdkafka needs
        one even for assigned partitions); it is never committed to.
        """
        return {
            **self.common(),
            "group.id": group_id or f"hub-reader-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
            **extra,
        }

    def admin(self) -> dict[str, Any]:
        """An admin client."""
        return self.common()

    def faust(self) -> dict[str, Any]:
        """faust ``App`` keyword arguments that reach the broker."""
        return {"broker": f"kafka://{self.bootstrap}"}

    @property
    def logger(self) -> logging.Logger:
        """The stdlib logger librdkafka's messages go to (through structlog)."""
        return _RDKAFKA_LOG
