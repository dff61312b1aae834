"""Avro codecs: one interface, two wire formats.

* :class:`SingleObjectCodec` (embedded default): Avro single-object encoding,
  ``C3 01`` + 8-byte CRC-64-AVRO fingerprint + Avro binary. Writer schemas are
  looked up by fingerprint in the catalog shipped in ``schemas/avro/``.
* :class:`RegistryCodec` (production): Confluent wire format, ``00`` + 4-byte
  schema id + Avro binary, schemas registered under ``<topic>-value`` through
  confluent-kafka's schema registry client.

Both decode to the current pydantic model, resolving older writer schemas with
Avro schema resolution (fields added later take their defaults).
"""

from __future__ import annotations

import io
import json
import struct
from collections.abc import Iterable
from typing import Any, Protocol

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from fastavro import parse_schema, schemaless_reader, schemaless_writer

from hub.events.catalog import CatalogEntry, SchemaCatalog, default_catalog, released_catalogs
from hub.events.models import Event

SINGLE_OBJECT_MAGIC = b"\xc3\x01"
CONFLUENT_MAGIC = b"\x00"


class CodecError(ValueError):
    """Bytes that are not a hub event this codec can read."""


class EventCodec(Protocol):
    """Turns events into message values and back."""

    def encode(self, event: Event, *, topic: str) -> bytes:
        """Serialise ``event`` for ``topic``."""
        ...

    def decode(self, data: bytes, *, topic: str) -> Event:
        """Deserialise a message value of ``topic``; raises :class:`CodecError`."""
        ...


def to_avro(event: Event) -> dict[str, Any]:
    """The Avro datum of an event (field names are identical)."""
    return event.model_dump()


def _read_body(entry: CatalogEntry, writer: Any, body: bytes) -> Event:
    try:
        datum = schemaless_reader(io.BytesIO(body), writer, entry.parsed)
        return entry.model.model_validate(datum)
    except Exception as exc:  # fastavro raises a zoo of types on corrupt bodies
        raise CodecError(f"cannot read {entry.name}: {exc}") from exc


def _write_body(entry: CatalogEntry, event: Event) -> bytes:
    buf = io.BytesIO()
    schemaless_writer(buf, entry.parsed, to_avro(event))
    return buf.getvalue()


class SingleObjectCodec:
    """Avro single-object encoding with writer schemas from the shipped catalog."""

    def __init__(
        self,
        catalog: SchemaCatalog | None = None,
        history: Iterable[SchemaCatalog] = (),
    ) -> None:
        self.catalog = catalog or default_catalog()
        # fingerprint -> (current entry to read into, writer schema of that fingerprint)
        self._writers: dict[bytes, tuple[CatalogEntry, Any]] = {}
        for old in (*released_catalogs(), *history) if catalog is None else history:
            for e in old.entries():
                self._writers[e.fingerprint] = (self.catalog.for_model(e.model), e.parsed)
        for e in self.catalog.entries():
            self._writers[e.fingerprint] = (e, e.parsed)

    def encode(self, event: Event, *, topic: str = "") -> bytes:
        """Serialise ``event`` (the topic is not part of this format)."""
        entry = self.catalog.for_model(type(event))
        return SINGLE_OBJECT_MAGIC + entry.fingerprint + _write_body(entry, event)

    def decode(self, data: bytes, *, topic: str = "") -> Event:
        """Deserialise single-object-encoded bytes."""
        if len(data) < 10 or data[:2] != SINGLE_OBJECT_MAGIC:
            raise CodecError("not Avro single-object encoding (magic C3 01 missing)")
        found = self._writers.get(data[2:10])
        if found is None:
            raise CodecError(f"unknown writer schema fingerprint {data[2:10].hex()}")
        entry, writer = found
        return _read_body(entry, writer, data[10:])


class RegistryCodec:
    """Confluent wire format backed by a Confluent-compatible schema registry."""

    def __init__(self, client: Any, catalog: SchemaCatalog | None = None) -> None:
        self.client = client
        self.catalog = catalog or default_catalog()
        self._ids: dict[tuple[str, str], int] = {}
        self._writers: dict[int, tuple[CatalogEntry, Any]] = {}

    @classmethod
    def from_url(cls, url: str) -> RegistryCodec:
        """Codec talking to the registry at ``url`` (``mock://name`` for an in-process fake)."""
        return cls(SchemaRegistryClient.new_client({"url": url}))

    def _schema_id(self, topic: str, entry: CatalogEntry) -> int:
        key = (topic, entry.name)
        if key not in self._ids:
            self._ids[key] = self.client.register_schema(
                f"{topic}-value", Schema(entry.schema_json, "AVRO")
            )
        return self._ids[key]

    def encode(self, event: Event, *, topic: str) -> bytes:
        """Serialise ``event``, registering its schema under ``<topic>-value`` once."""
        entry = self.catalog.for_model(type(event))
        schema_id = self._schema_id(topic, entry)
        return CONFLUENT_MAGIC + struct.pack(">I", schema_id) + _write_body(entry, event)

    def decode(self, data: bytes, *, topic: str) -> Event:
        """Deserialise Confluent-framed bytes, fetching the writer schema by id once."""
        if len(data) < 5 or data[:1] != CONFLUENT_MAGIC:
            raise CodecError("not Confluent wire format (magic byte 0 missing)")
        (schema_id,) = struct.unpack(">I", data[1:5])
        if schema_id not in self._writers:
            registered = json.loads(self.client.get_schema(schema_id).schema_str)
            name = registered.get("name", "")
            if "." not in name and registered.get("namespace"):
                name = f"{registered['namespace']}.{name}"
            entry = self.catalog.by_name(name)
            if entry is None:
                raise CodecError(f"schema id {schema_id} is {name!r}, not a hub event")
            self._writers[schema_id] = (entry, parse_schema(registered, _write_hint=False))
        entry, writer = self._writers[schema_id]
        return _read_body(entry, writer, data[5:])
