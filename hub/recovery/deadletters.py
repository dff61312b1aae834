"""The quarantine and dead-letter topics: list, show and replay their entries.

Both topics hold :class:`~hub.events.models.Quarantined` records: the original
message (key and value, byte for byte) with its error context. Replaying writes
the original message to its source topic again, exactly as it was, and records
a :class:`~hub.events.models.Replayed` marker so that lists show what was
replayed and ``--all`` does not replay an entry twice. Re-sending is safe even
then: delivery states are remembered per delivery id, so a delivery already
handed over is not handed over again.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hub.events.codec import CodecError, EventCodec
from hub.events.models import Envelope, Quarantined, Replayed
from hub.events.topics import Topics
from hub.kafka.config import KafkaConnection
from hub.kafka.producer import EventProducer
from hub.kafka.reader import read_topic


@dataclass(frozen=True)
class Entry:
    """One quarantine or dead-letter entry, and whether it was replayed."""

    topic: str
    record: Quarantined
    replayed: int  # how many times

    @property
    def id(self) -> str:
        """The entry's id (its event id)."""
        return self.record.envelope.event_id


@dataclass(frozen=True)
class Filter:
    """What ``hub dlq list`` and ``replay --all`` select."""

    tenant: str | None = None
    connector: str | None = None
    reason: str | None = None
    include_replayed: bool = True

    def matches(self, entry: Entry) -> bool:
        """True when every given criterion holds."""
        r = entry.record
        return (
            (self.tenant is None or r.envelope.tenant == self.tenant)
            and (self.connector is None or r.connector == self.connector)
            and (self.reason is None or r.reason == self.reason)
            and (self.include_replayed or not entry.replayed)
        )


class DeadLetters:
    """Reads and replays the quarantine and dead-letter topics of one hub."""

    def __init__(
        self, connection: KafkaConnection | str, topics: Topics, codec: EventCodec
    ) -> None:
        self.connection, self.topics, self.codec = KafkaConnection.of(connection), topics, codec

    def _replay_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for rec in read_topic(self.connection, self.topics.replays):
            try:
                marker = self.codec.decode(rec.value, topic=self.topics.replays)
            except CodecError:
                continue
            if isinstance(marker, Replayed):
                counts[marker.entry_id] = counts.get(marker.entry_id, 0) + 1
        return counts

    def entries(self, flt: Filter = Filter()) -> list[Entry]:
        """Every entry of both topics that matches ``flt``, oldest first."""
        replayed = self._replay_counts()
        found: list[Entry] = []
        for topic in (self.topics.quarantine, self.topics.deadletter):
            for rec in read_topic(self.connection, topic):
                try:
                    q = self.codec.decode(rec.value, topic=topic)
                except CodecError:
                    continue
                if isinstance(q, Quarantined):
                    entry = Entry(topic, q, replayed.get(q.envelope.event_id, 0))
                    if flt.matches(entry):
                        found.append(entry)
        return sorted(found, key=lambda e: e.record.last_error_at)

    def find(self, entry_id: str) -> Entry:
        """The entry whose id is ``entry_id`` or starts with it; LookupError when none or many."""
        matches = [e for e in self.entries() if e.id.startswith(entry_id)]
        if not matches:
            raise LookupError(f"no entry with id {entry_id!r}")
        if len(matches) > 1:
            raise LookupError(f"{entry_id!r} matches {len(matches)} entries; give more characters")
        return matches[0]

    async def replay(
        self,
        entries: Iterable[Entry],
        *,
        producer: EventProducer,
        progress: Callable[[int], None] = lambda _n: None,
    ) -> int:
        """Write each entry's original message to its source topic, then mark it replayed."""
        operator = _operator()
        done = 0
        for entry in entries:
            r = entry.record
            await producer.send(r.source_topic, r.original_key, r.original_value)
            marker = Replayed(
                envelope=Envelope(
                    case_id=r.envelope.case_id,
                    tenant=r.envelope.tenant,
                    correlation_id=r.envelope.correlation_id,
                ),
                entry_id=entry.id,
                entry_topic=entry.topic,
                target_topic=r.source_topic,
                operator=operator,
            )
            value = self.codec.encode(marker, topic=self.topics.replays)
            await producer.send(self.topics.replays, entry.id.encode(), value)
            done += 1
            progress(done)
        return done


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
