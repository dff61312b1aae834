"""The hub's Kafka producer: idempotent, ``acks=all``, awaited per message.

``send`` returns only after the broker acknowledged the write, so intake can
answer ``202`` truthfully. The partitioner is ``murmur2_random`` (the Java
client's), so the same key lands on the same partition as it does from the faust
stages: events of one case stay on one partition across topics.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient

from hub.kafka.config import KafkaConnection


class ProduceError(Exception):
    """The broker did not take the write (in time)."""


class EventProducer:
    """Async facade over confluent-kafka's producer, polled by a background thread."""

    def __init__(self, connection: KafkaConnection | str, *, timeout_seconds: float = 15.0) -> None:
        self.connection = KafkaConnection.of(connection)
        self.timeout_seconds = timeout_seconds
        self._producer = Producer(
            self.connection.producer(
                **{
                    "linger.ms": 2,
                    "message.timeout.ms": int(timeout_seconds * 1000),
                    "socket.connection.setup.timeout.ms": 3000,
                }
            ),
            logger=self.connection.logger,
        )
        self._admin = AdminClient(self.connection.admin(), logger=self.connection.logger)
        self._stop = threading.Event()
        self._poller = threading.Thread(target=self._poll, name="intake-producer", daemon=True)
        self._poller.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            self._producer.poll(0.05)

    async def send(self, topic: str, key: bytes | None, value: bytes) -> None:
        """Produce one message and wait for the broker's acknowledgement."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()

        def on_delivery(err: KafkaError | None, _msg: Any) -> None:
            def settle() -> None:
                if done.done():
                    return
                if err is not None:
                    done.set_exception(ProduceError(str(err)))
                else:
                    done.set_result(None)

            loop.call_soon_threadsafe(settle)

        try:
            self._producer.produce(topic, key=key, value=value, on_delivery=on_delivery)
        except (BufferError, KafkaException) as exc:
            raise ProduceError(str(exc)) from exc
        try:
            await asyncio.wait_for(done, self.timeout_seconds + 1)
        except TimeoutError as exc:
            raise ProduceError("broker did not acknowledge in time") from exc

    def broker_reachable(self, timeout: float = 2.0) -> bool:
        """True when the broker answers a metadata request."""
        try:
            return bool(self._admin.list_topics(timeout=timeout).brokers)
        except Exception:
            return False

    def close(self) -> None:
        """Flush what is in flight and stop the poller."""
        self._producer.flush(5)
        self._stop.set()
        self._poller.join(timeout=2)
