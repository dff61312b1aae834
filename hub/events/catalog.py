"""The schema catalog shipped in ``schemas/avro/``: parsed schemas, fingerprints, lookups."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fastavro import parse_schema
from fastavro.schema import fingerprint, load_schema, to_parsing_canonical_form

from hub.events.models import EVENT_TYPES, Event

# package data (a link to the top-level schemas/avro/ in a checkout), so an installed wheel has it
SCHEMA_DIR = Path(str(resources.files("hub.events") / "schemas"))


@dataclass(frozen=True)
class CatalogEntry:
    """One top-level event schema."""

    name: str
    model: type[Event]
    schema: dict[str, Any]  # fully expanded (named references inlined)
    parsed: Any  # fastavro's parsed form, for reading and writing
    fingerprint: bytes  # CRC-64-AVRO of the parsing canonical form, 8 bytes

    @property
    def schema_json(self) -> str:
        """The expanded schema as JSON text (what a registry stores)."""
        return json.dumps(self.schema, separators=(",", ":"))


class SchemaCatalog:
    """All event schemas of one directory, by model, by full name and by fingerprint."""

    def __init__(self, schema_dir: Path = SCHEMA_DIR, *, partial: bool = False) -> None:
        """Load every event schema of ``schema_dir``; ``partial`` allows events it lacks
        (a released version from before an event type existed)."""
        self.schema_dir = schema_dir
        by_name: dict[str, CatalogEntry] = {}
        for model in EVENT_TYPES:
            path = schema_dir / f"{model.avro_name}.avsc"
            if not path.is_file():
                if partial:
                    continue
                raise FileNotFoundError(f"schema for {model.__name__} missing: {path}")
            expanded = load_schema(str(path), _write_hint=False)
            if not isinstance(expanded, dict):
                raise TypeError(f"{path}: top-level schema must be a record")
            canonical = to_parsing_canonical_form(expanded)
            by_name[model.avro_name] = CatalogEntry(
                name=model.avro_name,
                model=model,
                schema=expanded,
                parsed=parse_schema(expanded, _write_hint=False),
                fingerprint=bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO")),
            )
        self._by_name = by_name
        self._by_fingerprint = {e.fingerprint: e for e in by_name.values()}

    def for_model(self, model: type[Event]) -> CatalogEntry:
        """Entry of an event model."""
        return self._by_name[model.avro_name]

    def has_model(self, model: type[Event]) -> bool:
        """True when this catalog has a schema for ``model``."""
        return model.avro_name in self._by_name

    def by_fingerprint(self, fp: bytes) -> CatalogEntry | None:
        """Entry whose writer schema has this fingerprint, or None."""
        return self._by_fingerprint.get(fp)

    def by_name(self, name: str) -> CatalogEntry | None:
        """Entry of a record full name, or None."""
        return self._by_name.get(name)

    def entries(self) -> list[CatalogEntry]:
        """Every top-level event schema."""
        return list(self._by_name.values())


RELEASED_DIR = SCHEMA_DIR / "released"


@cache
def default_catalog() -> SchemaCatalog:
    """The catalog shipped with the project, parsed once."""
    return SchemaCatalog()


@cache
def released_catalogs() -> tuple[SchemaCatalog, ...]:
    """Every released schema version, oldest first (writer schemas of older producers)."""
    if not RELEASED_DIR.is_dir():
        return ()
    versions = sorted(
        (d for d in RELEASED_DIR.iterdir() if d.is_dir()),
        key=lambda d: tuple(int(p) if p.isdigit() else 0 for p in d.name.split(".")),
    )
    return tuple(SchemaCatalog(d, partial=True) for d in versions)
