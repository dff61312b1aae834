"""The registry wire format against a real Confluent-compatible registry (Apicurio, ccompat API).

``scripts/registry.sh up`` (the ``schema_registry`` fixture) runs it in memory on 127.0.0.1:8081.
"""

from __future__ import annotations

import json
import struct
import types
import typing
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient, SchemaRegistryError
from pydantic import BaseModel

from hub.events.catalog import default_catalog
from hub.events.codec import CONFLUENT_MAGIC, SINGLE_OBJECT_MAGIC, RegistryCodec
from hub.events.models import EVENT_TYPES, Application, CaseStatusChanged, Event
from hub.intake.submission import Submission, to_application
from hub.kafka.reader import read_topic
from hub.runtime.local import LocalHub
from tests.conftest import EXAMPLES
from tests.e2e.conftest import HubDriver

pytestmark = [pytest.mark.kafka, pytest.mark.e2e, pytest.mark.registry]

EXAMPLE = "gewerbe-anmelden-bensheim"
WHEN = datetime(2025, 3, 14, 9, 26, 53, 589000, tzinfo=UTC)  # Avro timestamp-millis precision


def example_application(stem: str = EXAMPLE) -> Application:
    """An example submission as intake turns it into an event payload."""
    raw = json.loads((EXAMPLES / f"{stem}.json").read_text(encoding="utf-8"))
    submission = Submission.model_validate(raw)
    uris = [f"blob:sha256:{a.sha256}" for a in submission.attachments]
    return to_application(submission, uris)


SCALARS: dict[type, Any] = {
    bool: True,
    int: 3,
    float: 1.25,
    datetime: WHEN,
    date: WHEN.date(),
    bytes: b"\x00\xc3\x01 original bytes",
}


def sample_value(annotation: Any, name: str) -> Any:
    """A value of ``annotation`` (optional fields get one too, so every branch is written)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return sample_value(options[0], name)
    if origin is tuple:
        return (sample_value(typing.get_args(annotation)[0], name),)
    if annotation is Application:
        return example_application()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return sample_model(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return next(iter(annotation))
    scalars = {**SCALARS, str: f"{name}-sample"}
    if annotation in scalars:
        return scalars[annotation]
    raise TypeError(f"no sample for {name}: {annotation!r}")


def sample_model(model: type[BaseModel]) -> Any:
    """One instance of ``model`` with every field set."""
    return model(**{n: sample_value(f.annotation, n) for n, f in model.model_fields.items()})


def unique_topic(kind: str) -> str:
    """A topic name no earlier test (or run against the same registry) has used."""
    return f"reg{uuid.uuid4().hex[:8]}.{kind}"


@pytest.fixture
def registry(schema_registry: str) -> Iterator[SchemaRegistryClient]:
    """A client of its own: it knows only what it asks the registry."""
    with SchemaRegistryClient({"url": schema_registry}) as client:
        yield client


@pytest.fixture
def new_codec(schema_registry: str) -> Iterator[Callable[[], RegistryCodec]]:
    """Factory of registry codecs as a hub process builds them (fresh client, empty caches)."""
    made: list[RegistryCodec] = []

    def make() -> RegistryCodec:
        made.append(RegistryCodec.from_url(schema_registry))
        return made[-1]

    yield make
    for codec in made:
        codec.client.close()


@pytest.mark.parametrize("model", EVENT_TYPES, ids=lambda m: m.__name__)
def test_every_event_round_trips_through_the_real_registry(
    registry: SchemaRegistryClient, new_codec: Callable[[], RegistryCodec], model: type[Event]
) -> None:
    event = sample_model(model)
    topic = unique_topic(model.__name__)
    entry = default_catalog().for_model(model)
    writer = new_codec()

    data = writer.encode(event, topic=topic)

    assert CONFLUENT_MAGIC == data[:1]
    (schema_id,) = struct.unpack(">I", data[1:5])
    assert f"{topic}-value" in registry.get_subjects()
    latest = registry.get_latest_version(f"{topic}-value")
    assert schema_id == latest.schema_id
    assert entry.schema == json.loads(registry.get_schema(schema_id).schema_str)
    assert event == writer.decode(data, topic=topic)
    # a second hub process: nothing cached, the writer schema comes from the registry by id
    assert event == new_codec().decode(data, topic=topic)


def test_the_same_schema_keeps_its_id_across_codecs(
    registry: SchemaRegistryClient, new_codec: Callable[[], RegistryCodec]
) -> None:
    event = sample_model(CaseStatusChanged)
    topic = unique_topic("applications.status")

    first = new_codec().encode(event, topic=topic)
    second = new_codec().encode(event, topic=topic)

    assert first[:5] == second[:5]
    assert [1] == registry.get_versions(f"{topic}-value")


def test_the_hub_runs_end_to_end_on_the_registry(
    schema_registry: str,
    registry: SchemaRegistryClient,
    new_codec: Callable[[], RegistryCodec],
    local_hub: Callable[..., LocalHub],
) -> None:
    hub = local_hub(extra_env={"HUB_SCHEMA_REGISTRY_URL": schema_registry})
    driver = HubDriver(hub)
    try:
        posted = driver.post(driver.example(EXAMPLE))
        assert 202 == posted.status, posted.body
        case_id = posted.body["applicationId"]
        view = driver.wait_final(case_id)
    finally:
        driver.close()

    assert "completed" == view["status"], view
    topic = f"{hub.topic_prefix}.applications.submitted"
    values = [r.value for r in read_topic(hub.bootstrap, topic)]
    assert values
    for value in values:
        assert CONFLUENT_MAGIC == value[:1], value[:10].hex()
        assert SINGLE_OBJECT_MAGIC != value[:2]
    subjects = registry.get_subjects()
    assert f"{topic}-value" in subjects
    assert f"{hub.topic_prefix}.applications.status-value" in subjects
    codec = new_codec()
    events = [codec.decode(v, topic=topic) for v in values]
    assert [case_id] == [e.envelope.case_id for e in events]


def test_the_registry_refuses_a_backward_incompatible_schema(
    registry: SchemaRegistryClient,
) -> None:
    subject = f"{unique_topic('applications.status')}-value"
    current = default_catalog().for_model(CaseStatusChanged).schema
    registry.register_schema(subject, Schema(json.dumps(current), "AVRO"))
    registry.set_compatibility(subject, "BACKWARD")
    assert "BACKWARD" == registry.get_compatibility(subject)

    def with_field(field: dict[str, Any]) -> Schema:
        return Schema(json.dumps({**current, "fields": [*current["fields"], field]}), "AVRO")

    with pytest.raises(SchemaRegistryError) as refused:
        registry.register_schema(subject, with_field({"name": "added", "type": "string"}))
    assert 409 == refused.value.http_status_code, refused.value

    # what the hub's evolution rule allows (a new field with a default) is accepted
    registry.register_schema(
        subject, with_field({"name": "added", "type": "string", "default": ""})
    )
    assert [1, 2] == registry.get_versions(subject)
