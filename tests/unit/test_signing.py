"""hub.signing: HMAC-SHA256 request signatures with a timestamp window."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

import pytest
from pydantic import SecretStr

from hub.signing import (
    PORTAL_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    read_payload,
    sign,
    signed_headers,
    signed_read_headers,
    verify,
)

NOW = 1_790_000_000
TOLERANCE = 300
PORTAL = "civento-hessen"
SECRET = "s3cret-hessen"
SECRETS = {PORTAL: (SecretStr(SECRET),), "civento-standesamt": (SecretStr("s3cret-standesamt"),)}
BODY = b'{"submissionId":"CIV-1"}'


def check(headers: dict[str, str], body: bytes = BODY, *, now: float = NOW) -> str:
    return verify(headers, body, SECRETS, now=now, tolerance_seconds=TOLERANCE)


def test_correctly_signed_request_is_attributed_to_its_portal() -> None:
    headers = signed_headers(PORTAL, SECRET, NOW, BODY)

    assert PORTAL == check(headers)


def test_empty_body_round_trips() -> None:
    assert PORTAL == check(signed_headers(PORTAL, SECRET, NOW, b""), b"")


def test_signature_header_is_sha256_hex_of_timestamp_dot_body() -> None:
    expected = (
        "sha256=" + hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    )

    assert expected == sign(SECRET, NOW, BODY)


@pytest.mark.parametrize("offset", [-TOLERANCE, TOLERANCE, 0])
def test_timestamp_within_tolerance_is_accepted(offset: int) -> None:
    headers = signed_headers(PORTAL, SECRET, NOW + offset, BODY)

    assert PORTAL == check(headers)


def _wrong_secret() -> tuple[dict[str, str], bytes]:
    return signed_headers(PORTAL, "not-the-secret", NOW, BODY), BODY


def _other_portals_secret() -> tuple[dict[str, str], bytes]:
    return signed_headers(PORTAL, "s3cret-standesamt", NOW, BODY), BODY


def _tampered_body() -> tuple[dict[str, str], bytes]:
    return signed_headers(PORTAL, SECRET, NOW, BODY), BODY.replace(b"CIV-1", b"CIV-2")


def _stale() -> tuple[dict[str, str], bytes]:
    return signed_headers(PORTAL, SECRET, NOW - TOLERANCE - 1, BODY), BODY


def _too_far_ahead() -> tuple[dict[str, str], bytes]:
    return signed_headers(PORTAL, SECRET, NOW + TOLERANCE + 1, BODY), BODY


def _replayed_with_new_timestamp() -> tuple[dict[str, str], bytes]:
    old = signed_headers(PORTAL, SECRET, NOW - 3600, BODY)
    return {**old, TIMESTAMP_HEADER: str(NOW)}, BODY


def _unknown_portal() -> tuple[dict[str, str], bytes]:
    return signed_headers("evil-portal", "\x00unknown", NOW, BODY), BODY


def _without(header: str) -> tuple[dict[str, str], bytes]:
    headers = signed_headers(PORTAL, SECRET, NOW, BODY)
    del headers[header]
    return headers, BODY


def _with(header: str, value: str) -> tuple[dict[str, str], bytes]:
    return {**signed_headers(PORTAL, SECRET, NOW, BODY), header: value}, BODY


def _bare_hex_signature() -> tuple[dict[str, str], bytes]:
    return _with(SIGNATURE_HEADER, sign(SECRET, NOW, BODY).removeprefix("sha256="))


@pytest.mark.parametrize(
    ("make", "reason_part"),
    [
        (_wrong_secret, "signature does not match"),
        (_other_portals_secret, "signature does not match"),
        (_tampered_body, "signature does not match"),
        (_replayed_with_new_timestamp, "signature does not match"),
        (_bare_hex_signature, "signature does not match"),
        # same answer as a wrong secret: the caller cannot probe for portal names
        (_unknown_portal, "signature does not match"),
        (_stale, "more than 300 s off"),
        (_too_far_ahead, "more than 300 s off"),
        (lambda: _without(PORTAL_HEADER), "headers are required"),
        (lambda: _without(TIMESTAMP_HEADER), "headers are required"),
        (lambda: _without(SIGNATURE_HEADER), "headers are required"),
        (lambda: _with(PORTAL_HEADER, ""), "headers are required"),
        (lambda: _with(TIMESTAMP_HEADER, "1790000000.5"), "unix seconds"),
        (lambda: _with(TIMESTAMP_HEADER, "yesterday"), "unix seconds"),
        (lambda: _with(TIMESTAMP_HEADER, "0x6AB0E280"), "unix seconds"),
    ],
    ids=[
        "wrong-secret",
        "other-portals-secret",
        "tampered-body",
        "replay-new-timestamp",
        "signature-without-prefix",
        "unknown-portal",
        "stale-timestamp",
        "future-timestamp",
        "missing-portal",
        "missing-timestamp",
        "missing-signature",
        "empty-portal",
        "fractional-timestamp",
        "word-timestamp",
        "hex-timestamp",
    ],
)
def test_unauthentic_request_raises_signature_error(
    make: Callable[[], tuple[dict[str, str], bytes]], reason_part: str
) -> None:
    headers, body = make()

    with pytest.raises(SignatureError) as raised:
        check(headers, body)

    assert reason_part in raised.value.reason


# --- status reads and secret rotation -------------------------------------------------------

PATH = "/v1/applications/bf19cb39-1c7e-5d2f-9c43-2f6a0e1b8d21"


def test_signed_read_covers_method_path_and_timestamp_as_documented() -> None:
    headers = signed_read_headers(PORTAL, SECRET, NOW, PATH)

    expected = hmac.new(SECRET.encode(), f"{NOW}.GET {PATH}".encode(), hashlib.sha256)
    assert f"sha256={expected.hexdigest()}" == headers[SIGNATURE_HEADER]
    assert PORTAL == check(headers, read_payload("GET", PATH))


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", PATH.replace("bf19", "bf18")), ("POST", PATH), ("GET", "/v1/invoices/" + PATH[17:])],
    ids=["other-id", "other-method", "other-collection"],
)
def test_signed_read_does_not_verify_for_another_request(method: str, path: str) -> None:
    headers = signed_read_headers(PORTAL, SECRET, NOW, PATH)

    with pytest.raises(SignatureError):
        check(headers, read_payload(method, path))


def test_during_rotation_current_and_next_secret_both_verify_and_nothing_else() -> None:
    rotating = {PORTAL: (SecretStr("current"), SecretStr("next"))}

    verified = [
        verify(signed_headers(PORTAL, s, NOW, BODY), BODY, rotating, now=NOW, tolerance_seconds=1)
        for s in ("current", "next")
    ]

    assert [PORTAL, PORTAL] == verified
    with pytest.raises(SignatureError):
        verify(
            signed_headers(PORTAL, "previous", NOW, BODY),
            BODY,
            rotating,
            now=NOW,
            tolerance_seconds=1,
        )
