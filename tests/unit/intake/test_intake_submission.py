"""hub.intake.submission: validation at the edge, attachment checks, fingerprint, event form."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from hub.events.models import ApplicantType
from hub.intake.submission import (
    AttachmentProblem,
    Submission,
    content_fingerprint,
    decode_attachments,
    to_application,
)
from tests.unit.factories import EXAMPLE_STEMS, application_from, attachment, load_example, mutated

PERSON = "gewerbe-anmelden-bensheim"  # person applicant, one attachment, payment
ORGANISATION = "baugenehmigung-kreis-bergstrasse"  # organisation applicant, three attachments


@pytest.mark.parametrize("stem", EXAMPLE_STEMS)
def test_every_example_is_a_valid_submission_with_matching_attachments(stem: str) -> None:
    raw = load_example(stem)

    submission = Submission.model_validate(raw)
    blobs, problems = decode_attachments(submission)

    assert raw["submissionId"] == submission.submissionId
    assert [] == problems
    assert [a["size"] for a in raw["attachments"]] == [len(b) for b in blobs]


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Change the value at a dotted path (integers index lists)."""

    def change(raw: dict[str, Any]) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        node: Any = raw
        for p in parents:
            node = node[p]
        node[last] = value

    return change


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = raw
        for p in parents:
            node = node[int(p) if p.isdigit() else p]
        del node[last]

    return change


INVALID = [
    # (example, change, location of the error)
    (PERSON, _set("service.leikaId", "9905001210400"), ("service", "leikaId")),
    (PERSON, _set("service.leikaId", "9905001210400X"), ("service", "leikaId")),
    (PERSON, _set("authority.ags", "0643100"), ("authority", "ags")),
    (PERSON, _set("authority.ags", "064310020"), ("authority", "ags")),
    (PERSON, _set("authority.ars", "06431000200"), ("authority", "ars")),
    (PERSON, _drop("applicant.givenName"), ("applicant", "person", "givenName")),
    (PERSON, _set("applicant.familyName", "   "), ("applicant", "person", "familyName")),
    (ORGANISATION, _drop("applicant.name"), ("applicant", "organisation", "name")),
    (PERSON, _set("applicant.type", "robot"), ("applicant",)),
    (PERSON, _set("comment", "hello"), ("comment",)),
    (PERSON, _set("applicant.nickname", "Ayi"), ("applicant", "person", "nickname")),
    (
        PERSON,
        _set(
            "attachments.0.sha256",
            "8C243580ECBB1B54B4B5D5403CBF0C11E224D93FDB9CA2D481CBF838D6FC0CD9",
        ),
        ("attachments", 0, "sha256"),
    ),
    (PERSON, _set("attachments.0.sha256", "8c243580"), ("attachments", 0, "sha256")),
    (ORGANISATION, _set("attachments.2.sha256", "z" * 64), ("attachments", 2, "sha256")),
    (
        PERSON,
        _set("attachments.0.filename", "../personalausweis.pdf"),
        ("attachments", 0, "filename"),
    ),
    (PERSON, _set("attachments.0.size", -1), ("attachments", 0, "size")),
    (PERSON, _set("attachments.0.mediaType", "pdf"), ("attachments", 0, "mediaType")),
    (PERSON, _set("submittedAt", "2026-11-20T09:14:03"), ("submittedAt",)),
    (PERSON, _set("submittedAt", "20.11.2026"), ("submittedAt",)),
    (PERSON, _drop("submissionId"), ("submissionId",)),
    (PERSON, _set("applicant.email", "aylin.demir"), ("applicant", "person", "email")),
    (PERSON, _set("applicant.birthDate", "17.04.1991"), ("applicant", "person", "birthDate")),
    (
        PERSON,
        _set("applicant.address.postalCode", "6"),
        ("applicant", "person", "address", "postalCode"),
    ),
    (
        PERSON,
        _set("applicant.address.country", "Deutschland"),
        ("applicant", "person", "address", "country"),
    ),
    (PERSON, _set("payment.amount", "26,00"), ("payment", "amount")),
    (PERSON, _set("payment.currency", "eur"), ("payment", "currency")),
    (PERSON, _set("formData", ["not", "an", "object"]), ("formData",)),
]


@pytest.mark.parametrize(
    ("stem", "change", "location"),
    INVALID,
    ids=[".".join(map(str, loc)) + f"#{i}" for i, (_, _, loc) in enumerate(INVALID)],
)
def test_invalid_submission_is_rejected_at_the_offending_field(
    stem: str, change: Callable[[dict[str, Any]], None], location: tuple[Any, ...]
) -> None:
    raw = mutated(load_example(stem), change)

    with pytest.raises(ValidationError) as raised:
        Submission.model_validate(raw)

    assert [location] == [e["loc"] for e in raised.value.errors()]


def _with_content(raw: dict[str, Any], index: int, **fields: Any) -> dict[str, Any]:
    return mutated(raw, lambda r: r["attachments"][index].update(fields))


def test_attachment_with_wrong_hash_is_reported_at_its_sha256_pointer() -> None:
    raw = _with_content(load_example(ORGANISATION), 1, sha256="0" * 64)

    _blobs, problems = decode_attachments(Submission.model_validate(raw))

    assert ["/attachments/1/sha256"] == [p.pointer for p in problems]


def test_attachment_with_wrong_size_is_reported_at_its_size_pointer() -> None:
    raw = _with_content(load_example(PERSON), 0, size=74)

    _blobs, problems = decode_attachments(Submission.model_validate(raw))

    assert [AttachmentProblem("/attachments/0/size", "announced 74 bytes, got 73")] == problems


@pytest.mark.parametrize(
    "content", ["not base64!", "JVBERi0", "JVBE\nRi0x"], ids=["symbols", "bad-padding", "newline"]
)
def test_attachment_that_is_not_base64_is_reported_and_yields_no_blob(content: str) -> None:
    raw = _with_content(load_example(ORGANISATION), 2, contentBase64=content)

    blobs, problems = decode_attachments(Submission.model_validate(raw))

    assert ["/attachments/2/contentBase64"] == [p.pointer for p in problems]
    assert 2 == len(blobs)


def test_attachment_with_other_content_reports_both_size_and_hash() -> None:
    raw = _with_content(
        load_example(PERSON), 0, contentBase64=base64.b64encode(b"something else").decode()
    )

    _blobs, problems = decode_attachments(Submission.model_validate(raw))

    assert ["/attachments/0/size", "/attachments/0/sha256"] == [p.pointer for p in problems]


def test_decoded_attachments_are_the_announced_bytes_in_order() -> None:
    first, second = b"%PDF-1.4 first", b"%PDF-1.4 second"
    raw = mutated(
        load_example(PERSON),
        lambda r: r.update(
            attachments=[
                attachment(first, attachment_id="a"),
                attachment(second, attachment_id="b"),
            ]
        ),
    )

    blobs, problems = decode_attachments(Submission.model_validate(raw))

    assert [] == problems
    assert [first, second] == blobs


def _reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reversed_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_keys(v) for v in value]
    return value


@pytest.mark.parametrize("stem", EXAMPLE_STEMS)
def test_fingerprint_ignores_key_order_and_formatting(stem: str) -> None:
    raw = load_example(stem)
    reordered = _reversed_keys(raw)
    reformatted = json.loads(json.dumps(raw, indent=4))

    assert list(raw) != list(reordered)
    assert content_fingerprint(raw) == content_fingerprint(reordered)
    assert content_fingerprint(raw) == content_fingerprint(reformatted)


@pytest.mark.parametrize(
    "change",
    [
        _set("formData.gewerbe.mitarbeiter", 3),
        _set("formData.gewerbe.vollzeit", False),
        _set("applicant.familyName", "Demír"),
        _set("attachments", []),
        _set("payment", None),
        _drop("replyChannel"),
    ],
    ids=["number", "bool", "accent", "attachments", "null", "dropped-field"],
)
def test_fingerprint_changes_when_content_changes(change: Callable[[dict[str, Any]], None]) -> None:
    raw = load_example(PERSON)

    assert content_fingerprint(raw) != content_fingerprint(mutated(raw, change))


def test_to_application_maps_person_applicant_and_attachments_with_uris() -> None:
    raw = load_example(PERSON)
    uris = ["blob:sha256:" + raw["attachments"][0]["sha256"]]

    app = to_application(Submission.model_validate(raw), uris)

    assert ApplicantType.person == app.applicant.type
    assert ("Aylin", "Demir", "1991-04-17") == (
        app.applicant.given_name,
        app.applicant.family_name,
        app.applicant.birth_date,
    )
    assert app.applicant.name is None
    assert app.applicant.address is not None
    assert ("Hauptstraße 12", "64625", "Bensheim", "DE") == (
        app.applicant.address.street,
        app.applicant.address.postal_code,
        app.applicant.address.city,
        app.applicant.address.country,
    )
    assert "aylin.demir@example.org" == app.applicant.email
    assert [("personalausweis.pdf", "application/pdf", 73, uris[0])] == [
        (a.filename, a.media_type, a.size, a.uri) for a in app.attachments
    ]
    assert ("99050012104000", "064310002002", "06431002") == (
        app.service.leika_id,
        app.authority.ars,
        app.authority.ags,
    )
    assert raw["formData"] == json.loads(app.form_data_json)
    assert app.payment is not None
    assert ("26.00", "EUR", "EPAY-88211") == (
        app.payment.amount,
        app.payment.currency,
        app.payment.transaction_id,
    )
    assert app.reply_channel is not None
    assert ("email", "aylin.demir@example.org") == (
        app.reply_channel.type,
        app.reply_channel.address,
    )


def test_to_application_maps_organisation_applicant() -> None:
    app = application_from(load_example(ORGANISATION))

    assert ApplicantType.organisation == app.applicant.type
    assert ("Muster Wohnbau GmbH", "HRB 12345") == (
        app.applicant.name,
        app.applicant.register_number,
    )
    assert (None, None) == (app.applicant.given_name, app.applicant.family_name)
    assert 3 == len(app.attachments)
    assert [a["attachmentId"] for a in load_example(ORGANISATION)["attachments"]] == [
        a.attachment_id for a in app.attachments
    ]


def test_to_application_converts_submission_time_to_utc_milliseconds() -> None:
    raw = mutated(load_example(PERSON), _set("submittedAt", "2026-11-20T09:14:03.123456+01:00"))

    app = application_from(raw)

    assert datetime(2026, 11, 20, 8, 14, 3, 123000, tzinfo=UTC) == app.submitted_at
    assert UTC == app.submitted_at.tzinfo


def test_to_application_refuses_uri_count_other_than_attachment_count() -> None:
    submission = Submission.model_validate(load_example(ORGANISATION))

    with pytest.raises(ValueError, match="zip"):
        to_application(submission, ["blob:sha256:" + "0" * 64])


def test_to_application_without_payment_and_attachments_leaves_them_empty() -> None:
    app = application_from(load_example("hundesteuer-anmelden-viernheim"))

    assert (None, ()) == (app.payment, app.attachments)
