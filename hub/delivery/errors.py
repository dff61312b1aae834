"""Delivery errors, classified by what the runtime does with them.

::

    DeliveryError                 (never raised itself)
    ├── TransientError            retry with backoff; give up after the deadline -> dead-letter
    ├── PermanentError            dead-letter at once; the case has a media break
    └── ConnectorConfigError      stop at start-up; an operator must fix configuration

Each carries ``message`` (operator-facing, no personal data) and ``detail``
(internal, for logs of the connector's own diagnostics), and a short ``reason``
code used as a metric label.
"""

from __future__ import annotations


class DeliveryError(Exception):
    """Base of every error a connector may raise."""

    reason = "error"

    def __init__(
        self, message: str, *, detail: str = "", reason: str | None = None, field: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.field = field  # configuration errors: the setting at fault, relative to the connector
        if reason is not None:
            self.reason = reason


class TransientError(DeliveryError):
    """The back office cannot take it now (timeout, refused, 429, 5xx): try again later.

    ``retry_after_seconds`` is the wait the back office asked for (``Retry-After``), if any.
    """

    reason = "unavailable"

    def __init__(
        self,
        message: str,
        *,
        detail: str = "",
        reason: str | None = None,
        field: str = "",
        retry_after_seconds: float | None = None,
    ) -> None:
        super().__init__(message, detail=detail, reason=reason, field=field)
        self.retry_after_seconds = retry_after_seconds


class PermanentError(DeliveryError):
    """The back office will never take it as it is (rejected content, impossible mapping)."""

    reason = "rejected"


class ConnectorConfigError(DeliveryError):
    """The connector cannot work with its configuration (unknown kind, missing secret)."""

    reason = "configuration"
