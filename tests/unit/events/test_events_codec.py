"""hub.events: every event model through both wire formats, framing, errors, schema evolution."""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from fastavro.schema import to_parsing_canonical_form
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.events.catalog import SCHEMA_DIR, CatalogEntry, SchemaCatalog, default_catalog
from hub.events.codec import (
    CONFLUENT_MAGIC,
    SINGLE_OBJECT_MAGIC,
    CodecError,
    RegistryCodec,
    SingleObjectCodec,
)
from hub.events.models import (
    EVENT_TYPES,
    AttachmentRef,
    CaseRouted,
    CaseStatus,
    CaseStatusChanged,
    DeliveryOutcome,
    DeliveryResult,
    Envelope,
    Event,
    Invoice,
    InvoiceReceived,
    PlannedDelivery,
    Quarantined,
    Replayed,
)
from tests.unit.factories import (
    EXAMPLE_STEMS,
    EXPECTED_TENANT,
    delivery_request,
    load_example,
    submitted_event,
)

TOPIC = "test.events"
INT32 = st.integers(min_value=-(2**31), max_value=2**31 - 1)

# --- strategies ------------------------------------------------------------------------------

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
ms_datetimes = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
envelopes = st.builds(
    Envelope,
    event_id=st.uuids().map(str),
    case_id=texts,
    tenant=texts,
    occurred_at=ms_datetimes,
    correlation_id=texts,
    schema_version=INT32,
)
optional_texts = st.none() | texts
outcomes = st.builds(
    DeliveryOutcome,
    envelope=envelopes,
    delivery_id=texts,
    connector=texts,
    connector_kind=texts,
    outcome=st.sampled_from(DeliveryResult),
    media_break=st.booleans(),
    receipt=optional_texts,
    reason=optional_texts,
    attempts=INT32,
    duration_seconds=st.floats(allow_nan=False),
)
status_changes = st.builds(
    CaseStatusChanged,
    envelope=envelopes,
    status=st.sampled_from(CaseStatus),
    previous=st.none() | st.sampled_from(CaseStatus),
    service=texts,
    reasons=st.lists(texts, max_size=4).map(tuple),
)
quarantines = st.builds(
    Quarantined,
    envelope=envelopes,
    stage=st.sampled_from(["intake", "router", "connector", "tracker"]),
    reason=texts,
    detail=texts,
    connector=optional_texts,
    source_topic=texts,
    original_key=st.none() | st.binary(max_size=40),
    original_value=st.binary(max_size=200),
    attempts=INT32,
    first_error_at=ms_datetimes,
    last_error_at=ms_datetimes,
    first_error=texts,
)
routings = st.builds(
    CaseRouted,
    envelope=envelopes,
    rule=texts,
    service=texts,
    deliveries=st.lists(
        st.builds(PlannedDelivery, delivery_id=texts, connector=texts, connector_kind=texts),
        max_size=3,
    ).map(tuple),
    reason=optional_texts,
)
documents = st.builds(
    AttachmentRef,
    attachment_id=texts,
    filename=texts,
    media_type=texts,
    size=st.integers(min_value=0, max_value=2**63 - 1),
    sha256=st.text("0123456789abcdef", min_size=64, max_size=64),
    uri=texts,
)
invoices = st.builds(
    Invoice,
    syntax=st.sampled_from(["ubl", "cii"]),
    document_type=texts,
    invoice_number=texts,
    issue_date=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    type_code=texts,
    currency=texts,
    leitweg_id=texts,
    specification_id=texts,
    seller_name=texts,
    seller_vat_id=optional_texts,
    payable_amount=optional_texts,
    document=documents,
)
invoices_received = st.builds(InvoiceReceived, envelope=envelopes, portal=texts, invoice=invoices)


@cache
def registry_codec() -> RegistryCodec:
    """One in-process mock registry per test run, under a name no other test uses."""
    return RegistryCodec.from_url(f"mock://{uuid.uuid4().hex}")


def _round_trips(event: Event) -> None:
    single = SingleObjectCodec()
    registry = registry_codec()

    assert event == single.decode(single.encode(event, topic=TOPIC), topic=TOPIC)
    assert event == registry.decode(registry.encode(event, topic=TOPIC), topic=TOPIC)


@settings(max_examples=60, deadline=None)
@given(envelopes)
def test_any_envelope_round_trips_inside_an_event(env: Envelope) -> None:
    _round_trips(
        CaseStatusChanged(envelope=env, status=CaseStatus.received, service="99050012104000")
    )


@settings(max_examples=60, deadline=None)
@given(outcomes)
def test_any_delivery_outcome_round_trips(event: DeliveryOutcome) -> None:
    _round_trips(event)


@settings(max_examples=60, deadline=None)
@given(status_changes)
def test_any_case_status_change_round_trips(event: CaseStatusChanged) -> None:
    _round_trips(event)


@settings(max_examples=60, deadline=None)
@given(quarantines)
def test_any_quarantined_message_round_trips(event: Quarantined) -> None:
    _round_trips(event)


replays = st.builds(
    Replayed,
    envelope=envelopes,
    entry_id=st.uuids().map(str),
    entry_topic=texts,
    target_topic=texts,
    operator=texts,
)


@settings(max_examples=40, deadline=None)
@given(replays)
def test_any_replay_marker_round_trips(event: Replayed) -> None:
    _round_trips(event)


@settings(max_examples=60, deadline=None)
@given(routings)
def test_any_routing_decision_round_trips(event: CaseRouted) -> None:
    _round_trips(event)


@settings(max_examples=60, deadline=None)
@given(invoices_received)
def test_any_invoice_received_round_trips(event: InvoiceReceived) -> None:
    _round_trips(event)


@settings(max_examples=30, deadline=None)
@given(invoices)
def test_delivery_requested_carrying_an_invoice_round_trips(invoice: Invoice) -> None:
    request = delivery_request(
        load_example("gewerbe-anmelden-bensheim"),
        "bensheim",
        connector="finance",
        kind="manual.mailbox",
        rule="invoices",
    )

    _round_trips(request.model_copy(update={"application": None, "invoice": invoice}))


@pytest.mark.parametrize("stem", EXAMPLE_STEMS)
def test_every_example_round_trips_as_application_submitted(stem: str) -> None:
    _round_trips(submitted_event(load_example(stem), EXPECTED_TENANT[stem]))


@pytest.mark.parametrize("stem", EXAMPLE_STEMS)
def test_every_example_round_trips_as_delivery_requested(stem: str) -> None:
    _round_trips(delivery_request(load_example(stem), EXPECTED_TENANT[stem]))


def test_delivery_requested_without_application_round_trips() -> None:
    request = delivery_request(load_example("gewerbe-anmelden-bensheim"), "bensheim")

    _round_trips(request.model_copy(update={"application": None}))


def test_every_event_type_is_covered_by_a_round_trip_test() -> None:
    covered = {
        "ApplicationSubmitted",
        "InvoiceReceived",
        "DeliveryRequested",
        "CaseRouted",
        "DeliveryOutcome",
        "CaseStatusChanged",
        "Quarantined",
        "Replayed",
    }

    assert covered == {m.__name__ for m in EVENT_TYPES}


# --- framing -----------------------------------------------------------------------------------


def _crc64_avro(data: bytes) -> bytes:
    """CRC-64-AVRO as the Avro specification defines it, little-endian (independent of fastavro)."""
    empty = 0xC15D213AA4D7A795
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (empty & -(fp & 1))
        table.append(fp)
    fp = empty
    for b in data:
        fp = (fp >> 8) ^ table[(fp ^ b) & 0xFF]
    return fp.to_bytes(8, "little")


def _some_event() -> CaseRouted:
    return CaseRouted(
        envelope=Envelope(case_id="case-1", tenant="bensheim", correlation_id="case-1"),
        rule="everything-to-dms",
        service="99050012104000",
        deliveries=(
            PlannedDelivery(delivery_id="d-1", connector="dms", connector_kind="dms.xdomea"),
        ),
    )


@pytest.mark.parametrize(
    "entry", default_catalog().entries(), ids=lambda e: e.name.rsplit(".", 1)[-1]
)
def test_catalog_fingerprint_is_little_endian_crc64_of_canonical_form(entry: CatalogEntry) -> None:
    expected = _crc64_avro(to_parsing_canonical_form(entry.schema).encode())

    assert expected == entry.fingerprint


def test_single_object_bytes_start_with_magic_and_writer_fingerprint() -> None:
    event = _some_event()

    data = SingleObjectCodec().encode(event)

    assert SINGLE_OBJECT_MAGIC + default_catalog().for_model(CaseRouted).fingerprint == data[:10]
    assert b"\xc3\x01" == data[:2]


def test_registry_bytes_carry_schema_id_registered_under_topic_value_subject() -> None:
    codec = RegistryCodec.from_url(f"mock://{uuid.uuid4().hex}")

    data = codec.encode(_some_event(), topic="hub.cases.routed")

    registered = codec.client.get_latest_version("hub.cases.routed-value")
    assert CONFLUENT_MAGIC + registered.schema_id.to_bytes(4, "big") == data[:5]
    assert "de.ikz.hub.events.CaseRouted" == json.loads(registered.schema.schema_str)["name"]


def _garbled() -> list[tuple[str, bytes]]:
    good = SingleObjectCodec().encode(_some_event())
    return [
        ("empty", b""),
        ("magic-only", good[:2]),
        ("wrong-magic", b"\xc3\x02" + good[2:]),
        ("confluent-frame", b"\x00\x00\x00\x00\x01" + good[10:]),
        ("unknown-fingerprint", good[:2] + bytes(8) + good[10:]),
        ("header-only", good[:10]),
        *[(f"truncated-{cut}", good[:cut]) for cut in (11, len(good) // 2, len(good) - 1)],
    ]


@pytest.mark.parametrize(("case", "data"), _garbled(), ids=[c for c, _ in _garbled()])
def test_single_object_decode_rejects_garbled_bytes_with_codec_error(
    case: str, data: bytes
) -> None:
    with pytest.raises(CodecError):
        SingleObjectCodec().decode(data)


def test_single_object_decode_rejects_every_truncation_of_a_body() -> None:
    codec = SingleObjectCodec()
    good = codec.encode(_some_event())
    decodable = []

    for cut in range(10, len(good)):
        try:
            codec.decode(good[:cut])
        except CodecError:
            continue
        decodable.append(cut)

    assert [] == decodable


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\x00\x00", b"\xc3\x01\x00\x00\x00\x01"],
    ids=["empty", "short", "single-object-magic"],
)
def test_registry_decode_rejects_garbled_framing_with_codec_error(data: bytes) -> None:
    with pytest.raises(CodecError):
        registry_codec().decode(data, topic=TOPIC)


def test_registry_decode_rejects_truncated_body_with_codec_error() -> None:
    codec = registry_codec()
    good = codec.encode(_some_event(), topic=TOPIC)

    with pytest.raises(CodecError):
        codec.decode(good[:-3], topic=TOPIC)


# --- schema evolution ----------------------------------------------------------------------


def _catalog_without_field(tmp_path: Path, record: str, field: str) -> SchemaCatalog:
    """A copy of the shipped catalog as it was before ``record.field`` was added."""
    old_dir = tmp_path / "schemas-old"
    shutil.copytree(SCHEMA_DIR, old_dir)
    path = old_dir / f"de.ikz.hub.events.{record}.avsc"
    schema = json.loads(path.read_text())
    before = len(schema["fields"])
    schema["fields"] = [f for f in schema["fields"] if f["name"] != field]
    assert before - 1 == len(schema["fields"])
    path.write_text(json.dumps(schema))
    return SchemaCatalog(old_dir)


def test_event_written_with_older_schema_is_read_with_default_of_added_field(
    tmp_path: Path,
) -> None:
    old = _catalog_without_field(tmp_path, "CaseRouted", "reason")
    written = SingleObjectCodec(catalog=old).encode(
        _some_event().model_copy(update={"reason": "no_route"})
    )

    decoded = SingleObjectCodec(history=[old]).decode(written)

    assert isinstance(decoded, CaseRouted)
    assert None is decoded.reason
    assert _some_event().deliveries == decoded.deliveries


def test_older_writer_fingerprint_differs_and_is_unknown_without_history(tmp_path: Path) -> None:
    old = _catalog_without_field(tmp_path, "DeliveryOutcome", "duration_seconds")
    outcome = DeliveryOutcome(
        envelope=Envelope(case_id="c", tenant="t", correlation_id="c"),
        delivery_id="d",
        connector="dms",
        connector_kind="dms.xdomea",
        outcome=DeliveryResult.delivered,
        media_break=False,
        duration_seconds=2.5,
    )
    written = SingleObjectCodec(catalog=old).encode(outcome)

    with pytest.raises(CodecError, match="unknown writer schema fingerprint"):
        SingleObjectCodec().decode(written)
    decoded = SingleObjectCodec(history=[old]).decode(written)
    assert isinstance(decoded, DeliveryOutcome)
    assert 0.0 == decoded.duration_seconds


def test_catalog_directory_missing_a_model_schema_is_refused(tmp_path: Path) -> None:
    partial = tmp_path / "partial"
    shutil.copytree(SCHEMA_DIR, partial)
    (partial / "de.ikz.hub.events.Quarantined.avsc").unlink()

    with pytest.raises(FileNotFoundError, match="Quarantined"):
        SchemaCatalog(partial)


def test_timestamps_are_carried_with_millisecond_precision() -> None:
    at = datetime(2026, 11, 20, 8, 14, 3, 123000, tzinfo=UTC)
    event = _some_event().model_copy(
        update={"envelope": Envelope(case_id="c", tenant="t", correlation_id="c", occurred_at=at)}
    )

    decoded = SingleObjectCodec().decode(SingleObjectCodec().encode(event))

    assert at == decoded.envelope.occurred_at
    assert timedelta(0) == decoded.envelope.occurred_at.utcoffset()
