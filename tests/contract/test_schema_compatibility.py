"""Schema contract: backward compatibility with the last release, and models mirror schemas.

Releases live in ``schemas/avro/released/<version>/`` as full copies of ``schemas/avro/*.avsc``
at release time (``v1``, ``v2``, ... or ``1.0.0``; the highest version wins). A schema that
is in no release yet is checked against itself, so the harness runs before the first
release and picks ``v1`` up as soon as it exists.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import types
import typing
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

import avro.schema
import pytest
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
from fastavro.schema import load_schema
from pydantic import BaseModel

from hub.events.catalog import (
    RELEASED_DIR,
    SCHEMA_DIR,
    CatalogEntry,
    SchemaCatalog,
    default_catalog,
)
from hub.events.codec import SingleObjectCodec
from hub.events.models import (
    EVENT_TYPES,
    Applicant,
    ApplicantType,
    Application,
    ApplicationSubmitted,
    AttachmentRef,
    Authority,
    CaseRouted,
    CaseStatus,
    CaseStatusChanged,
    DeliveryOutcome,
    DeliveryRequested,
    DeliveryResult,
    Envelope,
    Event,
    Invoice,
    InvoiceReceived,
    PlannedDelivery,
    Quarantined,
    Replayed,
    Service,
)

RELEASED_ROOT = RELEASED_DIR
ENTRIES = default_catalog().entries()


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


# --- the harness -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """What the current schema must stay compatible with."""

    version: str  # release directory name, or "unreleased" (the schema itself)
    schema: dict[str, Any]


def _version_key(path: Path) -> tuple[tuple[int, ...], str]:
    return tuple(int(n) for n in re.findall(r"\d+", path.name)), path.name


def released_versions(root: Path) -> list[Path]:
    """Release directories under ``root``, oldest first (``v2`` before ``v10``)."""
    if not root.is_dir():
        return []
    return sorted((d for d in root.iterdir() if d.is_dir()), key=_version_key)


def baseline(name: str, current: dict[str, Any], root: Path = RELEASED_ROOT) -> Baseline:
    """The newest released version of schema ``name``; the current schema when none exists."""
    for version in reversed(released_versions(root)):
        path = version / f"{name}.avsc"
        if path.is_file():
            return Baseline(version.name, load_schema(str(path), _write_hint=False))
    return Baseline("unreleased", current)


def incompatibilities(reader: dict[str, Any], writer: dict[str, Any]) -> list[str]:
    """Why data written with ``writer`` cannot be read with ``reader`` (empty: it can)."""
    result = ReaderWriterCompatibilityChecker().get_compatibility(
        avro.schema.parse(json.dumps(reader)), avro.schema.parse(json.dumps(writer))
    )
    if result.compatibility is SchemaCompatibilityType.compatible:
        return []
    kinds = ", ".join(sorted(i.value for i in result.incompatibilities))
    return [
        f"{kinds} at {', '.join(sorted(result.locations))}: {', '.join(sorted(result.messages))}"
    ]


def backward_problems(
    entry: CatalogEntry, root: Path = RELEASED_ROOT
) -> tuple[Baseline, list[str]]:
    """The baseline of ``entry`` and why the current schema cannot read data written with it."""
    base = baseline(entry.name, entry.schema, root)
    return base, incompatibilities(reader=entry.schema, writer=base.schema)


# --- the check ---------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: _short(e.name))
def test_current_schema_reads_events_written_with_last_released_schema(entry: CatalogEntry) -> None:
    base, problems = backward_problems(entry)

    assert [] == problems, f"{entry.name} is not backward compatible with release {base.version}"


# one event of every type, new optional fields left at their defaults
_AT = datetime(2026, 11, 20, 8, 14, 3, 123000, tzinfo=UTC)
_ENV = Envelope(case_id="c-1", tenant="bensheim", correlation_id="c-1", occurred_at=_AT)
_DOC = AttachmentRef(
    attachment_id="a-1",
    filename="scan.pdf",
    media_type="application/pdf",
    size=73,
    sha256="8c243580ecbb1b54b4b5d5403cbf0c11e224d93fdb9ca2d481cbf838d6fc0cd9",
    uri="blob:x",
)
_APP = Application(
    portal="civento-hessen",
    submission_id="CIV-1",
    submitted_at=_AT,
    service=Service(leika_id="99050012104000", name="Gewerbe anmelden"),
    authority=Authority(name="Stadt Bensheim", ags="06431002", ars="064310002002"),
    applicant=Applicant(type=ApplicantType.person, given_name="A", family_name="D"),
    form_data_json="{}",
    attachments=(_DOC,),
)
SAMPLES: dict[type[Event], Event] = {
    ApplicationSubmitted: ApplicationSubmitted(envelope=_ENV, application=_APP),
    InvoiceReceived: InvoiceReceived(
        envelope=_ENV,
        portal="erechnung-gateway",
        invoice=Invoice(
            syntax="ubl",
            document_type="Invoice",
            invoice_number="R-1",
            issue_date=date(2026, 11, 2),
            type_code="380",
            currency="EUR",
            leitweg_id="064310002002-00001-12",
            specification_id="urn:x",
            seller_name="Gruenpflege GmbH",
            document=_DOC,
        ),
    ),
    DeliveryRequested: DeliveryRequested(
        envelope=_ENV,
        delivery_id="d-1",
        connector="dms",
        connector_kind="dms.xdomea",
        rule="r",
        application=_APP,
    ),
    CaseRouted: CaseRouted(
        envelope=_ENV,
        rule="r",
        service="99050012104000",
        deliveries=(
            PlannedDelivery(delivery_id="d-1", connector="dms", connector_kind="dms.xdomea"),
        ),
    ),
    DeliveryOutcome: DeliveryOutcome(
        envelope=_ENV,
        delivery_id="d-1",
        connector="dms",
        connector_kind="dms.xdomea",
        outcome=DeliveryResult.delivered,
        media_break=False,
        receipt="d-1.zip",
    ),
    CaseStatusChanged: CaseStatusChanged(
        envelope=_ENV,
        status=CaseStatus.completed,
        previous=CaseStatus.delivered,
        service="99050012104000",
    ),
    Quarantined: Quarantined(
        envelope=_ENV,
        stage="router",
        reason="undecodable",
        detail="x",
        source_topic="t",
        original_value=b"\x00",
        first_error_at=_AT,
        last_error_at=_AT,
    ),
    Replayed: Replayed(
        envelope=_ENV,
        entry_id="5b0d7c2e-0000-4000-8000-000000000001",
        entry_topic="hub.deadletter",
        target_topic="hub.deliveries.bensheim.gewerbe",
    ),
}


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: _short(e.name))
def test_events_written_by_every_released_producer_are_decoded_by_the_default_codec(
    entry: CatalogEntry,
) -> None:
    assert entry.model in SAMPLES, f"add a sample {entry.model.__name__} to SAMPLES"
    sample = SAMPLES[entry.model]
    writers = [SchemaCatalog(d, partial=True) for d in released_versions(RELEASED_ROOT)]
    writers = [c for c in writers if c.has_model(entry.model)] or [default_catalog()]

    decoded = [
        SingleObjectCodec().decode(SingleObjectCodec(catalog=c).encode(sample)) for c in writers
    ]

    assert [sample] * len(writers) == decoded


# --- the harness itself ------------------------------------------------------------------------


def _release(root: Path, version: str) -> Path:
    """A release directory as the release process would create it: a copy of every schema."""
    target = root / version
    target.mkdir(parents=True)
    for path in SCHEMA_DIR.glob("*.avsc"):
        shutil.copy(path, target / path.name)
    return target


def _entry(short_name: str) -> CatalogEntry:
    found = default_catalog().by_name(f"de.ikz.hub.events.{short_name}")
    assert found is not None
    return found


def _with_field(schema: dict[str, Any], field: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(schema)
    changed["fields"].append(field)
    return changed


def _with_type(schema: dict[str, Any], field_name: str, new_type: Any) -> dict[str, Any]:
    changed = copy.deepcopy(schema)
    for f in changed["fields"]:
        if f["name"] == field_name:
            f["type"] = new_type
    return changed


def test_harness_without_any_release_checks_schema_against_itself(tmp_path: Path) -> None:
    entry = _entry("CaseRouted")

    base = baseline(entry.name, entry.schema, tmp_path / "released")

    assert ("unreleased", entry.schema) == (base.version, base.schema)


def test_harness_compares_with_release_v1_once_it_exists(tmp_path: Path) -> None:
    root = tmp_path / "released"
    _release(root, "v1")
    entry = _entry("CaseRouted")

    base, problems = backward_problems(entry, root)

    assert "v1" == base.version
    assert "de.ikz.hub.events.CaseRouted" == base.schema["name"]
    # named references (envelope) are resolved from the release directory
    assert "record" == base.schema["fields"][0]["type"]["type"]
    assert [] == problems


def test_harness_uses_highest_release_numerically(tmp_path: Path) -> None:
    root = tmp_path / "released"
    for version in ("v2", "v10", "v9"):
        _release(root, version)

    base = baseline(_entry("CaseRouted").name, {}, root)

    assert ["v2", "v9", "v10"] == [p.name for p in released_versions(root)]
    assert "v10" == base.version


def test_harness_falls_back_to_older_release_when_newest_lacks_the_schema(tmp_path: Path) -> None:
    root = tmp_path / "released"
    _release(root, "v1")
    (_release(root, "v2") / "de.ikz.hub.events.Quarantined.avsc").unlink()

    assert "v1" == baseline(_entry("Quarantined").name, {}, root).version


def test_harness_reports_new_field_without_default_as_incompatible(tmp_path: Path) -> None:
    root = tmp_path / "released"
    _release(root, "v1")
    writer = baseline(_entry("CaseRouted").name, {}, root).schema
    reader = _with_field(_entry("CaseRouted").schema, {"name": "priority", "type": "int"})

    problems = incompatibilities(reader, writer)

    assert 1 == len(problems)
    assert "reader_field_missing_default_value" in problems[0]
    assert "priority" in problems[0]


def test_harness_reports_changed_field_type_as_incompatible() -> None:
    writer = _entry("DeliveryOutcome").schema
    reader = _with_type(writer, "attempts", "string")

    problems = incompatibilities(reader, writer)

    assert 1 == len(problems)
    assert "type_mismatch" in problems[0]


def test_harness_reports_dropped_union_branch_as_incompatible() -> None:
    writer = _entry("CaseRouted").schema
    reader = _with_type(writer, "reason", "string")  # was ["null", "string"]

    assert [] != incompatibilities(reader, writer)


def test_harness_accepts_new_field_with_default() -> None:
    writer = _entry("CaseRouted").schema
    reader = _with_field(writer, {"name": "priority", "type": "int", "default": 0})

    assert [] == incompatibilities(reader, writer)


# --- models and schema files agree -----------------------------------------------------------


@pytest.mark.parametrize("model", EVENT_TYPES, ids=lambda m: m.__name__)
def test_every_event_model_has_a_schema_file(model: type[Event]) -> None:
    assert (SCHEMA_DIR / f"{model.avro_name}.avsc").is_file()


def _event_schema_names() -> set[str]:
    """Full names of the schema files that are events (records carrying an envelope)."""
    names = set()
    for path in SCHEMA_DIR.glob("*.avsc"):
        schema = json.loads(path.read_text())
        if any(f["name"] == "envelope" for f in schema.get("fields", [])):
            names.add(f"{schema['namespace']}.{schema['name']}")
            assert path.stem == f"{schema['namespace']}.{schema['name']}", (
                "file name must be the full name"
            )
    return names


def test_every_event_schema_file_has_a_model() -> None:
    expected = {
        f"de.ikz.hub.events.{n}"
        for n in (
            "ApplicationSubmitted",
            "DeliveryRequested",
            "CaseRouted",
            "DeliveryOutcome",
            "CaseStatusChanged",
            "Quarantined",
        )
    }
    found = _event_schema_names()

    assert expected <= found
    assert found == {m.avro_name for m in EVENT_TYPES}


def _named_types(schema: Any, found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every named type (record, enum) defined in an expanded schema, by full and short name."""
    if isinstance(schema, list):
        for s in schema:
            _named_types(s, found)
    elif isinstance(schema, dict):
        if schema.get("type") in ("record", "enum") and "name" in schema:
            found[schema["name"]] = schema
            found[_short(schema["name"])] = schema
        for f in schema.get("fields", []):
            _named_types(f["type"], found)
        for key in ("items", "values"):
            if key in schema:
                _named_types(schema[key], found)
    return found


def _avro_named(avro_type: Any, named: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The record or enum inside a field type (through unions and arrays), or None."""
    if isinstance(avro_type, str):
        return named.get(avro_type)
    if isinstance(avro_type, list):
        inner = [t for t in avro_type if t != "null"]
        return _avro_named(inner[0], named) if len(inner) == 1 else None
    if avro_type.get("type") in ("record", "enum"):
        return avro_type
    if avro_type.get("type") == "array":
        return _avro_named(avro_type["items"], named)
    return None


def _model_inner(annotation: Any) -> Any:
    """The model or enum class inside ``X | None`` and ``tuple[X, ...]``, else the annotation."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _model_inner(inner[0]) if len(inner) == 1 else annotation
    if origin in (tuple, list):
        return _model_inner(typing.get_args(annotation)[0])
    return annotation


def schema_mismatches(
    model: type[BaseModel], record: dict[str, Any], named: dict[str, dict[str, Any]], path: str
) -> list[str]:
    """Field names (and enum symbols) where ``model`` and Avro ``record`` disagree, recursively."""
    model_fields = set(model.model_fields)
    avro_fields = {f["name"]: f for f in record["fields"]}
    found = [
        f"{path}.{n}: model field missing from the schema"
        for n in sorted(model_fields - set(avro_fields))
    ]
    found += [
        f"{path}.{n}: schema field missing from the model"
        for n in sorted(set(avro_fields) - model_fields)
    ]
    for name in sorted(model_fields & set(avro_fields)):
        inner = _model_inner(model.model_fields[name].annotation)
        avro_named = _avro_named(avro_fields[name]["type"], named)
        where = f"{path}.{name}"
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            if avro_named is None or avro_named["type"] != "record":
                found.append(f"{where}: model {inner.__name__} but the schema has no record")
            else:
                found += schema_mismatches(inner, avro_named, named, where)
        elif isinstance(inner, type) and issubclass(inner, Enum):
            symbols = avro_named["symbols"] if avro_named and avro_named["type"] == "enum" else None
            if symbols != [m.value for m in inner]:
                found.append(
                    f"{where}: enum {inner.__name__} {[m.value for m in inner]} vs {symbols}"
                )
    return found


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: _short(e.name))
def test_model_field_names_equal_schema_field_names(entry: CatalogEntry) -> None:
    named = _named_types(entry.schema, {})

    assert [] == schema_mismatches(entry.model, entry.schema, named, _short(entry.name))


def test_field_walk_detects_a_renamed_nested_field() -> None:
    entry = _entry("ApplicationSubmitted")
    schema = copy.deepcopy(entry.schema)
    application = schema["fields"][1]["type"]
    service = next(f for f in application["fields"] if f["name"] == "service")["type"]
    service["fields"][0]["name"] = "leikaId"

    problems = schema_mismatches(
        entry.model, schema, _named_types(schema, {}), "ApplicationSubmitted"
    )

    assert [
        "ApplicationSubmitted.application.service.leika_id: model field missing from the schema",
        "ApplicationSubmitted.application.service.leikaId: schema field missing from the model",
    ] == problems


def test_field_walk_detects_an_enum_symbol_the_schema_lacks() -> None:
    entry = _entry("DeliveryOutcome")
    schema = copy.deepcopy(entry.schema)
    outcome = next(f for f in schema["fields"] if f["name"] == "outcome")["type"]
    outcome["symbols"] = ["delivered", "rejected"]

    problems = schema_mismatches(entry.model, schema, _named_types(schema, {}), "DeliveryOutcome")

    assert 1 == len(problems)
    assert problems[0].startswith("DeliveryOutcome.outcome: enum DeliveryResult")
