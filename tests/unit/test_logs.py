"""hub.logs: personal data never reaches a log line."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

from hub.config import HubConfig
from hub.logs import REDACTED, StartupNoise, configure_logging, redact_personal_data
from tests.unit.factories import (
    EXAMPLE_STEMS,
    FakeProducer,
    body_of,
    intake_client,
    intake_deps,
    load_example,
    mutated,
    personal_strings,
    signed,
)


def redact(**event: Any) -> dict[str, Any]:
    return dict(redact_personal_data(None, "info", dict(event)))


@pytest.mark.parametrize(
    "key",
    [
        "name",
        "given_name",
        "givenName",
        "familyName",
        "family-name",
        "birthDate",
        "address",
        "street",
        "postalCode",
        "city",
        "email",
        "E-Mail",
        "IBAN",
        "bic",
        "applicant",
        "formData",
        "form_data_json",
        "replyChannel",
        "body",
        "contentBase64",
        "kontoinhaber",
        "register_number",
    ],
)
def test_personal_key_is_masked_whatever_its_value(key: str) -> None:
    assert {key: REDACTED, "tenant": "bensheim"} == redact(
        **{key: {"any": ["value", 1]}, "tenant": "bensheim"}
    )


def test_register_number_in_wire_spelling_is_masked() -> None:
    """BUG (hub/logs.py, PERSONAL_KEYS): every other wire-format (camelCase) key of the applicant
    is listed in lower case (givenname, postalcode, ...), "registernumber" is missing."""
    assert {"registerNumber": REDACTED} == redact(registerNumber="HRB 12345")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("mail from aylin.demir@example.org failed", f"mail from {REDACTED} failed"),
        ("IBAN DE02120300000000202051 rejected", f"IBAN {REDACTED} rejected"),
        ("IBAN DE02 1203 0000 0000 2020 51 rejected", f"IBAN {REDACTED} rejected"),
        ("iban=AT611904300234573201;", f"iban={REDACTED};"),
    ],
    ids=["email", "iban", "iban-spaced", "iban-austria"],
)
def test_email_and_iban_are_scrubbed_from_text(value: str, expected: str) -> None:
    assert {"detail": expected} == redact(detail=value)


def test_nested_values_are_masked_and_scrubbed() -> None:
    event = redact(
        context={
            "case": {"familyName": "Demir", "note": "write to j.w@example.org"},
            "ids": ("a", "b"),
        },
        errors=[{"pointer": "/applicant/email", "detail": "x@y.example is taken"}],
    )

    assert {
        "context": {
            "case": {"familyName": REDACTED, "note": f"write to {REDACTED}"},
            "ids": ["a", "b"],
        },
        "errors": [{"pointer": "/applicant/email", "detail": f"{REDACTED} is taken"}],
    } == event


@pytest.mark.parametrize(
    "value",
    [
        "d4d1a9db-ea1d-5af5-ad56-56c73274b328",
        "99050012104000",
        "064310002002",
        "hub.deliveries.bensheim.dms",
        "blob:sha256:8c243580ecbb1b54b4b5d5403cbf0c11e224d93fdb9ca2d481cbf838d6fc0cd9",
        "EPAY-88211",
    ],
    ids=["case-id", "leika", "ars", "topic", "blob-uri", "transaction"],
)
def test_operational_identifiers_are_left_alone(value: str) -> None:
    assert {"event": "x", "ref": value} == redact(event="x", ref=value)


# --- end to end through intake --------------------------------------------------------------


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Put logging and structlog back as they were after a test configured them."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


@pytest.mark.usefixtures("restore_logging")
async def test_intake_logs_no_personal_data_of_any_example(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    hub_config: HubConfig,
    portal_env: dict[str, str],
) -> None:
    # configured here, not in a fixture: the logger binds the stream capsys has during the call
    configure_logging(level="DEBUG", fmt="json")
    producer = FakeProducer()
    deps = intake_deps(tmp_path, hub_config, producer)
    statuses = []
    async with intake_client(deps) as client:
        for stem in EXAMPLE_STEMS:
            raw = load_example(stem)
            secret = portal_env[raw["portal"]]
            broken = mutated(raw, lambda r: r["applicant"].update(email="not an address"))
            for body in (body_of(raw), body_of(raw), body_of(broken)):  # accepted, repeat, refused
                statuses.append(
                    (
                        await client.post(
                            "/v1/applications",
                            data=body,
                            headers=signed(body, secret, portal=raw["portal"]),
                        )
                    ).status
                )
            producer.fail = True
            late = body_of(mutated(raw, lambda r: r.update(submissionId=r["submissionId"] + "-b")))
            statuses.append(
                (
                    await client.post(
                        "/v1/applications",
                        data=late,
                        headers=signed(late, secret, portal=raw["portal"]),
                    )
                ).status
            )
            producer.fail = False

    out = capsys.readouterr()
    logged = out.err + out.out

    assert [202, 200, 422, 503] * len(EXAMPLE_STEMS) == statuses
    assert len(EXAMPLE_STEMS) == logged.count('"intake.accepted"')
    assert len(EXAMPLE_STEMS) == logged.count('"intake.unavailable"')
    leaked = {
        stem: [s for s in personal_strings(load_example(stem)) if s in logged]
        for stem in EXAMPLE_STEMS
    }
    assert {stem: [] for stem in EXAMPLE_STEMS} == leaked


def test_coordinator_not_ready_at_start_is_quieted_other_warnings_are_not() -> None:
    noise = logging.LogRecord("aiokafka.consumer.group_coordinator", logging.ERROR, __file__, 1,
                              "Group Coordinator Request failed: [Error 15] GroupCoordinatorNotAvailableError",
                              None, None)  # fmt: skip
    other = logging.LogRecord("aiokafka", logging.WARNING, __file__, 1, "broker down", None, None)

    assert (False, "DEBUG") == (StartupNoise().filter(noise), noise.levelname)
    assert (True, "WARNING") == (StartupNoise().filter(other), other.levelname)
