"""Request signatures: ``X-Hub-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{payload}">``.

The payload of a ``POST`` is its raw body; the payload of a status read
(``GET``) is ``"GET {path}"``, so a signed read is bound to the method, the path
and the time: ``HMAC-SHA256(secret, "1795257883.GET /v1/applications/<id>")``.

Each portal client has its own secret (during a rotation two: current and
next, either verifies); ``X-Hub-Portal`` names the client and
``X-Hub-Timestamp`` (unix seconds) must be at most the tolerance old (or ahead).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence

from pydantic import SecretStr

PORTAL_HEADER = "X-Hub-Portal"
TIMESTAMP_HEADER = "X-Hub-Timestamp"
SIGNATURE_HEADER = "X-Hub-Signature"


class SignatureError(Exception):
    """Authentication failed; ``reason`` is safe to show the caller."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Hub-Signature`` header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def read_payload(method: str, path: str) -> bytes:
    """What a bodiless request (a status read) signs: ``"{METHOD} {path}"``."""
    return f"{method.upper()} {path}".encode()


def signed_headers(portal: str, secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    """All three authentication headers for one request (``body``: the payload it signs)."""
    return {
        PORTAL_HEADER: portal,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


def signed_read_headers(portal: str, secret: str, timestamp: int, path: str) -> dict[str, str]:
    """The authentication headers of a signed ``GET path``."""
    return signed_headers(portal, secret, timestamp, read_payload("GET", path))


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secrets: Mapping[str, Sequence[SecretStr]],
    *,
    now: float,
    tolerance_seconds: int,
) -> str:
    """The authenticated portal name, or :class:`SignatureError`.

    ``secrets`` maps each portal to its active secrets (current, and next during a
    rotation); any of them verifies.
    """
    portal = headers.get(PORTAL_HEADER)
    timestamp = headers.get(TIMESTAMP_HEADER)
    signature = headers.get(SIGNATURE_HEADER)
    if not portal or not timestamp or not signature:
        raise SignatureError(
            f"{PORTAL_HEADER}, {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers are required"
        )
    if len(timestamp) > 12:  # unix seconds have 10 digits; more would overflow the clock check
        raise SignatureError(f"{TIMESTAMP_HEADER} must be unix seconds")
    try:
        ts = int(timestamp)
    except ValueError:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be unix seconds") from None
    if abs(now - ts) > tolerance_seconds:
        raise SignatureError(f"{TIMESTAMP_HEADER} is more than {tolerance_seconds} s off")
    known = secrets.get(portal) or ()
    # compare against a dummy when the portal is unknown, so timing does not tell
    candidates = [s.get_secret_value() for s in known] or ["\x00unknown"]
    matched = False
    for secret in candidates:
        matched |= hmac.compare_digest(sign(secret, ts, body).encode(), signature.encode())
    if not matched or not known:
        raise SignatureError("signature does not match")
    return portal
