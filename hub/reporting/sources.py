"""What ``hub report`` and ``hub status`` read from the broker and from the roles' HTTP ports.

Everything here does I/O and nothing else: the computations are in
:mod:`hub.reporting.report` and :mod:`hub.reporting.status`. The broker is asked
for metadata first with a short timeout, because reading a topic from an
unreachable broker would block for the reader's full timeout per call.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

import httpx
from confluent_kafka import Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient

from hub.events.codec import CodecError, EventCodec
from hub.events.models import Event
from hub.kafka.config import KafkaConnection
from hub.kafka.reader import read_topic
from hub.reporting.status import GroupLag, RoleProbe

E = TypeVar("E", bound=Event)


class BrokerUnreachableError(RuntimeError):
    """The broker did not answer a metadata request in time."""

    def __init__(self, bootstrap: str) -> None:
        super().__init__(
            f"cannot reach Kafka at {bootstrap} (set HUB_KAFKA_BOOTSTRAP to the broker's address)"
        )
        self.bootstrap = bootstrap


def broker_topics(connection: KafkaConnection, timeout: float = 5.0) -> dict[str, int]:
    """Topic name -> partition count; raises :class:`BrokerUnreachableError` within ``timeout``."""
    admin = AdminClient(connection.admin(), logger=connection.logger)
    try:
        meta = admin.list_topics(timeout=timeout)
    except KafkaException as exc:
        raise BrokerUnreachableError(connection.bootstrap) from exc
    return {name: len(t.partitions) for name, t in meta.topics.items() if t.error is None}


def read_events(
    connection: KafkaConnection, topic: str, codec: EventCodec, kind: type[E]
) -> list[E]:
    """Every event of type ``kind`` in ``topic``; messages that do not decode are skipped."""
    found: list[E] = []
    for record in read_topic(connection, topic):
        try:
            event = codec.decode(record.value, topic=topic)
        except CodecError:
            continue
        if isinstance(event, kind):
            found.append(event)
    return found


def group_lags(
    connection: KafkaConnection,
    topic: str,
    partitions: int,
    groups: Iterable[str],
    timeout: float = 5.0,
) -> list[GroupLag]:
    """For each consumer group: messages of ``topic`` not yet committed, and whether it
    has committed anything there at all (read-only: the groups are never joined)."""
    tps = [TopicPartition(topic, p) for p in range(partitions)]
    lags: list[GroupLag] = []
    for group in groups:
        consumer = Consumer(connection.consumer(group), logger=connection.logger)
        try:
            lag, committed_any = 0, False
            for committed in consumer.committed(tps, timeout=timeout):
                low, high = consumer.get_watermark_offsets(committed, timeout=timeout)
                if committed.offset >= 0:
                    committed_any = True
                    lag += max(0, high - committed.offset)
                else:
                    lag += max(0, high - low)
            lags.append(GroupLag(group, lag, committed_any))
        finally:
            consumer.close()
    return lags


def probe_role(client: httpx.Client, name: str, url: str, *, with_metrics: bool) -> RoleProbe:
    """GET ``/readyz`` (and ``/metrics`` when asked) of one role; never raises for I/O."""
    base = url.rstrip("/")
    try:
        ready = client.get(f"{base}/readyz")
    except httpx.HTTPError as exc:
        return RoleProbe(name, url, None, _why(exc), None)
    detail = ready.text.strip().replace("\n", " ")[:120]
    metrics: str | None = None
    if with_metrics:
        try:
            answer = client.get(f"{base}/metrics")
            metrics = answer.text if answer.status_code == 200 else None
        except httpx.HTTPError:
            metrics = None
    return RoleProbe(name, url, ready.status_code == 200, detail, metrics)


def _why(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "connection refused"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    return type(exc).__name__
