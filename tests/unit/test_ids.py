"""hub.ids: stable UUIDv5 identifiers of applications and deliveries."""

from __future__ import annotations

import uuid

import pytest

from hub.ids import application_id, delivery_id, is_uuid


def test_application_id_of_known_submission_never_changes() -> None:
    # pinned: receipts, Kafka keys and portal links all depend on this value
    expected = "d4d1a9db-ea1d-5af5-ad56-56c73274b328"

    actual = application_id("civento-hessen", "CIV-2026-104233")

    assert expected == actual


def test_repeat_submission_gets_same_application_id() -> None:
    first = application_id("civento-hessen", "CIV-1")
    second = application_id("civento-hessen", "CIV-1")

    assert first == second


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (("civento-hessen", "CIV-1"), ("civento-hessen", "CIV-2")),
        (("civento-hessen", "CIV-1"), ("civento-standesamt", "CIV-1")),
        # plain concatenation would make these collide
        (("civento-hessen", "x-CIV-1"), ("civento-hessen-x", "CIV-1")),
        (("ab", "c"), ("a", "bc")),
    ],
    ids=["other-submission", "other-portal", "shifted-dash", "shifted-char"],
)
def test_application_id_differs_per_portal_and_submission(
    one: tuple[str, str], other: tuple[str, str]
) -> None:
    assert application_id(*one) != application_id(*other)


def test_application_id_is_canonical_uuid_version_5() -> None:
    value = application_id("civento-hessen", "CIV-1")

    assert is_uuid(value)
    assert 5 == uuid.UUID(value).version


def test_delivery_id_of_same_case_tenant_connector_is_stable() -> None:
    assert delivery_id("case-1", "bensheim", "dms") == delivery_id("case-1", "bensheim", "dms")


@pytest.mark.parametrize(
    "other",
    [
        ("case-2", "bensheim", "dms"),
        ("case-1", "viernheim", "dms"),
        ("case-1", "bensheim", "mail"),
        ("case-1", "bensheim-dms", ""),
    ],
    ids=["other-case", "other-tenant", "other-connector", "shifted-separator"],
)
def test_delivery_id_differs_per_case_tenant_and_connector(other: tuple[str, str, str]) -> None:
    assert delivery_id("case-1", "bensheim", "dms") != delivery_id(*other)


def test_delivery_id_never_equals_application_id_of_same_text() -> None:
    # the two kinds of id live in different namespaces
    assert application_id("a", "b") != delivery_id("a", "b", "")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("d4d1a9db-ea1d-5af5-ad56-56c73274b328", True),
        ("00000000-0000-0000-0000-000000000000", True),
        ("D4D1A9DB-EA1D-5AF5-AD56-56C73274B328", False),
        ("d4d1a9dbea1d5af5ad5656c73274b328", False),
        ("{d4d1a9db-ea1d-5af5-ad56-56c73274b328}", False),
        ("urn:uuid:d4d1a9db-ea1d-5af5-ad56-56c73274b328", False),
        (" d4d1a9db-ea1d-5af5-ad56-56c73274b328", False),
        ("d4d1a9db-ea1d-5af5-ad56-56c73274b32", False),
        ("../../etc/passwd", False),
        ("", False),
    ],
    ids=[
        "canonical",
        "nil",
        "upper-case",
        "no-dashes",
        "braces",
        "urn",
        "leading-space",
        "too-short",
        "path",
        "empty",
    ],
)
def test_is_uuid_accepts_only_canonical_text_form(value: str, expected: bool) -> None:
    assert expected == is_uuid(value)
