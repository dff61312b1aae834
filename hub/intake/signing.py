"""Request signatures: ``X-Hub-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{raw body}">``.

Each portal client has its own secret; ``X-Hub-Portal`` names the client and
``X-Hub-Timestamp`` (unix seconds) must be at most the tolerance old (or ahead).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

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


def signed_headers(portal: str, secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    """All three authentication headers for one request."""
    return {
        PORTAL_HEADER: portal,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secrets: Mapping[str, SecretStr],
    *,
    now: float,
    tolerance_seconds: int,
) -> str:
    """The authenticated portal name, or :class:`SignatureError`."""
    portal = headers.get(PORTAL_HEADER)
    timestamp = headers.get(TIMESTAMP_HEADER)
    signature = headers.get(SIGNATURE_HEADER)
    if not portal or not timestamp or not signature:
        raise SignatureError(
            f"{PORTAL_HEADER}, {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers are required"
        )
    try:
        ts = int(timestamp)
    except ValueError:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be unix seconds") from None
    if abs(now - ts) > tolerance_seconds:
        raise SignatureError(f"{TIMESTAMP_HEADER} is more than {tolerance_seconds} s off")
    secret = secrets.get(portal)
    # compare against a dummy when the portal is unknown, so timing does not tell
    expected = sign(secret.get_secret_value() if secret else "\x00unknown", ts, body)
    if not hmac.compare_digest(expected.encode(), signature.encode()) or secret is None:
        raise SignatureError("signature does not match")
    return portal
